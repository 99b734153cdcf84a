//! `results.html`: a self-contained page (no script, no fetched style,
//! font or image) of a graded run: the headline figures, SVG heatmaps of
//! pass rate on the grid and per axis bin, the confusion matrix, the worst
//! cells, and each failing sample's reply beside its expected call and the
//! checks it failed. Colour runs from light (low) to dark (high) in one
//! hue, so it reads in greyscale; cells without a graded reply are
//! hatched and say why, never coloured as a rate.

use std::fmt::Write;

use crate::contract::run::{ReplyMessage, RunRecord};
use crate::contract::score::{CellFigures, Comparison, GradeLine, Rate, Summary};
use crate::report::html::escape;

/// Failing samples listed on the page; `grades.jsonl` has them all.
pub const FAILING_SHOWN: usize = 200;
/// Cells in the "worst cells" table.
const WORST_SHOWN: usize = 10;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:72rem;padding:0 1rem;color:#111;line-height:1.4}\
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #999;padding:.2rem .5rem;vertical-align:top}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto;max-width:100%}\
caption{text-align:left;font-weight:600}svg{max-width:100%;height:auto}svg text{font-family:system-ui,sans-serif;font-size:11px}\
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.4rem;margin:.2rem 0}\
details{border-top:1px solid #ccc;padding:.3rem 0}summary{cursor:pointer;overflow-wrap:anywhere}\
.fail{color:#a00}.pass{color:#060}nav a{margin-right:.8rem}";

const LABEL: usize = 190;
const CELL_W: usize = 110;
const CELL_H: usize = 26;
const HEAD: usize = 30;

/// A failing key as the page shows it.
pub struct Failing {
    pub grade: GradeLine,
    pub reply: Option<ReplyMessage>,
    /// The expected call, as reviewers read it.
    pub expected: String,
}

/// The whole page.
pub fn results_page(
    summary: &Summary,
    record: &RunRecord,
    failing: &[Failing],
    samples: usize,
) -> String {
    let mut html = String::new();
    let title = format!("Results: {} on {} samples", summary.model, samples);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n\
         <nav><a href=\"#figures\">Figures</a><a href=\"#grid\">Grid</a><a href=\"#axes\">Axes</a>\
         <a href=\"#confusion\">Confusion</a><a href=\"#worst\">Worst cells</a><a href=\"#trials\">Trials</a>\
         <a href=\"#failing\">Failing samples</a></nav>\n",
        t = escape(&title)
    );
    headline(&mut html, summary, record);
    grid_section(&mut html, summary);
    axes_section(&mut html, summary);
    confusion_section(&mut html, summary);
    worst_section(&mut html, summary);
    breakdowns(&mut html, summary);
    trials_section(&mut html, summary);
    failing_section(&mut html, failing);
    html.push_str("</body>\n</html>\n");
    html
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn with_interval(rate: &Rate) -> String {
    match (rate.rate, rate.low, rate.high) {
        (Some(r), Some(low), Some(high)) => format!(
            "{} ({} of {}; 95% CI {}–{})",
            percent(Some(r)),
            crate::figures::thousands(rate.passed),
            crate::figures::thousands(rate.total),
            percent(Some(low)),
            percent(Some(high))
        ),
        _ => "no graded reply".to_owned(),
    }
}

fn headline(html: &mut String, summary: &Summary, record: &RunRecord) {
    let pass_hat: Vec<String> = summary
        .trials_figures
        .pass_hat_k
        .iter()
        .map(|p| format!("k={}: {}", p.k, percent(p.value)))
        .collect();
    let cost = summary
        .cost
        .cost_usd
        .map_or_else(|| "not priced".to_owned(), |c| format!("${c:.4}"));
    let latency = match (summary.cost.latency_ms_p50, summary.cost.latency_ms_p95) {
        (Some(p50), Some(p95)) => format!("p50 {p50} ms, p95 {p95} ms"),
        _ => "–".to_owned(),
    };
    let rows = [
        ("Model", format!("{} at {}", record.model, record.endpoint)),
        (
            "Sample set",
            format!(
                "{}… ({} trials)",
                &summary.sample_set[..12.min(summary.sample_set.len())],
                summary.trials
            ),
        ),
        (
            "Keys graded",
            format!(
                "{} of {} ({} gaps: errors or not run)",
                crate::figures::thousands(summary.graded),
                crate::figures::thousands(summary.keys),
                crate::figures::thousands(summary.gaps)
            ),
        ),
        ("Pass rate", with_interval(&summary.pass_rate)),
        (
            "Decision accuracy",
            with_interval(&summary.decision_accuracy),
        ),
        ("Balanced accuracy", percent(summary.balanced_accuracy)),
        ("pass^k", pass_hat.join(", ")),
        (
            "Tokens",
            format!(
                "{} prompt, {} completion",
                crate::figures::thousands(summary.cost.prompt_tokens),
                crate::figures::thousands(summary.cost.completion_tokens)
            ),
        ),
        ("Cost", cost),
        ("Latency", latency),
    ];
    html.push_str("<h2 id=\"figures\">Figures</h2>\n<div class=\"scroll\"><table>\n");
    for (name, value) in rows {
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\">{name}</th><td>{}</td></tr>",
            escape(&value)
        );
    }
    html.push_str("</table></div>\n");
}

/// Fill and ink of a rate: light (0%) to dark (100%) in one hue.
fn shade(rate: f64) -> (String, &'static str) {
    let lightness = 95.0 - 65.0 * rate.clamp(0.0, 1.0);
    let ink = if lightness < 55.0 { "#fff" } else { "#000" };
    (format!("hsl(150, 45%, {lightness:.0}%)"), ink)
}

/// One cell as drawn.
struct Shaded {
    fill: String,
    ink: &'static str,
    label: String,
    tooltip: String,
}

/// A rate's cell.
fn rate_cell(rate: f64, tooltip: String) -> Shaded {
    let (fill, ink) = shade(rate);
    Shaded {
        fill,
        ink,
        label: percent(Some(rate)),
        tooltip,
    }
}

/// A heatmap of rates: `rows` × `columns`, each cell a rate, or a reason
/// it has none (drawn hatched).
fn heatmap(
    html: &mut String,
    id: &str,
    caption: &str,
    rows: &[String],
    columns: &[String],
    cell: &dyn Fn(usize, usize) -> Result<Shaded, String>,
) {
    let width = LABEL + CELL_W * columns.len();
    let height = HEAD + CELL_H * rows.len() + 8;
    let _ = writeln!(
        html,
        "<figure>\n<figcaption>{c}</figcaption>\n<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{c}\">\n\
         <defs><pattern id=\"{id}-gap\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#bbb\" stroke-width=\"2\"/></pattern></defs>",
        c = escape(caption)
    );
    for (j, column) in columns.iter().enumerate() {
        let _ = writeln!(
            html,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            LABEL + CELL_W * j + CELL_W / 2,
            HEAD - 10,
            escape(column)
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = HEAD + CELL_H * i;
        let _ = writeln!(
            html,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL - 6,
            y + CELL_H / 2 + 4,
            escape(row)
        );
        for j in 0..columns.len() {
            let x = LABEL + CELL_W * j;
            let Shaded {
                fill,
                ink,
                label,
                tooltip,
            } = cell(i, j).unwrap_or_else(|why| Shaded {
                fill: format!("url(#{id}-gap)"),
                ink: "#555",
                label: "gap".to_owned(),
                tooltip: why,
            });
            let _ = writeln!(
                html,
                "<g><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{CELL_H}\" fill=\"{fill}\" stroke=\"#666\" stroke-width=\"0.5\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{label}</text></g>",
                escape(&tooltip),
                x + CELL_W / 2,
                y + CELL_H / 2 + 4
            );
        }
    }
    html.push_str("</svg>\n</figure>\n");
}

fn grid_section(html: &mut String, summary: &Summary) {
    let mut domains: Vec<String> = Vec::new();
    let mut behaviors: Vec<String> = Vec::new();
    for cell in &summary.grid {
        if !domains.contains(&cell.domain) {
            domains.push(cell.domain.clone());
        }
        if !behaviors.contains(&cell.behavior) {
            behaviors.push(cell.behavior.clone());
        }
    }
    let find = |i: usize, j: usize| -> &CellFigures { &summary.grid[i * behaviors.len() + j] };
    html.push_str("<h2 id=\"grid\">Pass rate on the coverage grid</h2>\n<p>Each cell is one domain × behavior of the taxonomy. \
        Hatched cells have no graded reply: either the sample set holds none of their scenarios, or every reply errored. They are gaps, never passes.</p>\n");
    heatmap(
        html,
        "grid-map",
        "Pass rate by domain × behavior",
        &domains,
        &behaviors,
        &|i, j| {
            let cell = find(i, j);
            match (cell.status.as_str(), cell.pass_rate.rate) {
                ("covered", Some(rate)) => Ok(rate_cell(
                    rate,
                    format!(
                        "{} × {}: {}",
                        cell.domain,
                        cell.behavior,
                        with_interval(&cell.pass_rate)
                    ),
                )),
                ("gap", _) => Err(format!(
                    "{} × {}: {} keys, none graded (errors)",
                    cell.domain, cell.behavior, cell.keys
                )),
                _ => Err(format!(
                    "{} × {}: not in the sample set ({} kept scenarios)",
                    cell.domain, cell.behavior, cell.kept_scenarios
                )),
            }
        },
    );
}

fn axes_section(html: &mut String, summary: &Summary) {
    html.push_str("<h2 id=\"axes\">Pass rate per axis bin</h2>\n");
    for (axis, bins) in &summary.axes {
        let columns: Vec<String> = bins.keys().cloned().collect();
        let rates: Vec<&Rate> = bins.values().collect();
        heatmap(
            html,
            &format!("axis-{axis}"),
            axis,
            std::slice::from_ref(axis),
            &columns,
            &|_, j| {
                rates[j]
                    .rate
                    .map(|r| {
                        rate_cell(
                            r,
                            format!("{axis} {}: {}", columns[j], with_interval(rates[j])),
                        )
                    })
                    .ok_or_else(|| "no graded reply".to_owned())
            },
        );
    }
}

fn confusion_section(html: &mut String, summary: &Summary) {
    let mut called: Vec<&String> = summary
        .confusion
        .values()
        .flat_map(|row| row.keys())
        .collect();
    called.sort();
    called.dedup();
    html.push_str("<h2 id=\"confusion\">Confusion matrix</h2>\n<p>Rows: the decision expected; columns: the function the reply called last (<code>none</code>: no call).</p>\n<div class=\"scroll\"><table>\n<tr><th>expected \\ called</th>");
    for name in &called {
        let _ = write!(html, "<th>{}</th>", escape(name));
    }
    html.push_str("</tr>\n");
    for (expected, row) in &summary.confusion {
        let _ = write!(html, "<tr><th scope=\"row\">{}</th>", escape(expected));
        for name in &called {
            let count = row.get(*name).copied().unwrap_or(0);
            let mark = if *name == expected {
                " class=\"n pass\""
            } else {
                " class=\"n\""
            };
            let _ = write!(html, "<td{mark}>{}</td>", crate::figures::thousands(count));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table></div>\n");
}

fn worst_section(html: &mut String, summary: &Summary) {
    let mut covered: Vec<&CellFigures> = summary
        .grid
        .iter()
        .filter(|c| c.status == "covered")
        .collect();
    covered.sort_by(|a, b| {
        a.pass_rate
            .rate
            .partial_cmp(&b.pass_rate.rate)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.pass_rate.total.cmp(&a.pass_rate.total))
    });
    html.push_str("<h2 id=\"worst\">Worst cells</h2>\n<div class=\"scroll\"><table>\n<tr><th>domain</th><th>behavior</th><th>pass rate</th></tr>\n");
    for cell in covered.iter().take(WORST_SHOWN) {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&cell.domain),
            escape(&cell.behavior),
            escape(&with_interval(&cell.pass_rate))
        );
    }
    html.push_str("</table></div>\n");
}

fn rate_table(html: &mut String, caption: &str, rows: &mut dyn Iterator<Item = (String, Rate)>) {
    let _ = writeln!(
        html,
        "<div class=\"scroll\"><table>\n<caption>{}</caption>",
        escape(caption)
    );
    for (name, rate) in rows {
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape(&name),
            escape(&with_interval(&rate))
        );
    }
    html.push_str("</table></div>\n");
}

