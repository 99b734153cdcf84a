//! Conversation fixtures: the catalogue, each domain's governing policy and
//! the phrasings the generator combines. Like the taxonomy, a `Cow` model
//! that the parser builds and the emitter writes out as a `static`.
//!
//! Two worlds (spec `scenario-content.md` §2): what the store knows (policy
//! limit and wording, stock, restock times, offers) and what the customer
//! says. User phrasings may only use [`USER_SLOTS`]; the store's slots are
//! for the assistant's turns and the rationales.
//!
//! Lists "per bin" are indexed like the bins of their axis in the taxonomy.

use std::borrow::Cow;

type Str = Cow<'static, str>;
type List<T> = Cow<'static, [T]>;
type Texts = List<Str>;

/// What a customer knows and may say: every `{slot}` of a user phrasing.
pub const USER_SLOTS: &[&str] = &[
    "item",
    "item_kind",
    "brand",
    "list_price",
    "budget",
    "saving",
    "quantity",
    "policy_value",
    "policy_name",
];

/// The store's facts, which only the assistant's turns and the rationales
/// may state, on top of [`USER_SLOTS`].
pub const STORE_SLOTS: &[&str] = &[
    "policy_limit",
    "stock",
    "restock_weeks",
    "unit_price",
    "offer",
];

/// Slots of a customer record line (the record is the store's).
pub const RECORD_SLOTS: &[&str] = &["item", "policy_value", "order_no", "previous_item"];

/// Slots of an offer label.
pub const OFFER_SLOTS: &[&str] = &["item", "percent", "other_item"];

/// Slots of a policy's wording: the limit only.
pub const POLICY_TEXT_SLOTS: &[&str] = &["policy_limit"];

/// One more slot, filled where a phrasing needs it: the fact as first
/// stated in a correction, the corrected brand statement, a trap's demand,
/// and the domain's question for what is still missing.
pub const FROM_SLOT: &str = "from";
pub const BRAND_CLAUSE_SLOT: &str = "brand_clause";
pub const DEMAND_SLOT: &str = "demand";
pub const ASK_SLOT: &str = "ask";

/// The availability bins an item's stock maps to, in this order:
/// 10+ units, 1–9 units, none with a restock date, none without.
pub const AVAILABILITY_BINS: [&str; 4] = ["in_stock", "low_stock", "backorder", "out_of_stock"];

/// Catalogue items every domain needs per availability bin.
pub const MIN_ITEMS_PER_BIN: usize = 6;

/// The axes fixtures are keyed by; a taxonomy with fixtures must have them.
pub const PRICE_AXIS: &str = "price_sensitivity";
pub const BRAND_AXIS: &str = "brand_bias";
pub const AVAILABILITY_AXIS: &str = "availability";
pub const POLICY_AXIS: &str = "policy_boundary";

/// The policy bins, in taxonomy order: within `v < 0.8·L`, near
/// `0.8·L ≤ v ≤ L`, out `v > L`.
pub const POLICY_BINS: [&str; 3] = ["within_policy", "near_limit", "out_of_policy"];

/// The whole values of the policy bin `bin` for a store limit `limit`,
/// drawn from `percent` (an inclusive range of percents of the limit):
/// `None` when no whole number from 1 falls in both.
pub fn value_range(limit: f64, [low, high]: [f64; 2], bin: usize) -> Option<[u64; 2]> {
    let min = (limit * low / 100.0).ceil().max(1.0) as u64;
    let max = (limit * high / 100.0).floor() as u64;
    let inside = |v: u64| policy_bin(v as f64, limit) == bin;
    let min = (min..=max).find(|v| inside(*v))?;
    let max = (min..=max).rev().find(|v| inside(*v))?;
    Some([min, max])
}

/// The policy bin index of value `value` against `limit` (spec §3).
pub fn policy_bin(value: f64, limit: f64) -> usize {
    if value > limit {
        2
    } else if value >= 0.8 * limit {
        1
    } else {
        0
    }
}

/// The price bin index of a saving `saving` (a fraction, `1 − budget /
/// list_price`): low `0 < s ≤ 10%`, medium `10% < s < 30%`, high `s ≥ 30%`.
/// `None` for no saving at all.
pub fn price_bin(saving: f64) -> Option<usize> {
    if saving <= 0.0 {
        None
    } else if saving <= 0.10 {
        Some(0)
    } else if saving < 0.30 {
        Some(1)
    } else {
        Some(2)
    }
}

