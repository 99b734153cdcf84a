//! The summary's figures as CSV files beside `results.html`: the grid, the
//! axis bins, the decisions and the checks, one row each, rates with their
//! Wilson bounds.

use crate::contract::score::{Rate, Summary};

const RATE_COLUMNS: [&str; 5] = ["passed", "total", "rate", "low", "high"];

/// `(file name, contents)` of every table.
pub fn tables(summary: &Summary) -> Vec<(&'static str, String)> {
    vec![
        (
            "grid.csv",
            table(
                &["domain", "behavior", "kept_scenarios", "keys", "status"],
                summary.grid.iter().map(|c| {
                    (
                        vec![
                            c.domain.clone(),
                            c.behavior.clone(),
                            c.kept_scenarios.to_string(),
                            c.keys.to_string(),
                            c.status.clone(),
                        ],
                        c.pass_rate,
                    )
                }),
            ),
        ),
        (
            "axes.csv",
            table(
                &["axis", "bin"],
                summary.axes.iter().flat_map(|(axis, bins)| {
                    bins.iter()
                        .map(move |(bin, rate)| (vec![axis.clone(), bin.clone()], *rate))
                }),
            ),
        ),
        (
            "decisions.csv",
            table(
                &["decision", "measure"],
                summary.decisions.iter().flat_map(|d| {
                    [
                        (vec![d.decision.clone(), "recall".to_owned()], d.recall),
                        (
                            vec![d.decision.clone(), "pass_rate".to_owned()],
                            d.pass_rate,
                        ),
                    ]
                }),
            ),
        ),
        (
            "checks.csv",
            table(
                &["check"],
                summary
                    .checks
                    .iter()
                    .map(|(check, rate)| (vec![check.clone()], *rate)),
            ),
        ),
    ]
}

fn table(keys: &[&str], rows: impl Iterator<Item = (Vec<String>, Rate)>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = keys.iter().copied().chain(RATE_COLUMNS).collect();
    writer.write_record(&header).expect("in memory");
    for (mut row, rate) in rows {
        let figure = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.6}"));
        row.extend([
            rate.passed.to_string(),
            rate.total.to_string(),
            figure(rate.rate),
            figure(rate.low),
            figure(rate.high),
        ]);
        writer.write_record(&row).expect("in memory");
    }
    String::from_utf8(writer.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}
