//! Collating generated conversations into one dataset and its golden.

use crate::contract::SCHEMA_VERSION;
use crate::contract::dataset::{Dataset, DatasetDifficulty, DatasetMetadata};
use crate::contract::golden::{Golden, GoldenMetadata};
use crate::generate::generate;
use crate::taxonomy::{self, Behavior, Domain, Scenario};

/// The first version of any dataset.
pub const INITIAL_VERSION: &str = "1.0.0";

/// The dataset `dataset_id` of `scenarios` (deduplicated by scenario id, in
/// grid order) and its golden, both at `version`.
pub fn assemble(
    dataset_id: &str,
    scenarios: impl IntoIterator<Item = Scenario>,
    seed: u64,
    version: &str,
) -> (Dataset, Golden) {
    let mut scenarios: Vec<Scenario> = scenarios.into_iter().collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    let (conversations, entries): (Vec<_>, Vec<_>) = scenarios
        .iter()
        .map(|scenario| {
            let generated = generate(scenario, seed, dataset_id);
            (generated.conversation, generated.golden)
        })
        .unzip();
    let mut domains: Vec<Domain> = scenarios.iter().map(|s| s.domain).collect();
    domains.dedup();
    domains.sort_unstable();
    domains.dedup();
    let mut behaviors: Vec<Behavior> = scenarios.iter().map(|s| s.behavior).collect();
    behaviors.sort_unstable();
    behaviors.dedup();
    let dataset = Dataset {
        schema_version: SCHEMA_VERSION,
        metadata: DatasetMetadata {
            dataset_id: dataset_id.to_owned(),
            version: version.to_owned(),
            vertical: taxonomy::VERTICAL.to_owned(),
            difficulty: DatasetDifficulty::of(scenarios.iter().map(|s| s.behavior.difficulty())),
            seed,
            taxonomy_version: taxonomy::VERSION.to_owned(),
            taxonomy_hash: taxonomy::HASH.to_owned(),
            fixtures_hash: taxonomy::FIXTURES_HASH.to_owned(),
            domains,
            behaviors,
            conversation_count: conversations.len(),
        },
        conversations,
    };
    let golden = Golden {
        schema_version: SCHEMA_VERSION,
        metadata: GoldenMetadata {
            dataset_id: dataset_id.to_owned(),
            version: version.to_owned(),
            vertical: taxonomy::VERTICAL.to_owned(),
            seed,
            taxonomy_version: taxonomy::VERSION.to_owned(),
            taxonomy_hash: taxonomy::HASH.to_owned(),
            entry_count: entries.len(),
        },
        entries,
    };
    (dataset, golden)
}
