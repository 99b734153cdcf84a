//! `report.html`: one self-contained page (no script, no fetched style or
//! font) rendering a [`ReportDoc`]. It opens with a contents list; the
//! long per-pair tables and the per-rule heatmaps are folded
//! (`<details>`), so the page reads top to bottom at a glance and still
//! holds every figure. Heatmaps are SVG written here: each cell carries its
//! figure as text and a `<title>` tooltip, the colour ramp runs from light
//! to dark so it reads in greyscale too, and each scales to the page's
//! width (`viewBox`, `width: 100%`). Wide tables scroll inside their own
//! frame, never the page. Numbers read one way everywhere: thousands
//! separators, ratios as percents with two decimals, dollars with cents.

use std::fmt::Write;

use super::csv::combination;
use crate::contract::report_doc::{CostFigures, ReportDoc, TwayFigures};
use crate::figures::{percent, thousands, usd};
use crate::taxonomy::{Behavior, Domain};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:80rem;\
color:#111;line-height:1.4}\
nav ol{padding-left:1.5rem}\
.scroll{overflow-x:auto;max-width:100%;margin:.75rem 0}\
table{border-collapse:collapse}\
h1{font-size:1.75rem}\
caption{text-align:left;font-weight:600;padding:.25rem 0;position:sticky;left:0;max-width:calc(100vw - 2rem)}\
th,td{border:1px solid #999;padding:.2rem .5rem;text-align:left;vertical-align:top}\
thead th,th[scope=row]{white-space:nowrap}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
td.zero{color:#999}td.nowrap{white-space:nowrap}tr.pass{font-weight:600}\
td.text{min-width:18rem}\
code.hash{display:inline-block;max-width:100%;overflow-x:auto;vertical-align:bottom}\
details{margin:.75rem 0}summary{cursor:pointer;font-weight:600}\
figure{margin:1rem 0}figcaption{font-weight:600}\
svg.heatmap{display:block;width:100%;height:auto}\
svg text{font-family:system-ui,sans-serif;font-size:11px}";

const LABEL_WIDTH: usize = 220;
const CELL_WIDTH: usize = 120;
const CELL_HEIGHT: usize = 24;
const HEADER_HEIGHT: usize = 28;
const LEGEND_HEIGHT: usize = 56;
const LEGEND_STEPS: usize = 5;

/// The sections in page order: anchor and heading, for the contents list.
const SECTIONS: [(&str, &str); 7] = [
    ("kept", "Kept scenarios per domain and behavior"),
    ("excluded", "Excluded scenarios per rule"),
    ("rules", "Rules"),
    ("axes", "Bins per axis for each pair"),
    ("tway", "t-way coverage"),
    ("cost", "Token and cost estimate"),
    ("subset", "Covering subset"),
];

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
        "<p>Taxonomy hash <code class=\"hash\">{}</code>. {} domains × {} behaviors selected: \
         {} raw scenarios, {} kept, {} excluded.</p>\n</header>",
        escape(&doc.taxonomy_hash),
        doc.selection.domains.len(),
        doc.selection.behaviors.len(),
        thousands(doc.totals.raw),
        thousands(doc.totals.kept),
        thousands(doc.totals.excluded)
    );
    contents(&mut html, doc);
    html.push_str("<main>\n");
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

/// The contents list: one link per section the page holds.
fn contents(html: &mut String, doc: &ReportDoc) {
    html.push_str("<nav aria-labelledby=\"contents\">\n<h2 id=\"contents\">Contents</h2>\n<ol>\n");
    for (anchor, heading) in SECTIONS {
        if anchor == "subset" && doc.subset.is_none() {
            continue;
        }
        let _ = writeln!(html, "<li><a href=\"#{anchor}\">{heading}</a></li>");
    }
    html.push_str("</ol>\n</nav>\n");
}

/// A table in a frame that scrolls sideways on its own when the table is
/// wider than the page, so the page itself never does.
fn open_table(html: &mut String, caption: &str) {
    let _ = writeln!(
        html,
        "<div class=\"scroll\">\n<table>\n<caption>{}</caption>",
        escape(caption)
    );
}

fn close_table(html: &mut String) {
    html.push_str("</tbody>\n</table>\n</div>\n");
}

/// A right-aligned number cell; zeros are greyed so the others stand out.
fn count_cell(n: usize) -> String {
    let class = if n == 0 { "n zero" } else { "n" };
    format!("<td class=\"{class}\">{}</td>", thousands(n))
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
                    thousands(pair.kept),
                    thousands(pair.raw),
                    thousands(pair.raw - pair.kept)
                ),
            )
        },
    );
    html.push_str("</section>\n");
}

