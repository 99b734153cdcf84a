//! A golden (schema version 4): what a correct assistant must do for each
//! conversation of one dataset: the decision, and for every graded turn the
//! one call that ends a correct reply, how each argument is compared and
//! the typed facts its words must carry. Field by field in
//! `docs/schemas.md`; how it is graded in `docs/grading.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::wire::{Nothing, arguments_as_json, compare_list, empty_is_none, nothing};

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
    /// Schemas 1–3: the turn-level expectations, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_turns: Vec<ExpectedTurn>,
    pub constraints: Vec<Constraint>,
    pub policy_flags: PolicyFlags,
    /// Schema 3: the action call a correct final reply ends with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_action: Option<ExpectedAction>,
    /// The trap of an adversarial conversation; written `{kind: "", turn:
    /// 0, demands: {type: "none", …}}` otherwise.
    #[serde(default, with = "nothing")]
    pub trap: Option<TrapRecord>,
    /// Schema 4: every assistant turn that is graded, in turn order; the
    /// last one decides (`final_outcome.decision` is its call's name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graded_turns: Vec<GradedTurn>,
}

/// One graded assistant turn (spec `scenario-content.md` §4): a sample
/// whose history is the conversation's turns before `turn`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradedTurn {
    /// Index in the conversation's turns of the reply graded; the number of
    /// turns for the reply that ends the conversation.
    pub turn: usize,
    /// The call a correct reply ends with: one of the dataset's tools.
    pub expected_call: ExpectedCall,
    /// How each argument of the call is graded, by argument name; written
    /// as a list of `{argument, compare}`.
    #[serde(with = "compare_list")]
    pub compare: BTreeMap<String, Compare>,
    /// Facts the reply's words must carry, whatever form they take.
    pub must_communicate: Vec<Fact>,
    /// Facts the reply's words must not state (none that a call could
    /// express instead).
    pub must_not: Vec<Fact>,
    /// Plain-language assertions for an optional judge model; the built-in
    /// grader does not read them.
    pub rubric: Vec<String>,
}

impl GoldenEntry {
    /// The turns graded: schema 4's `graded_turns`, else the turns of the
    /// older `expected_turns`.
    pub fn graded_turn_indices(&self) -> Vec<usize> {
        match self.graded_turns.as_slice() {
            [] => self.expected_turns.iter().map(|e| e.turn).collect(),
            graded => graded.iter().map(|g| g.turn).collect(),
        }
    }
}

/// A function call: a tool's name and its arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedCall {
    pub name: String,
    /// Written as a JSON string, as OpenAI writes `function.arguments`:
    /// their keys differ by function.
    #[serde(with = "arguments_as_json")]
    pub arguments: Map<String, Value>,
}

/// How one argument of a call is graded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The same JSON value (ids, names, numbers, booleans).
    Exact,
    /// The same amount within half a cent.
    Money,
    /// The same strings in any order.
    Set,
    /// Free text such as a reason: not graded.
    Ignore,
}

/// A typed fact a reply must (or must not) state, found by
/// [`crate::matcher`] in the accepted forms of `docs/grading.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    pub value: f64,
    /// Money: the ISO 4217 code. Duration: `hours`, `days`, `weeks` or
    /// `months`. Count: the noun counted (`points`, `miles`), or `units`
    /// for any bare number. Percent: `percent`.
    pub unit: String,
    /// Which fact it is: `unit_price`, `restock_time`, `policy_limit`.
    pub about: String,
}

/// For reviewers: `fulfill(item_id="ret-08", quantity=1, unit_price=153.85, …)`.
impl std::fmt::Display for ExpectedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arguments: Vec<String> = self
            .arguments
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        write!(f, "{}({})", self.name, arguments.join(", "))
    }
}

/// For reviewers: `money 153.85 USD (unit_price)`.
impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = id_of(&self.kind);
        write!(f, "{kind} {} {} ({})", self.value, self.unit, self.about)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Money,
    Duration,
    Count,
    Percent,
}

/// The expected action call (spec §4): its name is `decision`, its
/// arguments the rest. Every id and price is in the conversation's
/// environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedAction {
    pub decision: Decision,
    /// Fulfil: the requested item. Offer an alternative: the alternatives
    /// that can ship now in the wanted quantity (same brand under a hard
    /// bias). Decline and escalate: empty.
    pub item_ids: Vec<String>,
    /// Units sold; null where nothing is sold.
    pub quantity: Option<u32>,
    /// List price less the one offer that applies; null where nothing is
    /// sold.
    pub unit_price: Option<f64>,
    /// That offer; null where nothing is sold.
    pub offer_id: Option<String>,
    /// An alternative is wanted but none can ship: offer a restock notice.
    pub restock_notice: bool,
    /// Literal strings a correct reply contains.
    pub must_mention: Vec<String>,
    /// Literal strings a correct reply must not contain.
    pub must_not_mention: Vec<String>,
}

/// Where the trap is and what it demands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrapRecord {
    /// The trap's id, e.g. `price_manipulation`.
    pub kind: String,
    /// Index in the turns of the user message that holds it.
    pub turn: usize,
    pub demands: Demand,
}

impl Nothing for TrapRecord {
    fn none() -> Value {
        json!({"kind": "", "turn": 0, "demands": DemandWire::default()})
    }

    fn is_none(value: &Value) -> bool {
        value["kind"] == ""
    }
}

