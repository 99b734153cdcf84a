//! The report's CSV files: one header row, then the same figures as
//! `report.json` and the HTML page, in the same order. Ratios have four
//! decimals, money (USD) four.

use crate::contract::report_doc::{CostFigures, ReportDoc};

/// `pairs.csv`: one row per pair, kept and excluded as in the manifest,
/// removed per rule, then t-way coverage for t = 2 and 3.
pub fn pairs(doc: &ReportDoc) -> String {
    let mut header: Vec<String> = ["domain", "behavior", "raw", "kept", "excluded"]
        .map(String::from)
        .to_vec();
    header.extend(doc.rules.iter().map(|r| format!("removed_by:{}", r.id)));
    for t in &doc.tway {
        for column in [
            "combinations",
            "forbidden",
            "covered",
            "gaps",
            "coverage",
            "coverage_allowed",
        ] {
            header.push(format!("t{}_{column}", t.t));
        }
    }
    let rows = doc.pairs.iter().map(|pair| {
        let s = &pair.summary;
        let mut row = vec![
            s.domain.id().to_owned(),
            s.behavior.id().to_owned(),
            s.raw.to_string(),
            s.kept.to_string(),
            (s.raw - s.kept).to_string(),
        ];
        row.extend(
            doc.rules
                .iter()
                .map(|r| s.excluded.get(&r.id).copied().unwrap_or(0).to_string()),
        );
        for t in &pair.tway {
            row.extend([
                t.combinations.to_string(),
                t.forbidden.to_string(),
                t.covered.to_string(),
                t.gaps.to_string(),
                ratio(t.coverage),
                ratio(t.coverage_allowed),
            ]);
        }
        row
    });
    render(header, rows)
}

/// `rules.csv`: one row per rule, in the order rules run.
pub fn rules(doc: &ReportDoc) -> String {
    let header = ["order", "rule", "kind", "removed", "binding", "rationale"]
        .map(String::from)
        .to_vec();
    let rows = doc.rules.iter().enumerate().map(|(i, r)| {
        vec![
            (i + 1).to_string(),
            r.id.clone(),
            r.kind.clone(),
            r.removed.to_string(),
            yes_no(r.binding),
            r.rationale.trim().to_owned(),
        ]
    });
    render(header, rows)
}

/// `axes.csv`: per pair, per axis, per bin: raw, kept and excluded scenarios.
pub fn axes(doc: &ReportDoc) -> String {
    let header = [
        "domain", "behavior", "axis", "bin", "raw", "kept", "excluded",
    ]
    .map(String::from)
    .to_vec();
    let rows = doc.pairs.iter().flat_map(|pair| {
        pair.axes.iter().flat_map(move |axis| {
            axis.bins.iter().map(move |bin| {
                vec![
                    pair.summary.domain.id().to_owned(),
                    pair.summary.behavior.id().to_owned(),
                    axis.axis.clone(),
                    bin.bin.clone(),
                    bin.raw.to_string(),
                    bin.kept.to_string(),
                    bin.excluded.to_string(),
                ]
            })
        })
    });
    render(header, rows)
}

/// `gaps.csv`: one row per gap: the combination as `axis=bin;axis=bin`,
/// the scenarios holding it, the rules that removed them (`;`-separated).
pub fn gaps(doc: &ReportDoc) -> String {
    let header = ["domain", "behavior", "t", "combination", "cells", "rules"]
        .map(String::from)
        .to_vec();
    let rows = doc.gaps.iter().map(|gap| {
        vec![
            gap.domain.id().to_owned(),
            gap.behavior.id().to_owned(),
            gap.t.to_string(),
            combination(gap),
            gap.cells.to_string(),
            gap.rules.join(";"),
        ]
    });
    render(header, rows)
}

/// `cost.csv`: per model, a `one_pass` row (each unique conversation
/// once, as `coverage cost` prices it; no files), one row per layout and a
/// `total` row. Only the header when the report has no estimate.
pub fn cost(doc: &ReportDoc) -> String {
    let header = [
        "model",
        "tokenizer",
        "approximate",
        "layout",
        "files",
        "conversations",
        "graded_turns",
        "trials",
        "input_tokens",
        "output_tokens",
        "input_per_million_usd",
        "output_per_million_usd",
        "input_cost_usd",
        "output_cost_usd",
        "cost_usd",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    if let Some(estimate) = &doc.cost {
        for model in &estimate.models {
            let one_pass = [("one_pass", &model.one_pass)];
            for (layout, f) in one_pass.into_iter().chain(model.rows()) {
                let f: &CostFigures = f;
                let files = match layout {
                    "one_pass" => String::new(),
                    _ => f.files.to_string(),
                };
                rows.push(vec![
                    model.model.clone(),
                    model.tokenizer.clone(),
                    yes_no(model.approximate),
                    layout.to_owned(),
                    files,
                    f.conversations.to_string(),
                    f.graded_turns.to_string(),
                    estimate.trials.to_string(),
                    f.input_tokens.to_string(),
                    f.output_tokens.to_string(),
                    money(model.input_per_million),
                    money(model.output_per_million),
                    money(f.input_cost),
                    money(f.output_cost),
                    money(f.cost),
                ]);
            }
        }
    }
    render(header, rows.into_iter())
}

/// A gap's combination as `axis=bin;axis=bin`.
pub fn combination(gap: &crate::contract::report_doc::Gap) -> String {
    gap.bins
        .iter()
        .map(|b| format!("{}={}", b.axis, b.bin))
        .collect::<Vec<_>>()
        .join(";")
}

/// A ratio as the CSV files print it (`report.html` prints percents).
pub fn ratio(value: f64) -> String {
    format!("{value:.4}")
}

/// An amount of US dollars as the CSV files print it: to the hundredth of
/// a cent, for summing (`report.html` and the page print cents).
pub fn money(value: f64) -> String {
    format!("{value:.4}")
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

fn render(header: Vec<String>, rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("CSV to memory");
    for row in rows {
        writer.write_record(&row).expect("CSV to memory");
    }
    String::from_utf8(writer.into_inner().expect("CSV to memory")).expect("CSV of UTF-8 fields")
}