/// What each rule removed: one compact table of rules by behavior, then
/// each binding rule's heatmap, folded (most of their cells are zeros).
fn excluded_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"excluded\">\n<h2>Excluded scenarios per rule</h2>\n\
         <p>What each rule removed in each behavior, summed over the selected domains, in the \
         order rules run. A rule that removed nothing here is not binding. Each binding rule's \
         count per domain and behavior is a heatmap below, folded.</p>\n",
    );
    let behaviors = &doc.selection.behaviors;
    open_table(html, "Scenarios removed per rule and behavior");
    html.push_str("<thead><tr><th scope=\"col\">#</th><th scope=\"col\">rule</th>");
    for b in behaviors {
        let _ = write!(html, "<th scope=\"col\" class=\"n\">{}</th>", b.id());
    }
    html.push_str("<th scope=\"col\" class=\"n\">total</th></tr></thead>\n<tbody>\n");
    for (i, rule) in doc.rules.iter().enumerate() {
        let _ = write!(
            html,
            "<tr><td class=\"n\">{}</td><th scope=\"row\"><code>{}</code></th>",
            i + 1,
            escape(&rule.id)
        );
        for &b in behaviors {
            let removed = doc
                .pairs
                .iter()
                .filter(|p| p.summary.behavior == b)
                .map(|p| p.summary.excluded.get(&rule.id).copied().unwrap_or(0))
                .sum();
            html.push_str(&count_cell(removed));
        }
        let _ = writeln!(html, "{}</tr>", count_cell(rule.removed));
    }
    close_table(html);
    for rule in doc.rules.iter().filter(|r| r.binding) {
        let _ = writeln!(
            html,
            "<details>\n<summary>Removed by <code>{}</code> per domain and behavior ({})</summary>",
            escape(&rule.id),
            thousands(rule.removed)
        );
        let id = format!("heatmap-rule-{}", rule.id);
        let caption = format!(
            "Removed by {} ({}, {} in total)",
            rule.id,
            rule.kind,
            thousands(rule.removed)
        );
        heatmap(html, doc, &id, &caption, |d, b| {
            let pair = pair(doc, d, b);
            let removed = pair.excluded.get(&rule.id).copied().unwrap_or(0);
            (
                removed,
                format!("{} × {}: {removed} removed by {}", d.id(), b.id(), rule.id),
            )
        });
        html.push_str("</details>\n");
    }
    html.push_str("</section>\n");
}

fn rules_section(html: &mut String, doc: &ReportDoc) {
    html.push_str("<section id=\"rules\">\n<h2>Rules</h2>\n");
    open_table(
        html,
        "Rules in the order they run, with what each removed in this selection",
    );
    html.push_str(
        "<thead><tr><th scope=\"col\">#</th><th scope=\"col\">rule</th><th scope=\"col\">kind</th>\
         <th scope=\"col\" class=\"n\">removed</th><th scope=\"col\">binding</th>\
         <th scope=\"col\">rationale</th></tr></thead>\n<tbody>\n",
    );
    for (i, rule) in doc.rules.iter().enumerate() {
        let _ = writeln!(
            html,
            "<tr><td class=\"n\">{}</td><th scope=\"row\"><code>{}</code></th><td>{}</td>\
             {}<td>{}</td><td class=\"text\">{}</td></tr>",
            i + 1,
            escape(&rule.id),
            escape(&rule.kind),
            count_cell(rule.removed),
            if rule.binding { "yes" } else { "no" },
            escape(rule.rationale.trim())
        );
    }
    close_table(html);
    html.push_str("</section>\n");
}

fn axes_section(html: &mut String, doc: &ReportDoc) {
    let _ = writeln!(
        html,
        "<section id=\"axes\">\n<h2>Bins per axis for each pair</h2>\n\
         <p>How many scenarios of each pair every rule kept in each bin of each axis, out of \
         how many the pair has (kept / raw).</p>\n\
         <details>\n<summary>Kept / raw per bin, {} pairs</summary>",
        thousands(doc.pairs.len())
    );
    open_table(html, "Kept / raw scenarios of each pair per axis bin");
    html.push_str(
        "<thead>\n<tr><th scope=\"col\" rowspan=\"2\">domain</th>\
         <th scope=\"col\" rowspan=\"2\">behavior</th>",
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
        let _ = write!(html, "<th scope=\"col\" class=\"n\">{}</th>", escape(bin));
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
            let _ = write!(
                html,
                "<td class=\"n\">{} / {}</td>",
                thousands(bin.kept),
                thousands(bin.raw)
            );
        }
        html.push_str("</tr>\n");
    }
    close_table(html);
    html.push_str("</details>\n</section>\n");
}