fn breakdowns(html: &mut String, summary: &Summary) {
    html.push_str("<h2 id=\"breakdowns\">Decisions, traps and checks</h2>\n");
    rate_table(
        html,
        "Recall per expected decision (the reply called it)",
        &mut summary
            .decisions
            .iter()
            .map(|d| (d.decision.clone(), d.recall)),
    );
    rate_table(
        html,
        "Pass rate per expected decision",
        &mut summary
            .decisions
            .iter()
            .map(|d| (d.decision.clone(), d.pass_rate)),
    );
    rate_table(
        html,
        "Pass rate per trap kind",
        &mut summary.traps.iter().map(|(k, r)| (k.clone(), *r)),
    );
    rate_table(
        html,
        "Pass rate per check",
        &mut summary.checks.iter().map(|(k, r)| (k.clone(), *r)),
    );
}

fn trials_section(html: &mut String, summary: &Summary) {
    let trials = &summary.trials_figures;
    let _ = writeln!(
        html,
        "<h2 id=\"trials\">Trials</h2>\n<p>pass@1 {}; pass^k over the {} samples graded in every trial (the chance that k trials all pass):</p>\n<div class=\"scroll\"><table>\n<tr><th>k</th><th>pass^k</th></tr>",
        percent(trials.pass_at_1),
        crate::figures::thousands(trials.samples_all_trials)
    );
    for p in &trials.pass_hat_k {
        let _ = writeln!(
            html,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            p.k,
            percent(p.value)
        );
    }
    html.push_str("</table></div>\n");
    let _ = writeln!(
        html,
        "<p>{} flaky samples (passed some trials, failed others).</p>",
        trials.flaky.len()
    );
    if !trials.flaky.is_empty() {
        html.push_str("<details><summary>Flaky samples</summary><ul>\n");
        for id in &trials.flaky {
            let _ = writeln!(html, "<li><code>{}</code></li>", escape(id));
        }
        html.push_str("</ul></details>\n");
    }
}

