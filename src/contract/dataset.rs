//! A dataset (schema version 2): conversations generated from scenarios.
//! Field by field in `docs/schemas.md`.

use serde::{Deserialize, Serialize};

use crate::taxonomy::{
    Availability, Behavior, BrandBias, Difficulty, Domain, PolicyBoundary, PriceSensitivity,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub schema_version: u32,
    pub metadata: DatasetMetadata,
    pub conversations: Vec<Conversation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetMetadata {
    /// `commerce.<domain>.<behavior>`, `commerce.<domain>.combined` or `commerce.global`.
    pub dataset_id: String,
    /// Semantic version of this dataset's content.
    pub version: String,
    pub vertical: String,
    pub difficulty: DatasetDifficulty,
    pub seed: u64,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub fixtures_hash: String,
    pub domains: Vec<Domain>,
    pub behaviors: Vec<Behavior>,
    pub conversation_count: usize,
    /// SHA-256 over the conversations, one compact JSON line each.
    pub content_hash: String,
    /// SHA-256 over the scenario ids, one per line: changes exactly when
    /// the scenario set does.
    pub scenarios_hash: String,
    /// The version this one replaced, when a regeneration bumped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    /// The replaced version's `content_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_content_hash: Option<String>,
}

/// A dataset's difficulty: its conversations' one difficulty, or `"mixed"`.
/// Schema 2 also accepts a list of difficulties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DatasetDifficulty {
    One(Difficulty),
    Several(Vec<Difficulty>),
    Mixed(Mixed),
}

/// The literal `"mixed"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mixed {
    Mixed,
}

impl DatasetDifficulty {
    /// The difficulty of a dataset holding conversations of these difficulties.
    pub fn of(difficulties: impl IntoIterator<Item = Difficulty>) -> Self {
        let mut seen: Vec<Difficulty> = difficulties.into_iter().collect();
        seen.sort_unstable();
        seen.dedup();
        match seen.as_slice() {
            [one] => Self::One(*one),
            _ => Self::Mixed(Mixed::Mixed),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub scenario_id: String,
    pub domain: Domain,
    pub behavior: Behavior,
    pub axes: Axes,
    pub difficulty: Difficulty,
    pub turns: Vec<Turn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axes {
    pub price_sensitivity: PriceSensitivity,
    pub brand_bias: BrandBias,
    pub availability: Availability,
    pub policy_boundary: PolicyBoundary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub role: Role,
    pub content: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}
