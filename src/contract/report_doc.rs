//! The coverage report (`report.json`): per-pair and per-rule figures, bin
//! counts per axis, NIST t-way coverage with its gaps, and optionally the
//! token and cost estimate of a run. [`crate::report`] computes it once; the
//! CSV files, the HTML page and the CLI all render this one value.

use serde::{Deserialize, Serialize};

use crate::contract::files::Layout;
use crate::contract::manifest::{PairSummary, RuleSummary, SelectionSummary, Totals};

/// Everything `coverage report` shows, for one seed and selection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportDoc {
    pub vertical: String,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub seed: u64,
    pub selection: SelectionSummary,
    /// The same totals as the manifest of this selection.
    pub totals: Totals,
    /// The variation axes and their bins, in YAML order.
    pub axes: Vec<AxisInfo>,
    /// Every rule in the order it runs, as in the manifest.
    pub rules: Vec<RuleSummary>,
    /// One per selected (domain, behavior) pair, in YAML order.
    pub pairs: Vec<PairFigures>,
    /// t-way coverage summed over every selected pair, for t = 2 and 3.
    pub tway: Vec<TwayFigures>,
    /// Bin combinations no exclude rule forbids that no kept scenario holds.
    pub gaps: Vec<Gap>,
    /// The token and cost estimate; absent when not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostEstimate>,
    /// A covering subset of the kept scenarios (`--strength`), with its
    /// t-way coverage over all factors and its cost; absent when not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<crate::contract::subset::Subset>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisInfo {
    pub id: String,
    pub label: String,
    pub bins: Vec<String>,
}

/// One (domain, behavior) pair: the manifest's figures, bins per axis and
/// t-way coverage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairFigures {
    #[serde(flatten)]
    pub summary: PairSummary,
    /// For each axis in YAML order, each bin's raw, kept and excluded count.
    pub axes: Vec<AxisCounts>,
    /// t = 2, then t = 3.
    pub tway: Vec<TwayFigures>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisCounts {
    pub axis: String,
    pub bins: Vec<BinCount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinCount {
    pub bin: String,
    pub raw: usize,
    pub kept: usize,
    pub excluded: usize,
}

/// NIST combinatorial coverage (NISTIR 7878) at strength `t`: over every
/// choice of `t` axes and every combination of their bins.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwayFigures {
    pub t: usize,
    /// Every t-way bin combination.
    pub combinations: usize,
    /// Combinations every cell of which an exclude rule matches.
    pub forbidden: usize,
    /// Combinations some kept scenario holds.
    pub covered: usize,
    /// Combinations neither forbidden nor covered (the gaps).
    pub gaps: usize,
    /// `covered / combinations`.
    pub coverage: f64,
    /// `covered / (combinations - forbidden)`; 1 when every combination is forbidden.
    pub coverage_allowed: f64,
}

impl TwayFigures {
    /// The figures from the three counts.
    pub fn of(t: usize, combinations: usize, forbidden: usize, covered: usize) -> Self {
        let allowed = combinations - forbidden;
        Self {
            t,
            combinations,
            forbidden,
            covered,
            gaps: allowed - covered,
            coverage: ratio(covered, combinations),
            coverage_allowed: ratio(covered, allowed),
        }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// A combination of bins that no exclude rule forbids, yet every scenario
/// holding it was removed (by a cap, or by rules that only together cover it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub domain: crate::taxonomy::Domain,
    pub behavior: crate::taxonomy::Behavior,
    pub t: usize,
    /// The combination, axes in YAML order.
    pub bins: Vec<AxisBin>,
    /// How many scenarios of the pair hold it (all removed).
    pub cells: usize,
    /// The rules that removed them, in the order rules run.
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisBin {
    pub axis: String,
    pub bin: String,
}

/// What running the planned datasets against some models would cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostEstimate {
    /// Runs of every graded turn.
    pub trials: u32,
    /// Output tokens assumed per graded turn when set (`--output-tokens`);
    /// otherwise the reference reply's tokens, and `final_reply_tokens`
    /// for the final reply, which has no reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u32>,
    pub final_reply_tokens: u32,
    /// The date of the rates used, as the rates file states it.
    pub rates_date: String,
    pub rates_source: String,
    pub models: Vec<ModelCost>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCost {
    pub model: String,
    /// `o200k_base` or `cl100k_base`.
    pub tokenizer: String,
    /// True when the model is not an OpenAI model whose tokenizer is
    /// known: its counts come from `tokenizer` and are approximate.
    pub approximate: bool,
    pub input_per_million: f64,
    pub output_per_million: f64,
    /// One pass: every unique conversation of the plan run once (per
    /// trial). Each layout holds every one of them, so this is what running
    /// any one layout costs; `files` is left out.
    #[serde(default)]
    pub one_pass: CostFigures,
    /// One per layout planned, then nothing else: see `total`.
    pub layouts: Vec<LayoutCost>,
    /// Every layout together: each conversation once per layout.
    pub total: CostFigures,
}

impl ModelCost {
    /// The tokenizer as people read it: `o200k_base`, with
    /// ` (approximate)` for another vendor's model.
    pub fn tokenizer_label(&self) -> String {
        if self.approximate {
            format!("{} (approximate)", self.tokenizer)
        } else {
            self.tokenizer.clone()
        }
    }

    /// One row per layout, then the total: what every table of the
    /// estimate shows, in that order.
    pub fn rows(&self) -> impl Iterator<Item = (&'static str, &CostFigures)> {
        self.layouts
            .iter()
            .map(|l| (l.layout.id(), &l.figures))
            .chain([("total", &self.total)])
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayoutCost {
    pub layout: Layout,
    #[serde(flatten)]
    pub figures: CostFigures,
}

/// Tokens and cost, all trials included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostFigures {
    /// Files of the row; 0, and left out, for a pass that is no layout.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files: usize,
    pub conversations: usize,
    /// Graded turns of one trial.
    pub graded_turns: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub input_cost: f64,
    pub output_cost: f64,
    pub cost: f64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CostFigures {
    pub fn add(&mut self, other: &Self) {
        self.files += other.files;
        self.conversations += other.conversations;
        self.graded_turns += other.graded_turns;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.input_cost += other.input_cost;
        self.output_cost += other.output_cost;
        self.cost += other.cost;
    }
}

impl ReportDoc {
    /// `report.json`: pretty, fields in a fixed order, a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("reports serialize");
        json.push('\n');
        json
    }
}

impl CostEstimate {
    /// `coverage cost --json`: pretty, a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("estimates serialize");
        json.push('\n');
        json
    }
}
