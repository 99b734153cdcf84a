//! Conversation fixtures: the catalogue, each domain's governing policy and
//! the phrasings the generator combines. Like the taxonomy, a `Cow` model
//! that the parser builds and the emitter writes out as a `static`.
//!
//! Lists "per bin" are indexed like the bins of their axis in the taxonomy.

use std::borrow::Cow;

type Str = Cow<'static, str>;
type List<T> = Cow<'static, [T]>;
type Texts = List<Str>;

/// Every `{slot}` a phrasing may use; the generator fills each of them.
pub const SLOTS: &[&str] = &[
    "item",
    "item_kind",
    "brand",
    "list_price",
    "budget",
    "saving",
    "offer",
    "units",
    "restock_weeks",
    "policy_name",
    "policy_value",
    "policy_limit",
];

/// The one more slot a budget correction may use: the corrected statement.
pub const PRICE_CORRECTION_SLOT: &str = "price_clause";
/// The one more slot a brand correction may use.
pub const BRAND_CORRECTION_SLOT: &str = "brand_clause";

/// The availability bins an item's stock maps to, in this order:
/// 10+ units, 1–9 units, none with a restock date, none without.
pub const AVAILABILITY_BINS: [&str; 4] = ["in_stock", "low_stock", "backorder", "out_of_stock"];

/// The axes fixtures are keyed by; a taxonomy with fixtures must have them.
pub const PRICE_AXIS: &str = "price_sensitivity";
pub const BRAND_AXIS: &str = "brand_bias";
pub const AVAILABILITY_AXIS: &str = "availability";
pub const POLICY_AXIS: &str = "policy_boundary";

#[derive(Clone, Debug, PartialEq)]
pub struct Fixtures {
    /// ISO 4217 code of every price.
    pub currency: Str,
    /// Percent off list price the user is after, per price bin.
    pub savings: List<u8>,
    /// Phrasings per price bin, per brand bin and per availability bin.
    pub price_clauses: List<Texts>,
    pub brand_clauses: List<Texts>,
    pub availability_clauses: List<Texts>,
    /// The assistant's reference turns.
    pub clarify: Texts,
    pub acknowledge: Texts,
    pub acknowledge_details: Texts,
    pub acknowledge_correction: Texts,
    /// How a user corrects the budget or the brand midway.
    pub price_corrections: Texts,
    pub brand_corrections: Texts,
    pub traps: List<Trap>,
    /// One rationale per row of the outcome table, saying why in this case.
    pub rationales: Texts,
    /// Per price bin: the real saving that brings the price within budget.
    pub offers: List<Texts>,
    /// Constraint-heavy requests: what the user requires, per availability
    /// bin, and of the policy.
    pub availability_requirements: List<Texts>,
    pub policy_requirements: Texts,
    /// Per domain of the taxonomy.
    pub domains: List<DomainFixtures>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trap {
    pub id: Str,
    pub phrasings: Texts,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DomainFixtures {
    pub policy: Policy,
    pub items: List<Item>,
    /// The domain's core request, several ways.
    pub requests: Texts,
    /// Underspecified openings for ambiguous conversations.
    pub openings: Texts,
}

/// The limit that governs a domain and where each policy bin stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub id: Str,
    pub name: Str,
    pub limit: f64,
    /// `days`, `USD`, `units`, … (`USD` values are money).
    pub unit: Str,
    /// The value the user asks for, per policy bin.
    pub values: List<f64>,
    pub phrasings: Texts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
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
        match (self.stock, self.restock_weeks) {
            (10.., _) => 0,
            (1..=9, _) => 1,
            (0, Some(_)) => 2,
            (0, None) => 3,
        }
    }
}
