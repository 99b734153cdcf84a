//! The bins and decision a conversation's facts imply (spec §3), and the
//! facts as a user correction first stated them.

use coverage_core::{availability_bin, policy_bin, price_bin};

use crate::contract::dataset::{CatalogItem, Conversation, CorrectedField, UserFacts};
use crate::taxonomy::{Availability, Decision, PolicyBoundary, PriceSensitivity, Scenario};

/// The bins and decision that a conversation's facts imply (spec §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recomputed {
    /// The conversation's scenario with the price sensitivity,
    /// availability and policy boundary the facts fall in. The facts state
    /// a brand or none, not how strongly: the brand bias is the
    /// conversation's own (see `brand_stated`).
    pub scenario: Scenario,
    /// None exactly when `user_facts.brand` is null; soft and hard state
    /// the same facts.
    pub brand_stated: bool,
    /// By the outcome table, for `scenario`.
    pub decision: Decision,
}

/// The requested item of `facts` in the catalogue.
pub(super) fn requested<'c>(
    catalog: &'c [CatalogItem],
    facts: &UserFacts,
) -> Option<&'c CatalogItem> {
    catalog.iter().find(|item| item.id == facts.item_id)
}

/// The bins and decision of `facts` in `conversation`'s environment, or
/// why they cannot be computed.
pub fn recompute_with(
    conversation: &Conversation,
    facts: &UserFacts,
) -> Result<Recomputed, String> {
    let environment = conversation
        .environment
        .as_ref()
        .ok_or("no environment (schema 3 needs one)")?;
    let item = requested(&environment.catalog, facts).ok_or_else(|| {
        format!(
            "user_facts.item_id '{}' is not in the catalog",
            facts.item_id
        )
    })?;
    let saving = 1.0 - facts.budget / item.list_price;
    let price = price_bin(saving).ok_or_else(|| {
        format!(
            "budget {} is not below the list price {} of '{}'",
            facts.budget, item.list_price, item.id
        )
    })?;
    let availability = availability_bin(item.stock, item.restock_weeks);
    let policy = policy_bin(facts.policy_value, environment.policy.limit);
    let scenario = Scenario {
        price_sensitivity: PriceSensitivity::ALL[price],
        availability: Availability::ALL[availability],
        policy_boundary: PolicyBoundary::ALL[policy],
        ..conversation.scenario()
    };
    Ok(Recomputed {
        scenario,
        brand_stated: facts.brand.is_some(),
        decision: scenario.decision(),
    })
}

/// [`recompute_with`] the conversation's own `user_facts`.
pub fn recompute(conversation: &Conversation) -> Result<Recomputed, String> {
    let facts = conversation
        .user_facts
        .as_ref()
        .ok_or("no user_facts (schema 3 needs them)")?;
    recompute_with(conversation, facts)
}

/// The facts as the user first stated them in a user correction (the
/// corrected field at `corrected.from`); `None` without a correction.
pub fn uncorrected(facts: &UserFacts) -> Option<UserFacts> {
    let corrected = facts.corrected.as_ref()?;
    let mut first = facts.clone();
    first.corrected = None;
    match corrected.field {
        CorrectedField::Budget => first.budget = number(&corrected.from)?,
        CorrectedField::PolicyValue => first.policy_value = number(&corrected.from)?,
        CorrectedField::ItemId => first.item_id = corrected.from.as_str()?.to_owned(),
        CorrectedField::Brand => {
            first.brand = match corrected.from.as_str() {
                // Schema 4 writes "none" for no brand; schema 3 wrote null.
                Some("none") | None => None,
                Some(brand) => Some(brand.to_owned()),
            }
        }
    }
    Some(first)
}

/// A corrected number: a JSON number (schema 3) or its text (schema 4).
pub(super) fn number(value: &serde_json::Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}