fn failing_section(html: &mut String, failing: &[Failing]) {
    let _ = writeln!(
        html,
        "<h2 id=\"failing\">Failing samples</h2>\n<p>The first {} failing replies, each beside what a correct reply does; every grade is in <code>grades.jsonl</code>.</p>",
        failing.len()
    );
    for Failing {
        grade,
        reply,
        expected,
    } in failing
    {
        let failed: Vec<String> = grade
            .checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| format!("{}: {}", c.check, c.reason))
            .collect();
        let _ = writeln!(
            html,
            "<details><summary><code>{}</code> trial {}: expected <b>{}</b>, called <b>{}</b></summary>",
            escape(&grade.sample_id),
            grade.trial,
            escape(&grade.expected),
            escape(if grade.called.is_empty() {
                "nothing"
            } else {
                &grade.called
            })
        );
        let _ = writeln!(
            html,
            "<p>Expected call:</p><pre>{}</pre><p class=\"fail\">Failed checks:</p><pre>{}</pre>",
            escape(expected),
            escape(&failed.join("\n"))
        );
        if let Some(reply) = reply {
            let calls: Vec<String> = reply
                .tool_calls
                .iter()
                .map(|c| format!("{}({})", c.function.name, c.function.arguments))
                .collect();
            let _ = writeln!(
                html,
                "<p>Reply:</p><pre>{}</pre><p>Calls:</p><pre>{}</pre>",
                escape(if reply.content.is_empty() {
                    "(no words)"
                } else {
                    &reply.content
                }),
                escape(&calls.join("\n"))
            );
        }
        let passed: Vec<String> = grade
            .checks
            .iter()
            .filter(|c| c.pass)
            .map(|c| format!("{}: {}", c.check, c.reason))
            .collect();
        let _ = writeln!(
            html,
            "<p class=\"pass\">Passed checks:</p><pre>{}</pre></details>",
            escape(&passed.join("\n"))
        );
    }
}

