//! `report.html`: one self-contained page (no script, no fetched style or
//! font) rendering a [`ReportDoc`]. Heatmaps are SVG written here: each
//! cell carries its figure as text and a `<title>` tooltip, and the
//! colour ramp runs from light to dark so it reads in greyscale too.

use std::fmt::Write;

use super::csv::{combination, money, ratio};
use crate::contract::report_doc::ReportDoc;
use crate::taxonomy::{Behavior, Domain};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#111}\
table{border-collapse:collapse;margin:1rem 0}\
caption{text-align:left;font-weight:600;padding:.25rem 0}\
th,td{border:1px solid #999;padding:.2rem .5rem}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1rem 0}figcaption{font-weight:600}\
svg text{font-family:system-ui,sans-serif;font-size:11px}";

const LABEL_WIDTH: usize = 260;
const CELL_WIDTH: usize = 120;
const CELL_HEIGHT: usize = 24;
const HEADER_HEIGHT: usize = 28;
const LEGEND_HEIGHT: usize = 56;
const LEGEND_STEPS: usize = 5;

/// The whole page.
pub fn page(doc: &ReportDoc) -> String {
    let mut html = String::new();
    let title = format!(
        "Coverage report: {} taxonomy {}, seed {}",
        doc.vertical, doc.taxonomy_version, doc.seed
    );
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        html,
        "<p>Taxonomy hash <code>{}</code>. {} domains × {} behaviors selected: {} raw scenarios, \
         {} kept, {} excluded.</p>\n</header>\n<main>",
        escape(&doc.taxonomy_hash),
        doc.selection.domains.len(),
        doc.selection.behaviors.len(),
        doc.totals.raw,
        doc.totals.kept,
        doc.totals.excluded
    );
    kept_section(&mut html, doc);
    excluded_section(&mut html, doc);
    rules_section(&mut html, doc);
    axes_section(&mut html, doc);
    tway_section(&mut html, doc);
    cost_section(&mut html, doc);
    subset_section(&mut html, doc);
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn kept_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"kept\">\n<h2>Kept scenarios per domain and behavior</h2>\n\
         <p>Each cell counts the scenarios of one (domain, behavior) pair that every rule kept; \
         its tooltip gives the raw and excluded counts too.</p>\n",
    );
    heatmap(
        html,
        doc,
        "heatmap-kept",
        "Kept scenarios per domain × behavior",
        |d, b| {
            let pair = pair(doc, d, b);
            (
                pair.kept,
                format!(
                    "{} × {}: {} kept of {} raw, {} excluded",
                    d.id(),
                    b.id(),
                    pair.kept,
                    pair.raw,
                    pair.raw - pair.kept
                ),
            )
        },
    );
    html.push_str("</section>\n");
}

fn excluded_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"excluded\">\n<h2>Excluded scenarios per rule</h2>\n\
         <p>One heatmap per rule, in the order rules run: each cell counts the scenarios of a \
         pair that this rule removed. A rule that removed nothing here shows only zeros.</p>\n",
    );
    for rule in &doc.rules {
        let id = format!("heatmap-rule-{}", rule.id);
        let caption = format!(
            "Removed by {} ({}, {} in total{})",
            rule.id,
            rule.kind,
            rule.removed,
            if rule.binding { "" } else { ", not binding" }
        );
        heatmap(html, doc, &id, &caption, |d, b| {
            let pair = pair(doc, d, b);
            let removed = pair.excluded.get(&rule.id).copied().unwrap_or(0);
            (
                removed,
                format!(
                    "{} × {}: {} removed by {}",
                    d.id(),
                    b.id(),
                    removed,
                    rule.id
                ),
            )
        });
    }
    html.push_str("</section>\n");
}