/// What a trap asks for; always something the golden forbids. Written with
/// every field of every kind (`{type, amount, value, offer_id}`, unused
/// ones 0 or `""`) so all rows have one shape; the tagged schema-3 form
/// reads too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "DemandWire", try_from = "DemandWire")]
pub enum Demand {
    /// A unit price below the one a correct assistant may charge.
    Price { amount: f64 },
    /// The customer's value granted although it is beyond the limit.
    LimitException { value: f64 },
    /// An offer of the environment that does not apply.
    Offer { offer_id: String },
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct DemandWire {
    #[serde(rename = "type")]
    kind: String,
    amount: f64,
    value: f64,
    offer_id: String,
}

impl From<Demand> for DemandWire {
    fn from(demand: Demand) -> Self {
        let mut wire = DemandWire::default();
        match demand {
            Demand::Price { amount } => (wire.kind, wire.amount) = ("price".into(), amount),
            Demand::LimitException { value } => {
                (wire.kind, wire.value) = ("limit_exception".into(), value)
            }
            Demand::Offer { offer_id } => (wire.kind, wire.offer_id) = ("offer".into(), offer_id),
        }
        wire
    }
}

impl TryFrom<DemandWire> for Demand {
    type Error = String;

    fn try_from(wire: DemandWire) -> Result<Self, Self::Error> {
        match wire.kind.as_str() {
            "price" => Ok(Self::Price {
                amount: wire.amount,
            }),
            "limit_exception" => Ok(Self::LimitException { value: wire.value }),
            "offer" => Ok(Self::Offer {
                offer_id: wire.offer_id,
            }),
            other => Err(format!(
                "unknown demand type '{other}'; valid: price, limit_exception, offer"
            )),
        }
    }
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
/// Written with every field of every kind (unused ones 0 or `""`) so all
/// rows have one shape; the tagged schema-3 form reads too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "ConstraintWire", try_from = "ConstraintWire")]
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

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct ConstraintWire {
    #[serde(rename = "type")]
    kind: String,
    amount: f64,
    currency: String,
    brand: String,
    topic: String,
    what: String,
    policy: String,
    limit: f64,
    value: f64,
    unit: String,
    trap: String,
}

impl From<Constraint> for ConstraintWire {
    fn from(constraint: Constraint) -> Self {
        let mut w = ConstraintWire::default();
        w.kind = match constraint {
            Constraint::MaxPrice { amount, currency } => {
                (w.amount, w.currency) = (amount, currency);
                "max_price"
            }
            Constraint::BrandExclusive { brand } => {
                w.brand = brand;
                "brand_exclusive"
            }
            Constraint::BrandPreferred { brand } => {
                w.brand = brand;
                "brand_preferred"
            }
            Constraint::MustDisclose { topic } => {
                w.topic = id_of(&topic);
                "must_disclose"
            }
            Constraint::MustNotPromise { what } => {
                w.what = what;
                "must_not_promise"
            }
            Constraint::PolicyLimit {
                policy,
                limit,
                value,
                unit,
            } => {
                (w.policy, w.limit, w.value, w.unit) = (policy, limit, value, unit);
                "policy_limit"
            }
            Constraint::MustClarify => "must_clarify",
            Constraint::MustRefuse { trap } => {
                w.trap = trap;
                "must_refuse"
            }
            Constraint::MustEscalate => "must_escalate",
        }
        .to_owned();
        w
    }
}

impl TryFrom<ConstraintWire> for Constraint {
    type Error = String;

    fn try_from(w: ConstraintWire) -> Result<Self, Self::Error> {
        Ok(match w.kind.as_str() {
            "max_price" => Self::MaxPrice {
                amount: w.amount,
                currency: w.currency,
            },
            "brand_exclusive" => Self::BrandExclusive { brand: w.brand },
            "brand_preferred" => Self::BrandPreferred { brand: w.brand },
            "must_disclose" => Self::MustDisclose {
                topic: serde_json::from_value(json!(w.topic)).map_err(|e| e.to_string())?,
            },
            "must_not_promise" => Self::MustNotPromise { what: w.what },
            "policy_limit" => Self::PolicyLimit {
                policy: w.policy,
                limit: w.limit,
                value: w.value,
                unit: w.unit,
            },
            "must_clarify" => Self::MustClarify,
            "must_refuse" => Self::MustRefuse { trap: w.trap },
            "must_escalate" => Self::MustEscalate,
            other => return Err(format!("unknown constraint type '{other}'")),
        })
    }
}

impl std::fmt::Display for Constraint {
    /// One line for reviewers: `max_price 80.00 USD`, `must_clarify`, ….
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MaxPrice { amount, currency } => write!(f, "max_price {amount:.2} {currency}"),
            Self::BrandExclusive { brand } => write!(f, "brand_exclusive {brand}"),
            Self::BrandPreferred { brand } => write!(f, "brand_preferred {brand}"),
            Self::MustDisclose { topic } => write!(f, "must_disclose {}", id_of(topic)),
            Self::MustNotPromise { what } => write!(f, "must_not_promise {what}"),
            Self::PolicyLimit {
                policy,
                limit,
                value,
                unit,
            } => write!(f, "policy_limit {policy}: {value} of {limit} {unit}"),
            Self::MustClarify => f.write_str("must_clarify"),
            Self::MustRefuse { trap } => write!(f, "must_refuse {trap}"),
            Self::MustEscalate => f.write_str("must_escalate"),
        }
    }
}

/// The wire id of a unit enum (`backorder_delay`, `acknowledge_correction`):
/// what the files say, so reviewers read the same word.
pub fn id_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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
    /// The trap id in adversarial conversations; none is written `""`
    /// (null in schemas 1–3).
    #[serde(default, with = "empty_is_none")]
    pub trap: Option<String>,
}
