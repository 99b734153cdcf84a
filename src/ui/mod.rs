//! The Coverage Generator page that `coverage serve` answers at `/`.
//!
//! Rendered on the server: each part of the page is an askama component
//! (`templates/ui/`) built from the same figures the API answers — the
//! manifest of a selection, its cost estimate, a scenario's documents — and
//! the page composes them. One small script (`assets/ui/page.js`) keeps the
//! figures live by asking the API as the selection changes; it only replaces
//! numbers in the rendered structure, so what the server renders is what the
//! tests snapshot. Two components are also served alone, as fragments the
//! script swaps in: a grid cell's scenarios and one scenario.

mod browse;

use askama::Template;

pub use browse::{CellList, ScenarioView};

use crate::contract::files::{Format, Layout};
use crate::contract::manifest::{Manifest, RuleSummary};
use crate::contract::report_doc::ModelCost;
use crate::cost::{DEFAULT_MODEL, Rates};
use crate::coverage::{Coverage, Selection};
use crate::job::{conversations, plan};
use crate::taxonomy::{Behavior, Domain};
use crate::{DEFAULT_SEED, TaxonomyEnum};

/// The script and the style sheet, compiled in: the page loads nothing from
/// anywhere but the server that answered it.
pub const SCRIPT: &str = include_str!("../../assets/ui/page.js");
pub const STYLE: &str = include_str!("../../assets/ui/page.css");
pub const ICON: &str = include_str!("../../assets/ui/favicon.svg");

/// What the page allows: its own script, style and API, nothing else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// A taxonomy entry as a control: id, label, description and whether it is on.
#[derive(Clone, Debug)]
pub struct Choice {
    pub id: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub checked: bool,
}

fn choices<T: TaxonomyEnum + PartialEq>(chosen: &[T]) -> Vec<Choice> {
    T::ALL
        .iter()
        .map(|&entry| Choice {
            id: entry.id(),
            label: entry.label(),
            description: entry.description(),
            checked: chosen.contains(&entry),
        })
        .collect()
}

/// A layout checkbox: the API's id and what it writes.
#[derive(Clone, Debug)]
pub struct LayoutChoice {
    pub id: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn layout_label(layout: Layout) -> &'static str {
    match layout {
        Layout::Split => "Per behavior: one file per domain and behavior",
        Layout::Combined => "Per domain: one file per domain, its behaviors together",
        Layout::Global => "Global: one file over everything selected",
    }
}

/// What to generate: domains, behaviors and the run's options.
#[derive(Template)]
#[template(path = "ui/selectors.html", whitespace = "minimize")]
pub struct Selectors {
    pub domains: Vec<Choice>,
    pub behaviors: Vec<Choice>,
    pub seed: u64,
    pub variants: u32,
    pub layouts: Vec<LayoutChoice>,
    pub jsonl: bool,
}

impl Selectors {
    pub fn new(selection: &Selection, seed: u64, layouts: &[Layout], format: Format) -> Self {
        Self {
            domains: choices::<Domain>(selection.domains()),
            behaviors: choices::<Behavior>(selection.behaviors()),
            seed,
            variants: 1,
            layouts: Layout::ALL
                .iter()
                .map(|&layout| LayoutChoice {
                    id: layout.id(),
                    label: layout_label(layout),
                    checked: layouts.contains(&layout),
                })
                .collect(),
            jsonl: format == Format::Jsonl,
        }
    }
}

/// The headline figures of a selection.
#[derive(Template)]
#[template(path = "ui/summary.html", whitespace = "minimize")]
pub struct Summary {
    pub raw: usize,
    pub kept: usize,
    pub excluded: usize,
    /// Each conversation once, however many layouts hold it.
    pub unique: usize,
    pub conversations: usize,
    pub files: usize,
}

impl Summary {
    /// `unique` conversations, written as `files` dataset/golden pairs
    /// holding `conversations` in all (a conversation counts once per
    /// layout).
    pub fn new(manifest: &Manifest, unique: usize, files: usize, conversations: usize) -> Self {
        Self {
            raw: manifest.totals.raw,
            kept: manifest.totals.kept,
            excluded: manifest.totals.excluded,
            unique,
            conversations,
            files,
        }
    }
}

/// One cell of the domain × behavior grid: its kept count when the pair is
/// selected, and a shade from 0 (none) to 5 (the grid's largest).
#[derive(Clone, Debug)]
pub struct GridCell {
    pub domain: &'static str,
    pub behavior: &'static str,
    pub label: String,
    pub kept: Option<usize>,
    pub heat: usize,
}

#[derive(Clone, Debug)]
pub struct GridRow {
    pub domain: Choice,
    pub cells: Vec<GridCell>,
}

/// Kept scenarios per domain and behavior; each cell opens its scenarios.
#[derive(Template)]
#[template(path = "ui/grid.html", whitespace = "minimize")]
pub struct Grid {
    pub behaviors: Vec<Choice>,
    pub rows: Vec<GridRow>,
}

/// The shade of `count` on a grid whose largest cell is `max`: the same
/// five steps the script uses.
pub fn heat(count: usize, max: usize) -> usize {
    match (count, max) {
        (0, _) | (_, 0) => 0,
        _ => (count * 5).div_ceil(max).clamp(1, 5),
    }
}

