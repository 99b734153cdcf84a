//! The manifest: the machine-readable contract that lists every kept
//! scenario and the reason for every excluded one. Later stages (dataset
//! builders, the HTTP API, reviewers' diffs) read exactly these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{self, Behavior, Domain, RULES, Scenario};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Manifest {
    pub vertical: String,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub seed: u64,
    /// The domains and behaviors this manifest covers, in YAML order.
    pub selection: SelectionSummary,
    pub totals: Totals,
    /// Every rule in the order it runs, with what it removed in this selection.
    pub rules: Vec<RuleSummary>,
    /// One per selected (domain, behavior) pair, in YAML order.
    pub pairs: Vec<PairSummary>,
    /// Kept scenarios, in YAML order.
    pub scenarios: Vec<ScenarioEntry>,
    /// Excluded scenarios, in YAML order, each with the rule that removed it.
    pub excluded: Vec<ExcludedEntry>,
    /// Conversations per kept scenario in the run this manifest describes
    /// (absent: 1); each pair's conversations are its kept × variants.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub variants: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SelectionSummary {
    pub domains: Vec<Domain>,
    pub behaviors: Vec<Behavior>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Totals {
    pub raw: usize,
    pub kept: usize,
    pub excluded: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleSummary {
    pub id: String,
    /// `exclude` or `cap`.
    pub kind: String,
    pub rationale: String,
    pub removed: usize,
    /// Whether the rule removed anything here. A cap that never binds is
    /// legal (it guards future bins) and is reported, not an error.
    pub binding: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PairSummary {
    pub domain: Domain,
    pub behavior: Behavior,
    pub raw: usize,
    pub kept: usize,
    /// Removed scenarios per rule id; rules that removed none are left out.
    pub excluded: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScenarioEntry {
    pub id: String,
    #[serde(flatten)]
    pub scenario: Scenario,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExcludedEntry {
    pub id: String,
    #[serde(flatten)]
    pub scenario: Scenario,
    pub rule: String,
}

impl Manifest {
    /// The manifest of `selection`, cut from the global result in `coverage`.
    pub fn build(coverage: &Coverage, selection: &Selection) -> Self {
        let mut pairs: Vec<PairSummary> = selection
            .domains()
            .iter()
            .flat_map(|&domain| {
                selection
                    .behaviors()
                    .iter()
                    .map(move |&behavior| (domain, behavior))
            })
            .map(|(domain, behavior)| PairSummary {
                domain,
                behavior,
                raw: 0,
                kept: 0,
                excluded: BTreeMap::new(),
            })
            .collect();
        let mut removed = vec![0usize; RULES.len()];
        let mut scenarios = Vec::new();
        let mut excluded = Vec::new();
        for (scenario, rule) in coverage.scenarios().filter(|(s, _)| selection.contains(s)) {
            let pair = pairs
                .iter_mut()
                .find(|p| p.domain == scenario.domain && p.behavior == scenario.behavior)
                .expect("every selected scenario has its pair");
            pair.raw += 1;
            let id = scenario.id();
            match rule {
                None => {
                    pair.kept += 1;
                    scenarios.push(ScenarioEntry { id, scenario });
                }
                Some(rule) => {
                    *pair.excluded.entry(rule.id.to_string()).or_default() += 1;
                    let index = RULES
                        .iter()
                        .position(|r| r.id == rule.id)
                        .expect("rule of the table");
                    removed[index] += 1;
                    excluded.push(ExcludedEntry {
                        id,
                        scenario,
                        rule: rule.id.to_string(),
                    });
                }
            }
        }
        Self {
            vertical: taxonomy::VERTICAL.to_owned(),
            taxonomy_version: taxonomy::VERSION.to_owned(),
            taxonomy_hash: taxonomy::HASH.to_owned(),
            seed: coverage.seed(),
            selection: SelectionSummary {
                domains: selection.domains().to_vec(),
                behaviors: selection.behaviors().to_vec(),
            },
            totals: Totals {
                raw: scenarios.len() + excluded.len(),
                kept: scenarios.len(),
                excluded: excluded.len(),
            },
            rules: RULES
                .iter()
                .zip(removed)
                .map(|(rule, removed)| RuleSummary {
                    id: rule.id.to_string(),
                    kind: rule.kind_id().to_owned(),
                    rationale: rule.rationale.to_string(),
                    removed,
                    binding: removed > 0,
                })
                .collect(),
            pairs,
            scenarios,
            excluded,
            variants: 1,
        }
    }

    /// The same manifest for a run of `variants` conversations per scenario.
    pub fn with_variants(mut self, variants: u32) -> Self {
        self.variants = variants;
        self
    }

    /// The manifest's file, as `coverage manifest --json` prints it and a
    /// run writes it: pretty, keys in a fixed order, a final newline.
    pub fn to_json(&self) -> String {
        // Sized for the full manifest (about 3 MB) so it is never copied
        // while it grows: about 350 bytes per scenario listed.
        let listed = self.scenarios.len() + self.excluded.len();
        let mut json = Vec::with_capacity(4096 + 350 * listed);
        serde_json::to_writer_pretty(&mut json, self).expect("manifests serialize");
        json.push(b'\n');
        String::from_utf8(json).expect("serde_json writes UTF-8")
    }

    /// The summary of one (domain, behavior) pair, if selected.
    pub fn pair(&self, domain: Domain, behavior: Behavior) -> Option<&PairSummary> {
        self.pairs
            .iter()
            .find(|p| p.domain == domain && p.behavior == behavior)
    }

    /// Kept scenarios of one domain and/or behavior (`None` matches any).
    pub fn kept_where(
        &self,
        domain: Option<Domain>,
        behavior: Option<Behavior>,
    ) -> impl Iterator<Item = &ScenarioEntry> {
        self.scenarios.iter().filter(move |entry| {
            domain.is_none_or(|d| entry.scenario.domain == d)
                && behavior.is_none_or(|b| entry.scenario.behavior == b)
        })
    }

    /// Excluded scenarios of one domain and/or behavior (`None` matches any).
    pub fn excluded_where(
        &self,
        domain: Option<Domain>,
        behavior: Option<Behavior>,
    ) -> impl Iterator<Item = &ExcludedEntry> {
        self.excluded.iter().filter(move |entry| {
            domain.is_none_or(|d| entry.scenario.domain == d)
                && behavior.is_none_or(|b| entry.scenario.behavior == b)
        })
    }
}