fn tway_section(html: &mut String, doc: &ReportDoc) {
    html.push_str(
        "<section id=\"tway\">\n<h2>t-way coverage</h2>\n\
         <p>NIST combinatorial coverage (NISTIR 7878): for every choice of t axes, the share of \
         the combinations of their bins that some kept scenario holds. <em>Forbidden</em> \
         combinations are those every scenario of which an exclude rule matches; \
         <em>coverage of allowed</em> leaves them out. A <em>gap</em> is a combination that is \
         not forbidden yet no kept scenario holds.</p>\n",
    );
    open_table(html, "t-way coverage over every selected pair");
    tway_head(html, false);
    for t in &doc.tway {
        html.push_str("<tr>");
        tway_cells(html, t);
        html.push_str("</tr>\n");
    }
    close_table(html);
    let _ = writeln!(
        html,
        "<details>\n<summary>t-way coverage per pair, {} pairs</summary>",
        thousands(doc.pairs.len())
    );
    open_table(html, "t-way coverage per pair");
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
    close_table(html);
    let gaps = thousands(doc.gaps.len());
    let _ = writeln!(
        html,
        "</details>\n<details>\n<summary>Gaps: {gaps} combinations not forbidden but lost</summary>"
    );
    open_table(
        html,
        &format!(
            "Gaps: {gaps} combinations not forbidden but lost, with the rules that removed \
             every scenario holding them"
        ),
    );
    html.push_str(
        "<thead><tr><th scope=\"col\">domain</th><th scope=\"col\">behavior</th>\
         <th scope=\"col\" class=\"n\">t</th><th scope=\"col\">combination</th>\
         <th scope=\"col\" class=\"n\">scenarios</th><th scope=\"col\">rules</th></tr></thead>\n<tbody>\n",
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
            thousands(gap.cells),
            escape(&gap.rules.join(", "))
        );
    }
    close_table(html);
    html.push_str("</details>\n</section>\n");
}

fn tway_head(html: &mut String, per_pair: bool) {
    html.push_str("<thead><tr>");
    if per_pair {
        html.push_str("<th scope=\"col\">domain</th><th scope=\"col\">behavior</th>");
    }
    html.push_str(
        "<th scope=\"col\" class=\"n\">t</th><th scope=\"col\" class=\"n\">combinations</th>\
         <th scope=\"col\" class=\"n\">forbidden</th><th scope=\"col\" class=\"n\">covered</th>\
         <th scope=\"col\" class=\"n\">gaps</th><th scope=\"col\" class=\"n\">coverage</th>\
         <th scope=\"col\" class=\"n\">coverage of allowed</th></tr></thead>\n<tbody>\n",
    );
}

fn tway_cells(html: &mut String, t: &TwayFigures) {
    let _ = write!(
        html,
        "<td class=\"n\">{}</td>{}{}{}{}<td class=\"n\">{}</td><td class=\"n\">{}</td>",
        t.t,
        count_cell(t.combinations),
        count_cell(t.forbidden),
        count_cell(t.covered),
        count_cell(t.gaps),
        percent(t.coverage),
        percent(t.coverage_allowed)
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
        thousands(subset.size),
        thousands(doc.totals.kept),
        subset
            .budget
            .map(|b| format!(", as far as a budget of {} scenarios allows", thousands(b)))
            .unwrap_or_default(),
        thousands(subset.lower_bound)
    );
    open_table(html, &format!("{t}-way combinations of the selection"));
    let _ = writeln!(
        html,
        "<thead><tr><th scope=\"col\" class=\"n\">in the grid</th>\
         <th scope=\"col\" class=\"n\">excluded by rule</th><th scope=\"col\" class=\"n\">coverable</th>\
         <th scope=\"col\" class=\"n\">covered</th><th scope=\"col\" class=\"n\">uncovered</th>\
         <th scope=\"col\" class=\"n\">coverage of coverable</th></tr></thead>\n<tbody>\n\
         <tr>{}{}{}{}{}<td class=\"n\">{}</td></tr>",
        count_cell(c.in_grid),
        count_cell(c.excluded_by_rule),
        count_cell(c.coverable),
        count_cell(c.covered),
        count_cell(c.uncovered),
        percent(subset.coverage)
    );
    close_table(html);
    if let Some(cost) = &subset.cost {
        let _ = writeln!(
            html,
            "<p>One run of the subset on {} (rates of {}): {} input and {} output tokens, {}.</p>",
            escape(&cost.model),
            escape(&cost.rates_date),
            thousands(cost.input_tokens),
            thousands(cost.output_tokens),
            usd(cost.cost_usd)
        );
    }
    if let Some(k) = subset.keep_from {
        let _ = writeln!(
            html,
            "<p>Kept from the earlier subset: {} of its {} scenarios ({} dropped); {} added.</p>",
            thousands(k.retained),
            thousands(k.previous),
            thousands(k.dropped),
            thousands(k.added)
        );
    }
    open_table(html, "Combinations excluded by rule (never asked for)");
    html.push_str(
        "<thead><tr><th scope=\"col\">combination</th><th scope=\"col\">rules</th></tr></thead>\n<tbody>\n",
    );
    for combination in &subset.excluded_combinations {
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(&combination.text()),
            escape(&combination.rules.join(", "))
        );
    }
    close_table(html);
    html.push_str("<details>\n<summary>The subset's scenarios</summary>\n<ul>\n");
    for id in &subset.scenarios {
        let _ = writeln!(html, "<li><code>{}</code></li>", breakable(id));
    }
    html.push_str("</ul>\n</details>\n</section>\n");
}

