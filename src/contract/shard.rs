//! What a shard run writes beside its parts, so that a merge can check it
//! has every piece of one run: `commerce/shard-K-of-N.json`.

use serde::{Deserialize, Serialize};

use super::files::{Format, Layout};
use crate::taxonomy::{Behavior, Domain};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// `K/N`.
    pub shard: String,
    pub seed: u64,
    pub taxonomy_hash: String,
    pub fixtures_hash: String,
    pub format: Format,
    pub layouts: Vec<Layout>,
    pub domains: Vec<Domain>,
    pub behaviors: Vec<Behavior>,
    /// Conversations per scenario (1 when absent).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub variants: u32,
    pub parts: Vec<PartRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRecord {
    pub dataset_id: String,
    pub lines: usize,
    pub dataset_hash: String,
    pub golden_hash: String,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}