impl Grid {
    pub fn new(manifest: &Manifest) -> Self {
        let max = manifest.pairs.iter().map(|p| p.kept).max().unwrap_or(0);
        let rows = choices::<Domain>(&[])
            .into_iter()
            .zip(Domain::ALL)
            .map(|(choice, &domain)| GridRow {
                cells: Behavior::ALL
                    .iter()
                    .map(|&behavior| {
                        let kept = manifest.pair(domain, behavior).map(|p| p.kept);
                        GridCell {
                            domain: domain.id(),
                            behavior: behavior.id(),
                            label: format!("{} · {}", domain.label(), behavior.label()),
                            heat: heat(kept.unwrap_or(0), max),
                            kept,
                        }
                    })
                    .collect(),
                domain: choice,
            })
            .collect();
        Self {
            behaviors: choices::<Behavior>(&[]),
            rows,
        }
    }
}

/// Every rule with its rationale and what it removes in the selection.
#[derive(Template)]
#[template(path = "ui/rules.html", whitespace = "minimize")]
pub struct Rules {
    pub rules: Vec<RuleSummary>,
}

/// One row of the cost table: a layout, or the total.
#[derive(Clone, Debug)]
pub struct CostRow {
    pub id: &'static str,
    pub label: &'static str,
    pub figures: Option<crate::contract::report_doc::CostFigures>,
}

/// The token and cost estimate of the selection for one model.
#[derive(Template)]
#[template(path = "ui/cost.html", whitespace = "minimize")]
pub struct CostPanel {
    pub models: Vec<String>,
    pub chosen: String,
    pub rates_date: String,
    pub rates_source: String,
    pub tokenizer: String,
    pub rows: Vec<CostRow>,
}

impl CostPanel {
    /// The panel for `chosen`, with `estimate`'s figures when there is one
    /// (the page renders it empty and the script asks `/coverage/cost`).
    pub fn new(rates: &Rates, chosen: &str, estimate: Option<&ModelCost>) -> Self {
        let one_pass = CostRow {
            id: "one_pass",
            label: "One pass",
            figures: estimate.map(|e| e.one_pass),
        };
        let layout_rows = Layout::ALL.iter().map(|&layout| CostRow {
            id: layout.id(),
            label: match layout {
                Layout::Split => "Per behavior",
                Layout::Combined => "Per domain",
                Layout::Global => "Global",
            },
            figures: estimate.and_then(|e| {
                e.layouts
                    .iter()
                    .find(|l| l.layout == layout)
                    .map(|l| l.figures)
            }),
        });
        let total = CostRow {
            id: "total",
            label: "Every layout",
            figures: estimate.map(|e| e.total),
        };
        Self {
            models: rates.models.keys().cloned().collect(),
            chosen: chosen.to_owned(),
            rates_date: rates.date.clone(),
            rates_source: rates.source.clone(),
            tokenizer: estimate.map(|e| e.tokenizer.clone()).unwrap_or_default(),
            rows: [one_pass]
                .into_iter()
                .chain(layout_rows)
                .chain([total])
                .collect(),
        }
    }
}

/// "Generate and save": where to, overwrite, progress, cancel, the files.
#[derive(Template)]
#[template(path = "ui/generate.html", whitespace = "minimize")]
pub struct GeneratePanel {
    pub out: String,
}

/// The whole page: the components above, the script and the style sheet.
#[derive(Template)]
#[template(path = "ui/page.html", whitespace = "minimize")]
pub struct Page {
    pub taxonomy_version: &'static str,
    pub selectors: Selectors,
    pub summary: Summary,
    pub grid: Grid,
    pub rules: Rules,
    pub cost: CostPanel,
    pub generate: GeneratePanel,
}

impl Page {
    /// The page as it first loads: every domain and behavior, the CLI's
    /// defaults, figures from the rule engine (nothing read from disk).
    pub fn new(coverage: &Coverage, rates: &Rates) -> Self {
        let selection = Selection::all();
        let manifest = Manifest::build(coverage, &selection);
        let files = plan(&selection, &Layout::ALL).len();
        let conversations = conversations(&selection, &Layout::ALL, &manifest.pairs, 1);
        let chosen = match rates.models.contains_key(DEFAULT_MODEL) {
            true => DEFAULT_MODEL.to_owned(),
            false => rates.models.keys().next().cloned().unwrap_or_default(),
        };
        Self {
            taxonomy_version: crate::taxonomy::VERSION,
            selectors: Selectors::new(&selection, DEFAULT_SEED, &Layout::ALL, Format::Json),
            summary: Summary::new(&manifest, manifest.totals.kept, files, conversations),
            grid: Grid::new(&manifest),
            rules: Rules {
                rules: manifest.rules,
            },
            cost: CostPanel::new(rates, &chosen, None),
            generate: GeneratePanel { out: ".".into() },
        }
    }
}

pub use crate::figures::thousands;

/// Dollars with cents, as the report and the script write them.
pub fn usd(value: &f64) -> String {
    crate::figures::usd(*value)
}

/// Ids that wrap after their dots only, as the report writes them (`|safe`).
pub use crate::report::html::breakable;
