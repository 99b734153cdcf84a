//! The version and metadata of a document pair: identical content keeps
//! its version, a changed scenario set bumps the minor version, changed
//! text the patch.

use super::document::Existing;
use super::lines::LineHasher;
use crate::contract::dataset::{DatasetDifficulty, DatasetMetadata};
use crate::contract::golden::GoldenMetadata;
use crate::taxonomy::{self, Behavior, Domain, Scenario};

/// The first version of any dataset.
pub const INITIAL_VERSION: &str = "1.0.0";

/// The version of a document pair and what it replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioning {
    pub version: String,
    pub previous_version: Option<String>,
    pub previous_content_hash: Option<String>,
}

/// Content hashes of one document pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hashes {
    pub dataset: String,
    pub golden: String,
    pub scenarios: String,
}

impl Versioning {
    pub fn first(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            previous_version: None,
            previous_content_hash: None,
        }
    }

    /// Keeps the old version when nothing changed; otherwise bumps the
    /// minor version when the scenario set changed, the patch when only
    /// text did, and records what it replaced.
    pub fn after(old: Option<(&Existing, &Existing)>, new: &Hashes) -> Self {
        let Some((dataset, golden)) = old else {
            return Self::first(INITIAL_VERSION);
        };
        let Some(version) = dataset
            .field("version")
            .and_then(|v| semver::Version::parse(v).ok())
        else {
            return Self::first(INITIAL_VERSION);
        };
        let unchanged = dataset.field("content_hash") == Some(&new.dataset)
            && golden.field("content_hash") == Some(&new.golden)
            && dataset.field("scenarios_hash") == Some(&new.scenarios);
        if unchanged {
            return Self {
                version: version.to_string(),
                previous_version: dataset.field("previous_version").map(str::to_owned),
                previous_content_hash: dataset.field("previous_content_hash").map(str::to_owned),
            };
        }
        let bumped = if dataset.field("scenarios_hash") == Some(&new.scenarios) {
            semver::Version::new(version.major, version.minor, version.patch + 1)
        } else {
            semver::Version::new(version.major, version.minor + 1, 0)
        };
        Self {
            version: bumped.to_string(),
            previous_version: Some(version.to_string()),
            previous_content_hash: dataset.field("content_hash").map(str::to_owned),
        }
    }
}

/// SHA-256 over the conversation ids, one per line: changes exactly when
/// the set of conversations does (the scenario ids, with one variant).
pub fn scenarios_hash(scenarios: &[Scenario], variants: u32) -> String {
    let mut hasher = LineHasher::default();
    for scenario in scenarios {
        for variant in 0..variants {
            hasher.add(&crate::generate::conversation_id(
                scenario, variant, variants,
            ));
        }
    }
    hasher.finish()
}

pub fn dataset_metadata(
    dataset_id: &str,
    scenarios: &[Scenario],
    conversations: usize,
    seed: u64,
    hashes: &Hashes,
    versioning: &Versioning,
) -> DatasetMetadata {
    let mut domains: Vec<Domain> = scenarios.iter().map(|s| s.domain).collect();
    domains.sort_unstable();
    domains.dedup();
    let mut behaviors: Vec<Behavior> = scenarios.iter().map(|s| s.behavior).collect();
    behaviors.sort_unstable();
    behaviors.dedup();
    DatasetMetadata {
        dataset_id: dataset_id.to_owned(),
        version: versioning.version.clone(),
        vertical: taxonomy::VERTICAL.to_owned(),
        difficulty: DatasetDifficulty::of(scenarios.iter().map(|s| s.behavior.difficulty())),
        seed,
        taxonomy_version: taxonomy::VERSION.to_owned(),
        taxonomy_hash: taxonomy::HASH.to_owned(),
        fixtures_hash: taxonomy::FIXTURES_HASH.to_owned(),
        domains,
        behaviors,
        conversation_count: conversations,
        content_hash: hashes.dataset.clone(),
        scenarios_hash: hashes.scenarios.clone(),
        previous_version: versioning.previous_version.clone(),
        previous_content_hash: versioning.previous_content_hash.clone(),
        tools: crate::generate::tools(),
    }
}

pub fn golden_metadata(
    dataset_id: &str,
    entries: usize,
    seed: u64,
    content_hash: &str,
    versioning: &Versioning,
) -> GoldenMetadata {
    GoldenMetadata {
        dataset_id: dataset_id.to_owned(),
        version: versioning.version.clone(),
        vertical: taxonomy::VERTICAL.to_owned(),
        seed,
        taxonomy_version: taxonomy::VERSION.to_owned(),
        taxonomy_hash: taxonomy::HASH.to_owned(),
        entry_count: entries,
        content_hash: content_hash.to_owned(),
    }
}
