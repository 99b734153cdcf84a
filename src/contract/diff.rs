//! What changed between two manifests: the scenarios kept in one and not
//! the other, per (domain, behavior) pair and per rule, with ids. The
//! contract `coverage diff --json` prints, for CI gates on taxonomy changes.
//!
//! A diff reads manifests loosely ([`ManifestIds`]): ids are plain strings,
//! so a manifest written with another taxonomy version (ids this build
//! does not know) compares as well as one written by this build.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::contract::manifest::Manifest;

/// The parts of a manifest a diff reads; every other field is ignored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ManifestIds {
    pub vertical: String,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub seed: u64,
    /// The domains and behaviors the manifest covers; absent in manifests
    /// that predate it, which are then read as covering their whole grid.
    #[serde(default)]
    pub selection: Option<SelectionIds>,
    /// The rules in the order they ran.
    pub rules: Vec<RuleId>,
    pub scenarios: Vec<ScenarioId>,
    pub excluded: Vec<ExcludedId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SelectionIds {
    pub domains: Vec<String>,
    pub behaviors: Vec<String>,
}

impl ManifestIds {
    /// Whether this side's selection leaves out `scenario`'s domain or
    /// behavior: a narrowed run of the same grid, not another grid.
    fn leaves_out(&self, scenario: &ScenarioId) -> bool {
        self.selection.as_ref().is_some_and(|selection| {
            !selection.domains.contains(&scenario.domain)
                || !selection.behaviors.contains(&scenario.behavior)
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RuleId {
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ScenarioId {
    pub id: String,
    pub domain: String,
    pub behavior: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ExcludedId {
    pub id: String,
    pub rule: String,
}

impl ManifestIds {
    /// Reads a manifest file's text (`coverage manifest --json`).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn of(manifest: &Manifest) -> Self {
        Self {
            vertical: manifest.vertical.clone(),
            taxonomy_version: manifest.taxonomy_version.clone(),
            taxonomy_hash: manifest.taxonomy_hash.clone(),
            seed: manifest.seed,
            selection: Some(SelectionIds {
                domains: ids(&manifest.selection.domains),
                behaviors: ids(&manifest.selection.behaviors),
            }),
            rules: manifest
                .rules
                .iter()
                .map(|rule| RuleId {
                    id: rule.id.clone(),
                })
                .collect(),
            scenarios: manifest
                .scenarios
                .iter()
                .map(|entry| ScenarioId {
                    id: entry.id.clone(),
                    domain: entry.scenario.domain.id().to_owned(),
                    behavior: entry.scenario.behavior.id().to_owned(),
                })
                .collect(),
            excluded: manifest
                .excluded
                .iter()
                .map(|entry| ExcludedId {
                    id: entry.id.clone(),
                    rule: entry.rule.clone(),
                })
                .collect(),
        }
    }
}

fn ids<T: crate::TaxonomyEnum>(items: &[T]) -> Vec<String> {
    items.iter().map(|item| item.id().to_owned()).collect()
}

/// `coverage diff --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ManifestDiff {
    pub old: DiffSide,
    pub new: DiffSide,
    /// Kept in NEW but not in OLD.
    pub added: usize,
    /// Kept in OLD but not in NEW.
    pub removed: usize,
    /// Rules that removed a scenario on one side that the other side keeps,
    /// in the order the rules run (NEW's, then rules only OLD has).
    pub rules: Vec<RuleDiff>,
    /// Pairs with a change, in the manifests' order (OLD's, then pairs
    /// only NEW keeps scenarios of).
    pub pairs: Vec<PairDiff>,
    /// In NEW's order.
    pub added_scenarios: Vec<AddedScenario>,
    /// In OLD's order.
    pub removed_scenarios: Vec<RemovedScenario>,
}

/// Where one side came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DiffSide {
    pub vertical: String,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub seed: u64,
    pub kept: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleDiff {
    pub rule: String,
    /// Scenarios this rule removed in OLD that NEW keeps.
    pub added: usize,
    /// Scenarios OLD keeps that this rule removes in NEW.
    pub removed: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PairDiff {
    pub domain: String,
    pub behavior: String,
    pub added: usize,
    pub removed: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddedScenario {
    pub id: String,
    pub domain: String,
    pub behavior: String,
    /// The rule that removed it in OLD; `null` when OLD has no such
    /// scenario: outside OLD's selection, or not in OLD's grid.
    pub was: Option<String>,
    /// True when OLD is a narrower selection of the grid, without this
    /// scenario's domain or behavior (left out when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside_old_selection: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemovedScenario {
    pub id: String,
    pub domain: String,
    pub behavior: String,
    /// The rule that removes it in NEW; `null` when NEW has no such
    /// scenario: outside NEW's selection, or not in NEW's grid.
    pub now: Option<String>,
    /// True when NEW is a narrower selection of the grid, without this
    /// scenario's domain or behavior (left out when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside_new_selection: bool,
}

impl ManifestDiff {
    pub fn between(old: &ManifestIds, new: &ManifestIds) -> Self {
        let kept = |side: &ManifestIds| -> HashSet<String> {
            side.scenarios.iter().map(|s| s.id.clone()).collect()
        };
        let reasons = |side: &ManifestIds| -> HashMap<String, String> {
            side.excluded
                .iter()
                .map(|e| (e.id.clone(), e.rule.clone()))
                .collect()
        };
        let (old_kept, new_kept) = (kept(old), kept(new));
        let (old_reasons, new_reasons) = (reasons(old), reasons(new));
        let added_scenarios: Vec<AddedScenario> = new
            .scenarios
            .iter()
            .filter(|s| !old_kept.contains(&s.id))
            .map(|s| AddedScenario {
                id: s.id.clone(),
                domain: s.domain.clone(),
                behavior: s.behavior.clone(),
                was: old_reasons.get(&s.id).cloned(),
                outside_old_selection: !old_reasons.contains_key(&s.id) && old.leaves_out(s),
            })
            .collect();
        let removed_scenarios: Vec<RemovedScenario> = old
            .scenarios
            .iter()
            .filter(|s| !new_kept.contains(&s.id))
            .map(|s| RemovedScenario {
                id: s.id.clone(),
                domain: s.domain.clone(),
                behavior: s.behavior.clone(),
                now: new_reasons.get(&s.id).cloned(),
                outside_new_selection: !new_reasons.contains_key(&s.id) && new.leaves_out(s),
            })
            .collect();

        let mut rule_order: Vec<&str> = new.rules.iter().map(|r| r.id.as_str()).collect();
        for rule in &old.rules {
            if !rule_order.contains(&rule.id.as_str()) {
                rule_order.push(&rule.id);
            }
        }
        let rules = rule_order
            .into_iter()
            .map(|rule| RuleDiff {
                rule: rule.to_owned(),
                added: added_scenarios
                    .iter()
                    .filter(|s| s.was.as_deref() == Some(rule))
                    .count(),
                removed: removed_scenarios
                    .iter()
                    .filter(|s| s.now.as_deref() == Some(rule))
                    .count(),
            })
            .filter(|r| r.added + r.removed > 0)
            .collect();

        // Every pair either side keeps something of, in the manifests' order
        // (OLD's, then pairs only NEW has), with its counts.
        let mut pairs: Vec<PairDiff> = Vec::new();
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        for s in old.scenarios.iter().chain(&new.scenarios) {
            index.entry((&s.domain, &s.behavior)).or_insert_with(|| {
                pairs.push(PairDiff {
                    domain: s.domain.clone(),
                    behavior: s.behavior.clone(),
                    added: 0,
                    removed: 0,
                });
                pairs.len() - 1
            });
        }
        for s in &removed_scenarios {
            pairs[index[&(s.domain.as_str(), s.behavior.as_str())]].removed += 1;
        }
        for s in &added_scenarios {
            pairs[index[&(s.domain.as_str(), s.behavior.as_str())]].added += 1;
        }
        pairs.retain(|p| p.added + p.removed > 0);
        let side = |ids: &ManifestIds| DiffSide {
            vertical: ids.vertical.clone(),
            taxonomy_version: ids.taxonomy_version.clone(),
            taxonomy_hash: ids.taxonomy_hash.clone(),
            seed: ids.seed,
            kept: ids.scenarios.len(),
        };
        Self {
            old: side(old),
            new: side(new),
            added: added_scenarios.len(),
            removed: removed_scenarios.len(),
            rules,
            pairs,
            added_scenarios,
            removed_scenarios,
        }
    }

    /// As `coverage diff --json` prints it: pretty, a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("diffs serialize");
        json.push('\n');
        json
    }
}
