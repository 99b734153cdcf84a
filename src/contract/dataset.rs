//! A dataset (schema version 4): conversations generated from scenarios,
//! each with the store the assistant is given (`environment`,
//! `system_prompt`) and the customer's facts (`user_facts`). Field by field
//! in `docs/schemas.md`; documents of schemas 1–3 still read.
//!
//! Every row of every schema-4 file has the same keys with the same types
//! (spec `scenario-content.md` §8), so `datasets.load_dataset` reads a
//! whole tree at once: see [`super::wire`] for how optional and varying
//! parts are written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wire::{Nothing, empty_is_none, field_lines, nothing};

use crate::taxonomy::{
    Availability, Behavior, BrandBias, Difficulty, Domain, PolicyBoundary, PriceSensitivity,
    Scenario,
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
    /// Schema 3: the action functions through which an assistant states its
    /// decision (OpenAI function-calling format); see
    /// [`crate::generate::tools`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
}

/// One function an assistant may call, in OpenAI's function-calling format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `"function"`.
    #[serde(rename = "type")]
    pub kind: String,
    pub function: Function,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub description: String,
    /// A JSON Schema object of the arguments.
    pub parameters: Value,
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
    /// Schema 3: what the store knows, as data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Schema 3: the environment rendered as the assistant's instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Schema 3: what the customer knows and says, after any correction.
    /// For graders; not shown to the assistant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_facts: Option<UserFacts>,
    pub turns: Vec<Turn>,
}

impl Conversation {
    /// The scenario the conversation says it is: its domain, behavior and
    /// bins.
    pub fn scenario(&self) -> Scenario {
        let axes = self.axes;
        Scenario {
            domain: self.domain,
            behavior: self.behavior,
            price_sensitivity: axes.price_sensitivity,
            brand_bias: axes.brand_bias,
            availability: axes.availability,
            policy_boundary: axes.policy_boundary,
        }
    }
}

/// The store's side of a conversation (spec `scenario-content.md` §2–3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Schema 4: today's date in the store (ISO 8601), which decides the
    /// offers' validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<String>,
    /// ISO 4217 code of every price.
    pub currency: String,
    pub policy: PolicyFacts,
    /// The requested item first, then its alternatives; at least 3 items.
    pub catalog: Vec<CatalogItem>,
    /// The offers of the store that concern the catalogue slice: the ones
    /// that apply to the request and distractors that do not.
    pub offers: Vec<Offer>,
    /// The customer's record: always there in schema 4 (the domain's own
    /// lines, or how long they have been a customer); optional before.
    #[serde(default)]
    pub customer: Option<CustomerRecord>,
}

/// The governing policy: an upper limit on one number the customer states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyFacts {
    pub id: String,
    pub name: String,
    pub limit: f64,
    pub unit: String,
    /// The store's wording, stating the limit.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub list_price: f64,
    pub stock: u32,
    /// Weeks until restock; null when none is planned.
    pub restock_weeks: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    /// What it is, as the store names it.
    pub label: String,
    /// Percent off list price.
    pub percent: u8,
    /// The items it is for.
    pub item_ids: Vec<String>,
    /// Schema 4: the first and last day it can be used (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Schema 4: what the order must meet besides date and item. Written
    /// as `{min_quantity: 1, text: ""}` when nothing (any order meets it).
    #[serde(default, with = "nothing")]
    pub condition: Option<OfferCondition>,
    /// Whether it can be used on the customer's request. For graders: the
    /// system prompt never shows it.
    pub applies: bool,
    /// Schema 4: why it applies or not (`applies`, `expired`,
    /// `not_yet_valid`, `other_item`, `condition_not_met`). For graders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<OfferReason>,
}

/// A condition an order must meet for an offer to apply, decidable from
/// the customer's own facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferCondition {
    /// The fewest units of the item in one order.
    pub min_quantity: u32,
    /// How the store words it.
    pub text: String,
}

impl Nothing for OfferCondition {
    fn none() -> Value {
        json!({"min_quantity": 1, "text": ""})
    }

    fn is_none(value: &Value) -> bool {
        value["text"] == "" && value["min_quantity"] == 1
    }
}

/// Why an offer applies to the request or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferReason {
    Applies,
    Expired,
    NotYetValid,
    OtherItem,
    ConditionNotMet,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecord {
    pub id: String,
    /// Field name to the store's line about it; written as a list of
    /// `{field, line}` (the fields differ between domains).
    #[serde(with = "field_lines")]
    pub record: BTreeMap<String, String>,
}

/// The customer's facts (spec §3), after any correction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserFacts {
    /// The requested item, in `environment.catalog`.
    pub item_id: String,
    pub quantity: u32,
    /// The most the customer will pay per unit.
    pub budget: f64,
    /// The requested item's brand under a soft or hard bias; none is
    /// written `""` (schema 3 wrote null).
    #[serde(default, with = "empty_is_none")]
    pub brand: Option<String>,
    /// The number the policy limits, in the policy's unit.
    pub policy_value: f64,
    /// The fact corrected midway, in user-correction conversations;
    /// written `{field: "none", from: "", to: ""}` otherwise.
    #[serde(default, with = "nothing")]
    pub corrected: Option<Corrected>,
}

/// One fact the user first stated wrongly: `from` as first stated, `to`
/// as corrected (the value in `user_facts`). Schema 4 writes both as
/// strings in every row (`"155.00"`, `"Stridewell"`, `"none"`, `"29"`,
/// `"ret-08"`); schema 3 wrote the field's own JSON type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Corrected {
    pub field: CorrectedField,
    pub from: Value,
    pub to: Value,
}

impl Nothing for Corrected {
    fn none() -> Value {
        json!({"field": "none", "from": "", "to": ""})
    }

    fn is_none(value: &Value) -> bool {
        value["field"] == "none"
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectedField {
    Budget,
    Brand,
    PolicyValue,
    ItemId,
}

/// A conversation's bin of every axis. The fields are the file format
/// (named, in taxonomy order); [`Axes::of`] and
/// [`Conversation::scenario`] are the only code that names them one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axes {
    pub price_sensitivity: PriceSensitivity,
    pub brand_bias: BrandBias,
    pub availability: Availability,
    pub policy_boundary: PolicyBoundary,
}

impl Axes {
    /// The bins of `scenario`.
    pub fn of(scenario: &Scenario) -> Self {
        Self {
            price_sensitivity: scenario.price_sensitivity,
            brand_bias: scenario.brand_bias,
            availability: scenario.availability,
            policy_boundary: scenario.policy_boundary,
        }
    }
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
