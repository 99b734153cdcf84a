//! What `coverage grade` writes under a run (spec `evaluation.md` §3–4):
//! `grades.jsonl`, one line per (sample, trial) with every check's verdict
//! and reason, and `summary.json`, the figures. What `coverage compare`
//! writes beside them is [`Comparison`]. Field by field in
//! `docs/evaluate.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sample::SampleMetadata;

pub const GRADES_FILE: &str = "grades.jsonl";
pub const SUMMARY_FILE: &str = "summary.json";
pub const RESULTS_FILE: &str = "results.html";

/// One line of `grades.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradeLine {
    pub sample_id: String,
    pub scenario_id: String,
    pub trial: u32,
    /// `false` when the key has no reply to grade (its transcript records
    /// an error): a gap, never a pass or a fail.
    pub graded: bool,
    pub pass: bool,
    /// The expected call's name.
    pub expected: String,
    /// The name of the reply's last call; `""` for none.
    pub called: String,
    /// The transcript's error, `""` for none.
    pub error: String,
    pub checks: Vec<CheckLine>,
    pub metadata: SampleMetadata,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub check: String,
    pub pass: bool,
    pub reason: String,
}

/// A rate with its 95% Wilson interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub passed: u64,
    pub total: u64,
    /// `passed / total`; null when `total` is 0.
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub model: String,
    pub sample_set: String,
    pub trials: u32,
    /// Keys of the run (samples × trials).
    pub keys: u64,
    /// Keys with a reply graded.
    pub graded: u64,
    /// Keys without one: transcript errors and keys never run.
    pub gaps: u64,
    pub pass_rate: Rate,
    /// The reply called the expected function.
    pub decision_accuracy: Rate,
    /// The mean of the per-decision recalls.
    pub balanced_accuracy: Option<f64>,
    pub decisions: Vec<DecisionFigures>,
    /// Expected decision → called function (`none` for no call) → keys.
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
    pub grid: Vec<CellFigures>,
    /// Axis id → bin id → rate.
    pub axes: BTreeMap<String, BTreeMap<String, Rate>>,
    /// Trap kind (`none` outside adversarial samples) → rate.
    pub traps: BTreeMap<String, Rate>,
    /// Check kind (`call`, `name`, `argument:unit_price`, …) → rate.
    pub checks: BTreeMap<String, Rate>,
    pub trials_figures: TrialFigures,
    pub cost: CostFigures,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionFigures {
    pub decision: String,
    /// Keys that expected it whose reply called it.
    pub recall: Rate,
    pub pass_rate: Rate,
}

/// One cell of the coverage grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellFigures {
    pub domain: String,
    pub behavior: String,
    /// Kept scenarios of the taxonomy in this cell.
    pub kept_scenarios: u64,
    /// Keys of the run in this cell.
    pub keys: u64,
    pub pass_rate: Rate,
    /// `covered`, `gap` (keys, none graded) or `not_sampled` (no keys).
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialFigures {
    /// The mean over samples of their trials' pass rate.
    pub pass_at_1: Option<f64>,
    /// `pass^k` for k = 1…trials: the mean over samples graded in every
    /// trial of C(c, k) / C(n, k).
    pub pass_hat_k: Vec<PassHatK>,
    /// Samples that passed some trials and failed others.
    pub flaky: Vec<String>,
    /// Samples graded in every trial (the base of pass^k).
    pub samples_all_trials: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassHatK {
    pub k: u32,
    pub value: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostFigures {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// From run.json; null when the rates had no price.
    pub cost_usd: Option<f64>,
    pub latency_ms_p50: Option<u64>,
    pub latency_ms_p95: Option<u64>,
}

/// What `coverage compare A B` finds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    /// Samples graded in both runs.
    pub samples: u64,
    /// Samples that passed every trial of A and failed every trial of B.
    pub regressions: Vec<String>,
    /// The reverse.
    pub improvements: Vec<String>,
    /// Samples that changed but were not steady in a run: inside their
    /// own trial-to-trial variation.
    pub noise: Vec<String>,
    /// McNemar's exact test (two-sided) on regressions and improvements.
    pub p_value: f64,
    /// A significant regression: more regressions than improvements and
    /// p < 0.05.
    pub regressed: bool,
    pub pass_rate_a: Rate,
    pub pass_rate_b: Rate,
    /// Per cell: B's pass rate minus A's, over the samples of both.
    pub cells: Vec<CellDelta>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellDelta {
    pub domain: String,
    pub behavior: String,
    pub samples: u64,
    pub rate_a: Option<f64>,
    pub rate_b: Option<f64>,
    pub delta: Option<f64>,
    pub regressions: u64,
    pub improvements: u64,
}
