//! A sample (spec `evaluation.md` §1): one graded assistant turn with
//! everything a harness needs on one line, the chat messages up to the
//! reply graded, the tools, the expected call and the facts. No join with
//! any other file is ever needed, and every field keeps one JSON type in
//! every line. Field by field in `docs/evaluate.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::dataset::{Axes, Tool};
use super::golden::{Compare, Fact};
use crate::taxonomy::{Behavior, Difficulty, Domain};

/// The version of the sample line this build writes.
pub const SAMPLE_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// `<scenario_id>#v<variant>@t<turn>`: unique in a sample set.
    pub sample_id: String,
    pub scenario_id: String,
    pub variant: u32,
    /// Index in the conversation's turns of the reply graded.
    pub turn: usize,
    /// OpenAI chat messages: the system prompt, the fixed history, then
    /// the user turn the graded reply answers.
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    pub expected: ExpectedSampleCall,
    pub must_communicate: Vec<Fact>,
    pub must_not: Vec<Fact>,
    pub rubric: Vec<String>,
    pub metadata: SampleMetadata,
}

/// One chat message of the fixed history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

/// The call a correct reply ends with, and how each argument is compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedSampleCall {
    pub name: String,
    pub arguments: Map<String, Value>,
    pub compare: BTreeMap<String, Compare>,
}

/// Where the sample sits on the coverage grid, and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleMetadata {
    pub domain: Domain,
    pub behavior: Behavior,
    /// The bin of every variation axis, one field per axis.
    #[serde(flatten)]
    pub axes: Axes,
    /// The decision this turn must make: the expected call's name
    /// (`ask_clarifying_question` for a clarifying turn).
    pub decision: String,
    pub difficulty: Difficulty,
    /// The trap kind of an adversarial conversation; `""` for none.
    pub trap: String,
    pub dataset_id: String,
    pub dataset_version: String,
    pub seed: u64,
}

/// The sidecar of one samples file (`<behavior>.samples.meta.json`): what
/// it was made from and hashes that tell two sample sets apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplesSidecar {
    pub sample_schema_version: u32,
    pub dataset_id: String,
    pub dataset_version: String,
    pub vertical: String,
    pub seed: u64,
    pub variants: u32,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub conversation_count: usize,
    pub sample_count: usize,
    /// SHA-256 over the samples file's bytes.
    pub content_hash: String,
    /// The tool that wrote it, `coverage <version>`.
    pub generator: String,
}