/// Fill and ink of a change of rate: red for worse, blue for better,
/// deeper the larger; white for none.
fn delta_shade(delta: f64) -> (String, &'static str) {
    let size = delta.abs().clamp(0.0, 1.0);
    let lightness = 97.0 - 60.0 * size;
    let hue = if delta < 0.0 { 0 } else { 215 };
    let ink = if lightness < 55.0 { "#fff" } else { "#000" };
    (format!("hsl({hue}, 60%, {lightness:.0}%)"), ink)
}

/// `compare.html`.
pub fn compare_page(comparison: &Comparison) -> String {
    let mut html = String::new();
    let title = format!("Comparison: {} → {}", comparison.a, comparison.b);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n",
        t = escape(&title)
    );
    let verdict = if comparison.regressed {
        "A significant regression"
    } else {
        "No significant regression"
    };
    let _ = writeln!(
        html,
        "<p><b>{verdict}</b>: {} samples graded in both; {} regressed (passed every trial of A, failed every trial of B), \
         {} improved, {} changed within their own trial-to-trial variation (noise). McNemar's exact p = {:.4}.</p>\n\
         <p>Pass rate (every trial passed): A {}, B {}.</p>",
        comparison.samples,
        comparison.regressions.len(),
        comparison.improvements.len(),
        comparison.noise.len(),
        comparison.p_value,
        escape(&with_interval(&comparison.pass_rate_a)),
        escape(&with_interval(&comparison.pass_rate_b)),
    );
    let mut domains: Vec<String> = Vec::new();
    let mut behaviors: Vec<String> = Vec::new();
    for cell in &comparison.cells {
        if !domains.contains(&cell.domain) {
            domains.push(cell.domain.clone());
        }
        if !behaviors.contains(&cell.behavior) {
            behaviors.push(cell.behavior.clone());
        }
    }
    behaviors.sort();
    heatmap(
        &mut html,
        "delta-map",
        "Change of pass rate, B − A, per domain × behavior",
        &domains,
        &behaviors,
        &|i, j| {
            let cell = comparison
                .cells
                .iter()
                .find(|c| c.domain == domains[i] && c.behavior == behaviors[j])
                .ok_or_else(|| "no sample graded in both runs".to_owned())?;
            let delta = cell
                .delta
                .ok_or_else(|| "no sample graded in both runs".to_owned())?;
            let (fill, ink) = delta_shade(delta);
            Ok(Shaded {
                fill,
                ink,
                label: format!("{:+.1}", delta * 100.0),
                tooltip: format!(
                    "{} × {}: {} samples, {} → {}; {} regressed, {} improved",
                    cell.domain,
                    cell.behavior,
                    cell.samples,
                    percent(cell.rate_a),
                    percent(cell.rate_b),
                    cell.regressions,
                    cell.improvements
                ),
            })
        },
    );
    for (caption, ids) in [
        ("Regressions", &comparison.regressions),
        ("Improvements", &comparison.improvements),
        ("Noise (changed within trial variation)", &comparison.noise),
    ] {
        let _ = writeln!(html, "<h2>{caption} ({})</h2>", ids.len());
        if !ids.is_empty() {
            html.push_str("<ul>\n");
            for id in ids {
                let _ = writeln!(html, "<li><code>{}</code></li>", escape(id));
            }
            html.push_str("</ul>\n");
        }
    }
    html.push_str("</body>\n</html>\n");
    html
}
