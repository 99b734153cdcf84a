//! Collating generated conversations into one in-memory dataset and its
//! golden: the same documents `coverage generate` streams to disk, for
//! library users and tests.

use crate::contract::SCHEMA_VERSION;
use crate::contract::dataset::Dataset;
use crate::contract::golden::Golden;
use crate::generate::{Deal, generate};
use crate::job::LineHasher;
use crate::job::versioning::{
    Hashes, Versioning, dataset_metadata, golden_metadata, scenarios_hash,
};
use crate::taxonomy::Scenario;

pub use crate::job::versioning::INITIAL_VERSION;

/// The dataset `dataset_id` of `scenarios` (deduplicated by scenario id, in
/// grid order) and its golden, both at `version`, dealt by `deal` (made
/// from the coverage the scenarios come from).
pub fn assemble(
    dataset_id: &str,
    scenarios: impl IntoIterator<Item = Scenario>,
    deal: &Deal,
    version: &str,
) -> (Dataset, Golden) {
    let seed = deal.seed();
    let mut scenarios: Vec<Scenario> = scenarios.into_iter().collect();
    scenarios.sort_unstable();
    scenarios.dedup();
    let (conversations, entries): (Vec<_>, Vec<_>) = scenarios
        .iter()
        .map(|scenario| {
            let generated = generate(deal, scenario, dataset_id);
            (generated.conversation, generated.golden)
        })
        .unzip();
    let mut dataset_hash = LineHasher::default();
    let mut golden_hash = LineHasher::default();
    for (conversation, entry) in conversations.iter().zip(&entries) {
        dataset_hash.add(&serde_json::to_string(conversation).expect("serializable"));
        golden_hash.add(&serde_json::to_string(entry).expect("serializable"));
    }
    let versioning = Versioning::first(version);
    let hashes = Hashes {
        dataset: dataset_hash.finish(),
        golden: golden_hash.finish(),
        scenarios: scenarios_hash(&scenarios, 1),
    };
    let dataset = Dataset {
        schema_version: SCHEMA_VERSION,
        metadata: dataset_metadata(
            dataset_id,
            &scenarios,
            scenarios.len(),
            seed,
            &hashes,
            &versioning,
        ),
        conversations,
    };
    let golden = Golden {
        schema_version: SCHEMA_VERSION,
        metadata: golden_metadata(
            dataset_id,
            scenarios.len(),
            seed,
            &hashes.golden,
            &versioning,
        ),
        entries,
    };
    (dataset, golden)
}