/// One pass first (each unique conversation once, what `coverage cost`
/// prints), then each layout and every layout together.
fn cost_section(html: &mut String, doc: &ReportDoc) {
    html.push_str("<section id=\"cost\">\n<h2>Token and cost estimate</h2>\n");
    let Some(estimate) = &doc.cost else {
        html.push_str("<p>No estimate was asked for.</p>\n</section>\n");
        return;
    };
    let output = match estimate.output_tokens {
        Some(n) => format!("{} output tokens per graded turn", thousands(n)),
        None => format!(
            "the reference reply's tokens as output, {} for the final reply (which has no reference)",
            thousands(estimate.final_reply_tokens)
        ),
    };
    let _ = writeln!(
        html,
        "<p>Each graded turn sends the system prompt, the tools and the conversation up to that \
         turn as input, with {}; {} trial(s). <em>One pass</em> runs each unique conversation \
         once: what <code>coverage cost</code> prints, and what running any one layout costs; \
         every layout holds the same conversations, so running them all repeats each one per \
         layout (<em>total</em>). Rates (USD per million tokens) from {}, dated {}. Counts \
         marked approximate use an OpenAI tokenizer for another vendor's model.</p>",
        escape(&output),
        estimate.trials,
        escape(&estimate.rates_source),
        escape(&estimate.rates_date)
    );
    open_table(
        html,
        "Tokens and cost per model: one pass, each layout and every layout, every trial included",
    );
    html.push_str(
        // The cost first after the row's name, so it is on screen however
        // narrow the window; the tokenizer, the least read, last.
        "<thead><tr><th scope=\"col\">model</th><th scope=\"col\">run</th>\
         <th scope=\"col\" class=\"n\">total USD</th><th scope=\"col\" class=\"n\">conversations</th>\
         <th scope=\"col\" class=\"n\">graded turns</th><th scope=\"col\" class=\"n\">input tokens</th>\
         <th scope=\"col\" class=\"n\">output tokens</th><th scope=\"col\" class=\"n\">input USD</th>\
         <th scope=\"col\" class=\"n\">output USD</th><th scope=\"col\" class=\"n\">files</th>\
         <th scope=\"col\">tokenizer</th></tr></thead>\n<tbody>\n",
    );
    for model in &estimate.models {
        let tokenizer = model.tokenizer_label();
        let rows = [("one pass", &model.one_pass)]
            .into_iter()
            .chain(model.rows());
        for (run, f) in rows {
            let pass = if run == "one pass" {
                " class=\"pass\""
            } else {
                ""
            };
            let _ = writeln!(
                html,
                "<tr{pass}><th scope=\"row\">{}</th><td class=\"nowrap\">{run}</td>{}<td class=\"nowrap\">{}</td></tr>",
                escape(&model.model),
                cost_cells(f),
                escape(&tokenizer)
            );
        }
    }
    close_table(html);
    html.push_str("</section>\n");
}

/// A row's figures; a pass that is no layout has no files.
fn cost_cells(f: &CostFigures) -> String {
    let files = match f.files {
        0 => "—".to_owned(),
        n => thousands(n),
    };
    format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{files}</td>",
        usd(f.cost),
        thousands(f.conversations),
        thousands(f.graded_turns),
        thousands(f.input_tokens),
        thousands(f.output_tokens),
        usd(f.input_cost),
        usd(f.output_cost)
    )
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
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         style=\"max-width:{width}px\" role=\"img\" \
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
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{}</text></g>",
                escape(tooltip),
                x + CELL_WIDTH / 2,
                y + CELL_HEIGHT / 2 + 4,
                thousands(*count)
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
             stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>",
            x + 30,
            legend_y + 14,
            thousands(count)
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

/// An id, escaped, that may wrap after its dots and never inside a word:
/// `a.b` as `a.<wbr>b`.
pub fn breakable(id: &str) -> String {
    escape(id).replace('.', ".<wbr>")
}
