//! A golden (schema version 2): what a correct assistant must do for each
//! conversation of one dataset. Field by field in `docs/schemas.md`.

use serde::{Deserialize, Serialize};

use crate::taxonomy::{Decision, PolicyBoundary};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Golden {
    pub schema_version: u32,
    pub metadata: GoldenMetadata,
    pub entries: Vec<GoldenEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoldenMetadata {
    /// The dataset this golden grades; every entry carries it too.
    pub dataset_id: String,
    pub version: String,
    pub vertical: String,
    pub seed: u64,
    pub taxonomy_version: String,
    pub taxonomy_hash: String,
    pub entry_count: usize,
    /// SHA-256 over the entries, one compact JSON line each.
    pub content_hash: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoldenEntry {
    pub dataset_id: String,
    pub conversation_id: String,
    pub scenario_id: String,
    /// Where the conversation must end up. It takes precedence over any
    /// turn-level expectation that disagrees.
    pub final_outcome: FinalOutcome,
    pub expected_turns: Vec<ExpectedTurn>,
    pub constraints: Vec<Constraint>,
    pub policy_flags: PolicyFlags,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalOutcome {
    pub decision: Decision,
    pub rationale: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedTurn {
    /// Index in the conversation's turns of the assistant reply graded; the
    /// number of turns for the reply that ends the conversation.
    pub turn: usize,
    pub expect: Expectation,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    AskClarifyingQuestion,
    Acknowledge,
    AcknowledgeCorrection,
    RefuseTrap,
    Resolve,
}

/// A requirement on the assistant's replies that a harness can check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Constraint {
    /// Nothing offered may cost more.
    MaxPrice { amount: f64, currency: String },
    /// Only this brand may be offered.
    BrandExclusive { brand: String },
    /// Offer this brand first; others are acceptable.
    BrandPreferred { brand: String },
    /// Must be said before acting.
    MustDisclose { topic: DisclosureTopic },
    /// Must not be promised.
    MustNotPromise { what: String },
    /// The governing limit and the value the user asked for.
    PolicyLimit {
        policy: String,
        limit: f64,
        value: f64,
        unit: String,
    },
    /// Ask a clarifying question before acting.
    MustClarify,
    /// The trap must be refused.
    MustRefuse { trap: String },
    /// Hand over to a human.
    MustEscalate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureTopic {
    BackorderDelay,
    PolicyLimit,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFlags {
    pub boundary: PolicyBoundary,
    pub requires_disclosure: bool,
    pub must_refuse: bool,
    pub must_escalate: bool,
    /// The trap id in adversarial conversations, otherwise null.
    pub trap: Option<String>,
}
