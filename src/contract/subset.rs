//! A covering subset as manifests, reports and the HTTP API show it: which
//! kept scenarios it takes, the t-way combinations of factor values (domain,
//! behavior and every axis) they cover against those the kept set covers,
//! the combinations rules removed, and what running it costs.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subset {
    /// t: every combination of values of t factors is asked for.
    pub strength: usize,
    /// The most scenarios asked for (`--budget`); absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<usize>,
    /// Scenarios in the subset.
    pub size: usize,
    /// No subset that covers every coverable combination is smaller.
    pub lower_bound: usize,
    pub combinations: CombinationCounts,
    /// `covered / coverable` (1 when there is nothing to cover).
    pub coverage: f64,
    /// How the rows of the `--keep-from` file fared; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_from: Option<KeepFrom>,
    /// Running the subset once against the default model at the shipped
    /// rates; absent where not priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<SubsetCost>,
    /// The subset's scenario ids, in taxonomy order.
    pub scenarios: Vec<String>,
    /// Combinations the selection's grid holds but no kept scenario does,
    /// each with the rules that removed the scenarios holding it.
    pub excluded_combinations: Vec<ExcludedCombination>,
}

/// t-way combinations of the selection: `in_grid` = `excluded_by_rule` +
/// `coverable`, and `coverable` = `covered` + `uncovered`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CombinationCounts {
    /// Held by some scenario of the selection's grid, kept or not.
    pub in_grid: usize,
    /// Held only by scenarios the rules removed.
    pub excluded_by_rule: usize,
    /// Held by some kept scenario: what the subset is asked to cover.
    pub coverable: usize,
    /// Held by some scenario of the subset.
    pub covered: usize,
    /// Coverable but not covered: only under a budget.
    pub uncovered: usize,
}

/// The earlier subset's rows: `previous` = `retained` + `dropped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeepFrom {
    /// Distinct scenario ids the file lists.
    pub previous: usize,
    /// Of those, in the new subset.
    pub retained: usize,
    /// Of those, not in it: no longer kept, not in the grid, or over the budget.
    pub dropped: usize,
    /// Rows of the new subset that the file did not list.
    pub added: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExcludedCombination {
    /// One `{factor, bin}` per factor, in factor order (domain, behavior, axes).
    pub bins: Vec<FactorBin>,
    /// Every rule that removed a scenario holding it, in run order.
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FactorBin {
    /// `domain`, `behavior` or an axis id.
    pub factor: String,
    pub bin: String,
}

/// One run of every scenario of the subset against one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubsetCost {
    pub model: String,
    pub rates_date: String,
    pub conversations: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

impl ExcludedCombination {
    /// `behavior=happy_path, policy_boundary=out_of_policy`.
    pub fn text(&self) -> String {
        let bins: Vec<String> = self
            .bins
            .iter()
            .map(|b| format!("{}={}", b.factor, b.bin))
            .collect();
        bins.join(", ")
    }
}
