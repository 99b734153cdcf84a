//! The manifest: the machine-readable contract that lists every kept
//! scenario and the reason for every excluded one. Later stages (dataset
//! builders, the HTTP API, reviewers' diffs) read exactly these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::subset::Subset;
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{self, Behavior, Domain, RULES, Scenario};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// The covering subset of the kept scenarios that the run covers
    /// (`--strength`); absent when the run is the whole kept set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<Subset>,
}

/// The manifest with its entries left out, as [`Manifest::to_json`] writes
/// it: the same fields, in the same order.
#[derive(Serialize)]
struct Head<'a> {
    vertical: &'a str,
    taxonomy_version: &'a str,
    taxonomy_hash: &'a str,
    seed: u64,
    selection: &'a SelectionSummary,
    totals: &'a Totals,
    rules: &'a [RuleSummary],
    pairs: &'a [PairSummary],
    scenarios: &'static str,
    excluded: &'static str,
    #[serde(skip_serializing_if = "is_one")]
    variants: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    subset: Option<&'a Subset>,
}

/// An array of scenario entries at the manifest's second level, laid out
/// as `serde_json::to_string_pretty` lays out `ScenarioEntry` and
/// `ExcludedEntry`: id, domain, behavior, each axis, then the rule.
fn write_entries<'a>(
    json: &mut String,
    entries: impl Iterator<Item = (&'a str, &'a Scenario, Option<&'a str>)>,
) {
    let axes = &taxonomy::TAXONOMY.axes;
    // Keys and bins are the taxonomy's ids: checked once, not per entry.
    let ids_plain = taxonomy_ids_plain();
    let field = |json: &mut String, key: &str, value: &str, first: bool| {
        json.push_str(if first { "\n      " } else { ",\n      " });
        write_string(json, key, ids_plain);
        json.push_str(": ");
        write_string(json, value, ids_plain);
    };
    let mut empty = true;
    json.push('[');
    for (id, scenario, rule) in entries {
        json.push_str(if empty { "\n    {" } else { ",\n    {" });
        empty = false;
        let coords = scenario.coords();
        json.push_str("\n      \"id\": ");
        write_string(json, id, false);
        field(json, "domain", scenario.domain.id(), false);
        field(json, "behavior", scenario.behavior.id(), false);
        for (axis, &bin) in axes.iter().zip(&coords[2..]) {
            field(json, &axis.entry.id, &axis.bins[usize::from(bin)].id, false);
        }
        if let Some(rule) = rule {
            json.push_str(",\n      \"rule\": ");
            write_string(json, rule, false);
        }
        json.push_str("\n    }");
    }
    json.push_str(if empty { "]" } else { "\n  ]" });
}

/// Whether every id of the compiled taxonomy is a JSON string as it
/// stands (no quote, backslash or control character).
fn taxonomy_ids_plain() -> bool {
    static PLAIN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PLAIN.get_or_init(|| {
        let t = &taxonomy::TAXONOMY;
        let domains = t.domains.iter().map(|e| &e.id);
        let behaviors = t.behaviors.iter().map(|b| &b.entry.id);
        let axes = t.axes.iter().map(|a| &a.entry.id);
        let bins = t.axes.iter().flat_map(|a| a.bins.iter().map(|b| &b.id));
        domains
            .chain(behaviors)
            .chain(axes)
            .chain(bins)
            .all(|id| is_plain(id))
    })
}

fn is_plain(text: &str) -> bool {
    // No early exit: the check becomes a few vector instructions.
    text.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    })
}

/// A JSON string: `known_plain` or plain text as it is, anything else
/// through serde.
fn write_string(json: &mut String, text: &str, known_plain: bool) {
    if known_plain || is_plain(text) {
        json.push('"');
        json.push_str(text);
        json.push('"');
    } else {
        json.push_str(&serde_json::to_string(text).expect("strings serialize"));
    }
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
            subset: None,
        }
    }

    /// The same manifest for a run of only `subset`'s scenarios.
    pub fn with_subset(mut self, subset: Option<Subset>) -> Self {
        self.subset = subset;
        self
    }

    /// The same manifest for a run of `variants` conversations per scenario.
    pub fn with_variants(mut self, variants: u32) -> Self {
        self.variants = variants;
        self
    }

    /// The manifest's file, as `coverage manifest --json` prints it and a
    /// run writes it: `serde_json`'s pretty layout, keys in a fixed order, a
    /// final newline.
    ///
    /// The 9,072 scenario entries are nine tenths of the bytes, and through
    /// serde they cost two thirds of the time (each string escaped byte by
    /// byte, each entry flattened through a map). They hold only taxonomy
    /// ids, so they are written here in the same layout; the rest goes
    /// through serde. A test holds the output equal to
    /// `serde_json::to_string_pretty` for many selections.
    pub fn to_json(&self) -> String {
        const SCENARIOS: &str = "\u{1}scenarios";
        const EXCLUDED: &str = "\u{1}excluded";
        let head = Head {
            vertical: &self.vertical,
            taxonomy_version: &self.taxonomy_version,
            taxonomy_hash: &self.taxonomy_hash,
            seed: self.seed,
            selection: &self.selection,
            totals: &self.totals,
            rules: &self.rules,
            pairs: &self.pairs,
            scenarios: SCENARIOS,
            excluded: EXCLUDED,
            variants: self.variants,
            subset: self.subset.as_ref(),
        };
        let head = serde_json::to_string_pretty(&head).expect("manifests serialize");
        let marker = |name: &str| serde_json::to_string(name).expect("strings serialize");
        let (before, rest) = head
            .split_once(&marker(SCENARIOS))
            .expect("the scenarios marker is written once");
        let (between, after) = rest
            .split_once(&marker(EXCLUDED))
            .expect("the excluded marker is written once");
        // About 350 bytes per entry: the full manifest is never copied as it grows.
        let listed = self.scenarios.len() + self.excluded.len();
        let mut json = String::with_capacity(head.len() + 350 * listed);
        json.push_str(before);
        let kept = self
            .scenarios
            .iter()
            .map(|e| (e.id.as_str(), &e.scenario, None));
        write_entries(&mut json, kept);
        json.push_str(between);
        let excluded = self
            .excluded
            .iter()
            .map(|e| (e.id.as_str(), &e.scenario, Some(e.rule.as_str())));
        write_entries(&mut json, excluded);
        json.push_str(after);
        json.push('\n');
        json
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