fn rules_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"rules\">\n<h2>Rules</h2>\n<table>\n\
         <caption>Rules in the order they run, with what each removed in this selection</caption>\n\
         <thead><tr><th scope=\"col\">#</th><th scope=\"col\">rule</th><th scope=\"col\">kind</th>\
         <th scope=\"col\">removed</th><th scope=\"col\">binding</th><th scope=\"col\">rationale</th></tr></thead>\n<tbody>\n",
    );
    for (i, rule) in doc.rules.iter().enumerate() {
        let _ = writeln!(
            html,
            "<tr><td class=\"n\">{}</td><th scope=\"row\"><code>{}</code></th><td>{}</td>\
             <td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&rule.id),
            escape(&rule.kind),
            rule.removed,
            if rule.binding { "yes" } else { "no" },
            escape(rule.rationale.trim())
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

fn axes_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"axes\">\n<h2>Bins per axis for each pair</h2>\n<table>\n\
         <caption>Kept / raw scenarios of each pair per axis bin</caption>\n<thead>\n<tr>\
         <th scope=\"col\" rowspan=\"2\">domain</th><th scope=\"col\" rowspan=\"2\">behavior</th>",
    );
    for axis in &doc.axes {
        let _ = write!(
            html,
            "<th scope=\"colgroup\" colspan=\"{}\">{}</th>",
            axis.bins.len(),
            escape(&axis.id)
        );
    }
    html.push_str("</tr>\n<tr>");
    for bin in doc.axes.iter().flat_map(|a| &a.bins) {
        let _ = write!(html, "<th scope=\"col\">{}</th>", escape(bin));
    }
    html.push_str("</tr>\n</thead>\n<tbody>\n");
    for pair in &doc.pairs {
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{}</th><th scope=\"row\">{}</th>",
            pair.summary.domain.id(),
            pair.summary.behavior.id()
        );
        for bin in pair.axes.iter().flat_map(|a| &a.bins) {
            let _ = write!(html, "<td class=\"n\">{} / {}</td>", bin.kept, bin.raw);
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

fn tway_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"tway\">\n<h2>t-way coverage</h2>\n\
         <p>NIST combinatorial coverage (NISTIR 7878): for every choice of t axes, the share of \
         the combinations of their bins that some kept scenario holds. <em>Forbidden</em> \
         combinations are those every scenario of which an exclude rule matches; \
         <em>coverage of allowed</em> leaves them out. A <em>gap</em> is a combination that is \
         not forbidden yet no kept scenario holds.</p>\n<table>\n\
         <caption>t-way coverage over every selected pair</caption>\n",
    );
    tway_head(html, false);
    for t in &doc.tway {
        html.push_str("<tr>");
        tway_cells(html, t);
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n<table>\n<caption>t-way coverage per pair</caption>\n");
    tway_head(html, true);
    for pair in &doc.pairs {
        for t in &pair.tway {
            let _ = write!(
                html,
                "<tr><th scope=\"row\">{}</th><th scope=\"row\">{}</th>",
                pair.summary.domain.id(),
                pair.summary.behavior.id()
            );
            tway_cells(html, t);
            html.push_str("</tr>\n");
        }
    }
    let _ = writeln!(
        html,
        "</tbody>\n</table>\n<table>\n<caption>Gaps: {} combinations not forbidden but lost, \
         with the rules that removed every scenario holding them</caption>\n\
         <thead><tr><th scope=\"col\">domain</th><th scope=\"col\">behavior</th><th scope=\"col\">t</th>\
         <th scope=\"col\">combination</th><th scope=\"col\">scenarios</th><th scope=\"col\">rules</th></tr></thead>\n<tbody>",
        doc.gaps.len()
    );
    for gap in &doc.gaps {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td><code>{}</code></td>\
             <td class=\"n\">{}</td><td>{}</td></tr>",
            gap.domain.id(),
            gap.behavior.id(),
            gap.t,
            escape(&combination(gap)),
            gap.cells,
            escape(&gap.rules.join(", "))
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

fn tway_head(html: &mut String, per_pair: bool) {
    html.push_str("<thead><tr>");
    if per_pair {
        html.push_str("<th scope=\"col\">domain</th><th scope=\"col\">behavior</th>");
    }
    html.push_str(
        "<th scope=\"col\">t</th><th scope=\"col\">combinations</th><th scope=\"col\">forbidden</th>\
         <th scope=\"col\">covered</th><th scope=\"col\">gaps</th><th scope=\"col\">coverage</th>\
         <th scope=\"col\">coverage of allowed</th></tr></thead>\n<tbody>\n",
    );
}

fn tway_cells(html: &mut String, t: &crate::contract::report_doc::TwayFigures) {
    let _ = write!(
        html,
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        t.t,
        t.combinations,
        t.forbidden,
        t.covered,
        t.gaps,
        ratio(t.coverage),
        ratio(t.coverage_allowed)
    );
}

/// The covering subset, when one was asked for: its size, its coverage of
/// what the kept set covers, its cost, and what the rules took away.
fn subset_section(html: &mut String, doc: &ReportDoc) {
    let Some(subset) = &doc.subset else {
        return;
    };
    let t = subset.strength;
    let c = subset.combinations;
    let _ = writeln!(
        html,
        "<section id=\"subset\">\n<h2>Covering subset (strength {t})</h2>\n\
         <p>{} of the {} kept scenarios, chosen so that every combination of {t} factor values \
         (domain, behavior and every axis) that a kept scenario holds is held by one of them{}. \
         No covering subset is smaller than {}.</p>",
        subset.size,
        doc.totals.kept,
        subset
            .budget
            .map(|b| format!(", as far as a budget of {b} scenarios allows"))
            .unwrap_or_default(),
        subset.lower_bound
    );
    let _ = writeln!(
        html,
        "<table>\n<caption>{t}-way combinations of the selection</caption>\n\
         <tr><th>in the grid</th><th>excluded by rule</th><th>coverable</th><th>covered</th>\
         <th>uncovered</th><th>coverage of coverable</th></tr>\n\
         <tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n</table>",
        c.in_grid,
        c.excluded_by_rule,
        c.coverable,
        c.covered,
        c.uncovered,
        ratio(subset.coverage)
    );
    if let Some(cost) = &subset.cost {
        let _ = writeln!(
            html,
            "<p>One run of the subset on {} (rates of {}): {} input and {} output tokens, \
             USD {}.</p>",
            escape(&cost.model),
            escape(&cost.rates_date),
            cost.input_tokens,
            cost.output_tokens,
            money(cost.cost_usd)
        );
    }
    if let Some(k) = subset.keep_from {
        let _ = writeln!(
            html,
            "<p>Kept from the earlier subset: {} of its {} scenarios ({} dropped); {} added.</p>",
            k.retained, k.previous, k.dropped, k.added
        );
    }
    html.push_str(
        "<table>\n<caption>Combinations excluded by rule (never asked for)</caption>\n\
         <tr><th>combination</th><th>rules</th></tr>\n",
    );
    for combination in &subset.excluded_combinations {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(&combination.text()),
            escape(&combination.rules.join(", "))
        );
    }
    html.push_str("</table>\n<details>\n<summary>The subset's scenarios</summary>\n<ul>\n");
    for id in &subset.scenarios {
        let _ = writeln!(html, "<li><code>{}</code></li>", escape(id));
    }
    html.push_str("</ul>\n</details>\n</section>\n");
}

fn cost_section(html: &mut String, doc: &ReportDoc) {
    html.push_str("<section id=\"cost\">\n<h2>Token and cost estimate</h2>\n");
    let Some(estimate) = &doc.cost else {
        html.push_str("<p>No estimate was asked for.</p>\n</section>\n");
        return;
    };
    let output = match estimate.output_tokens {
        Some(n) => format!("{n} output tokens per graded turn"),
        None => format!(
            "the reference reply's tokens as output, {} for the final reply (which has no reference)",
            estimate.final_reply_tokens
        ),
    };
    let _ = writeln!(
        html,
        "<p>Each graded turn sends the system prompt, the tools and the conversation up to that \
         turn as input, with {}; {} trial(s). Rates (USD per million tokens) from {}, dated {}. \
         Counts marked approximate use an OpenAI tokenizer for another vendor's model.</p>",
        escape(&output),
        estimate.trials,
        escape(&estimate.rates_source),
        escape(&estimate.rates_date)
    );
    html.push_str(
        "<table>\n<caption>Tokens and cost per model and layout, every trial included</caption>\n\
         <thead><tr><th scope=\"col\">model</th><th scope=\"col\">tokenizer</th><th scope=\"col\">layout</th>\
         <th scope=\"col\">files</th><th scope=\"col\">conversations</th><th scope=\"col\">graded turns</th>\
         <th scope=\"col\">input tokens</th><th scope=\"col\">output tokens</th>\
         <th scope=\"col\">input USD</th><th scope=\"col\">output USD</th><th scope=\"col\">total USD</th></tr></thead>\n<tbody>\n",
    );
    for model in &estimate.models {
        let tokenizer = model.tokenizer_label();
        for (layout, f) in model.rows() {
            let _ = writeln!(
                html,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&model.model),
                escape(&tokenizer),
                layout,
                f.files,
                f.conversations,
                f.graded_turns,
                f.input_tokens,
                f.output_tokens,
                money(f.input_cost),
                money(f.output_cost),
                money(f.cost)
            );
        }
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

fn pair(
    doc: &ReportDoc,
    domain: Domain,
    behavior: Behavior,
) -> &crate::contract::manifest::PairSummary {
    &doc.pairs
        .iter()
        .find(|p| p.summary.domain == domain && p.summary.behavior == behavior)
        .expect("selected pair")
        .summary
}

/// One domain × behavior heatmap as an SVG figure. `value` gives each
/// cell's count and tooltip.
fn heatmap(
    html: &mut String,
    doc: &ReportDoc,
    id: &str,
    caption: &str,
    value: impl Fn(Domain, Behavior) -> (usize, String),
) {
    let domains = &doc.selection.domains;
    let behaviors = &doc.selection.behaviors;
    let cells: Vec<Vec<(usize, String)>> = domains
        .iter()
        .map(|&d| behaviors.iter().map(|&b| value(d, b)).collect())
        .collect();
    let max = cells.iter().flatten().map(|c| c.0).max().unwrap_or(0);
    let width = LABEL_WIDTH + CELL_WIDTH * behaviors.len();
    let grid_bottom = HEADER_HEIGHT + CELL_HEIGHT * domains.len();
    let height = grid_bottom + LEGEND_HEIGHT;
    let _ = writeln!(
        html,
        // The caption heads its figure: a reader scanning down meets the
        // name before the grid it names.
        "<figure>\n<figcaption>{}</figcaption>\n<svg class=\"heatmap\" id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-labelledby=\"{id}-title\">\n<title id=\"{id}-title\">{}</title>",
        escape(caption),
        escape(caption)
    );
    for (j, b) in behaviors.iter().enumerate() {
        let _ = writeln!(
            html,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            LABEL_WIDTH + CELL_WIDTH * j + CELL_WIDTH / 2,
            HEADER_HEIGHT - 10,
            b.id()
        );
    }
    for (i, (d, row)) in domains.iter().zip(&cells).enumerate() {
        let y = HEADER_HEIGHT + CELL_HEIGHT * i;
        let _ = writeln!(
            html,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL_WIDTH - 8,
            y + CELL_HEIGHT / 2 + 4,
            d.id()
        );
        for (j, (count, tooltip)) in row.iter().enumerate() {
            let x = LABEL_WIDTH + CELL_WIDTH * j;
            let (fill, ink) = shade(*count, max);
            let _ = writeln!(
                html,
                "<g class=\"cell\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{CELL_WIDTH}\" \
                 height=\"{CELL_HEIGHT}\" fill=\"{fill}\" stroke=\"#666\" stroke-width=\"0.5\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{count}</text></g>",
                escape(tooltip),
                x + CELL_WIDTH / 2,
                y + CELL_HEIGHT / 2 + 4
            );
        }
    }
    // Legend: the ramp in equal steps from 0 to the largest count.
    let legend_y = grid_bottom + 16;
    let _ = writeln!(
        html,
        "<g class=\"legend\"><text x=\"{}\" y=\"{}\" text-anchor=\"end\">scale (count)</text>",
        LABEL_WIDTH - 8,
        legend_y + 14
    );
    for step in 0..LEGEND_STEPS {
        let count = max * step / (LEGEND_STEPS - 1);
        let (fill, ink) = shade(count, max);
        let x = LABEL_WIDTH + 60 * step;
        let _ = writeln!(
            html,
            "<rect x=\"{x}\" y=\"{legend_y}\" width=\"60\" height=\"20\" fill=\"{fill}\" stroke=\"#666\" \
             stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{count}</text>",
            x + 30,
            legend_y + 14
        );
    }
    let _ = writeln!(html, "</g>\n</svg>\n</figure>");
}

/// Fill and text colour of a cell: lightness falls from 97% (zero) to 25%
/// (the largest count), so the order survives greyscale printing; text
/// turns white on dark cells.
fn shade(count: usize, max: usize) -> (String, &'static str) {
    let lightness = (72 * count).checked_div(max).map_or(97, |step| 97 - step);
    let ink = if lightness < 55 { "#fff" } else { "#000" };
    (format!("hsl(210, 45%, {lightness}%)"), ink)
}

/// Text escaped for HTML and SVG content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