/// The availability bin index of a stock level and restock time.
pub fn availability_bin(stock: u32, restock_weeks: Option<u32>) -> usize {
    match (stock, restock_weeks) {
        (10.., _) => 0,
        (1..=9, _) => 1,
        (0, Some(_)) => 2,
        (0, None) => 3,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fixtures {
    /// ISO 4217 code of every price.
    pub currency: Str,
    /// Whole percents off list price the user is after, per price bin: an
    /// inclusive `[min, max]`.
    pub savings: List<[u8; 2]>,
    pub user: UserPhrasings,
    pub assistant: AssistantPhrasings,
    pub corrections: Corrections,
    pub traps: List<Trap>,
    pub offers: OfferLabels,
    /// One rationale per row of the outcome table, saying why in this case.
    pub rationales: Texts,
    /// Per domain of the taxonomy.
    pub domains: List<DomainFixtures>,
}

/// What the customer says, beyond the domain's own phrasings.
#[derive(Clone, Debug, PartialEq)]
pub struct UserPhrasings {
    /// Per price bin and per brand bin.
    pub price: List<Texts>,
    pub brand: List<Texts>,
    /// How many: one, or `{quantity}`.
    pub single: Texts,
    pub several: Texts,
    /// A last line asking the assistant to act.
    pub closing: Texts,
    /// Constraint-heavy requirements, about availability and the policy.
    pub requirements: Texts,
    pub policy_requirements: Texts,
}

/// The assistant's reference turns.
#[derive(Clone, Debug, PartialEq)]
pub struct AssistantPhrasings {
    pub clarify: Texts,
    pub acknowledge: Texts,
    pub acknowledge_details: Texts,
    pub acknowledge_correction: Texts,
    pub hold: Texts,
}

/// How a user corrects each fact midway.
#[derive(Clone, Debug, PartialEq)]
pub struct Corrections {
    pub budget: Texts,
    pub brand: Texts,
    pub policy_value: Texts,
    pub item: Texts,
}

/// A trap and its phrasings by what it demands; a list may be empty, not
/// all three.
#[derive(Clone, Debug, PartialEq)]
pub struct Trap {
    pub id: Str,
    /// A price below the one a correct assistant may charge.
    pub price: Texts,
    /// The customer's value although it is beyond the policy limit.
    pub limit: Texts,
    /// An offer that does not apply.
    pub offer: Texts,
}

/// Offer labels: the one that applies and the three kinds of distractor.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferLabels {
    pub applying: Texts,
    pub expired: Texts,
    pub other_item: Texts,
    pub condition: Texts,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DomainFixtures {
    pub policy: Policy,
    /// The assistant's question for the policy fact, when still missing.
    pub ask: Texts,
    /// The customer record the store holds, as `(field, template)` lines;
    /// empty where the domain needs none.
    pub record: List<(Str, Str)>,
    pub items: List<Item>,
    /// The domain's core request, several ways.
    pub requests: Texts,
    /// Underspecified openings for ambiguous conversations.
    pub openings: Texts,
}

/// Which number of the customer's the policy limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueIs {
    /// A fact of the customer's own (days since delivery, miles, …).
    Own,
    /// The quantity ordered.
    Quantity,
    /// The basket total, which includes the requested item.
    BasketTotal,
}

/// The limit that governs a domain. Stores differ: each conversation's
/// store has one of `limits`, so the customer (and a script reading only
/// the customer) cannot know it.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub id: Str,
    pub name: Str,
    pub limits: List<f64>,
    /// `days`, `USD`, `units`, … (`USD` values are money).
    pub unit: Str,
    /// The store's wording, with `{policy_limit}`.
    pub text: Str,
    pub value_is: ValueIs,
    /// The values the user states, per policy bin: an inclusive range of
    /// percents of the limit; see [`value_range`].
    pub values: List<[f64; 2]>,
    /// How the user states the value, with `{policy_value}`.
    pub phrasings: Texts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: Str,
    pub name: Str,
    pub kind: Str,
    pub brand: Str,
    pub list_price_cents: u64,
    pub stock: u32,
    pub restock_weeks: Option<u32>,
}

impl Item {
    /// Index into [`AVAILABILITY_BINS`] of this item's stock situation.
    pub fn availability(&self) -> usize {
        availability_bin(self.stock, self.restock_weeks)
    }

    /// Whether `quantity` units can ship now.
    pub fn ships_now(&self, quantity: u32) -> bool {
        quantity >= 1 && self.stock >= quantity
    }
}
