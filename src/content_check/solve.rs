//! The reference solver: what a correct assistant does, worked out the way
//! the system prompt's rules say, from the store's facts (`environment`,
//! which the prompt renders) and the customer's (`user_facts`, which the
//! user's turns state). The checker holds every golden to it, so a golden
//! that needs a convention the prompt does not state fails `validate`.
//! Independent of the generator on purpose: it reads documents only.

use std::collections::BTreeMap;

use coverage_core::ValueIs;
use serde_json::{Map, Value, json};

use crate::contract::dataset::{
    CatalogItem, Conversation, Environment, Offer, OfferReason, UserFacts,
};
use crate::contract::golden::{Compare, ExpectedCall, Fact, FactKind};
use crate::taxonomy::{Availability, BrandBias, Decision, FIXTURES, PolicyBoundary};

/// A decision's call as the rules give it: the arguments and how each is
/// compared. Arguments compared with `ignore` hold an empty string.
pub(super) struct Solved {
    pub arguments: Map<String, Value>,
    pub compare: BTreeMap<String, Compare>,
}

/// Why `offer` can or cannot be used on `item` today for `quantity` units
/// (prompt rule 6), or what keeps it from being judged.
pub(super) fn offer_reason(
    environment: &Environment,
    offer: &Offer,
    item: &CatalogItem,
    quantity: u32,
) -> Result<OfferReason, String> {
    let today = environment.today.as_deref().ok_or("no today")?;
    let (Some(from), Some(until)) = (&offer.valid_from, &offer.valid_until) else {
        return Err("no validity dates".into());
    };
    // ISO dates order as text.
    Ok(if !offer.item_ids.contains(&item.id) {
        OfferReason::OtherItem
    } else if today < from.as_str() {
        OfferReason::NotYetValid
    } else if today > until.as_str() {
        OfferReason::Expired
    } else if offer
        .condition
        .as_ref()
        .is_some_and(|c| quantity < c.min_quantity)
    {
        OfferReason::ConditionNotMet
    } else {
        OfferReason::Applies
    })
}

/// The offer to use on `item`: the largest percent among those that can be
/// used.
fn best_offer<'e>(
    environment: &'e Environment,
    item: &CatalogItem,
    quantity: u32,
) -> Option<&'e Offer> {
    environment
        .offers
        .iter()
        .filter(|o| offer_reason(environment, o, item, quantity) == Ok(OfferReason::Applies))
        .max_by_key(|o| o.percent)
}

fn cents(amount: f64) -> u64 {
    (amount * 100.0).round() as u64
}

/// The list price less `percent`, rounded to the cent, in cents.
fn unit_price_cents(item: &CatalogItem, percent: u8) -> u64 {
    (cents(item.list_price) * (100 - u64::from(percent)) + 50) / 100
}

/// The call of `decision` for these facts.
pub(super) fn decide(
    conversation: &Conversation,
    facts: &UserFacts,
    item: &CatalogItem,
    decision: Decision,
) -> Result<Solved, String> {
    let environment = conversation.environment.as_ref().ok_or("no environment")?;
    let mut solved = Solved {
        arguments: Map::new(),
        compare: BTreeMap::new(),
    };
    let mut put = |name: &str, value: Value, how: Compare| {
        solved.arguments.insert(name.to_owned(), value);
        solved.compare.insert(name.to_owned(), how);
    };
    match decision {
        Decision::Fulfill | Decision::FulfillWithDisclosure => {
            let offer = best_offer(environment, item, facts.quantity)
                .ok_or_else(|| format!("no offer can be used on '{}'", item.id))?;
            let price = unit_price_cents(item, offer.percent);
            if price > cents(facts.budget) {
                return Err(format!(
                    "the best offer leaves '{}' at {:.2}, above the budget {:.2}",
                    item.id,
                    price as f64 / 100.0,
                    facts.budget
                ));
            }
            put("item_id", json!(item.id), Compare::Exact);
            put("quantity", json!(facts.quantity), Compare::Exact);
            put("unit_price", json!(price as f64 / 100.0), Compare::Money);
            put("offer_id", json!(offer.id), Compare::Exact);
            if decision == Decision::FulfillWithDisclosure {
                put("disclosure", json!(""), Compare::Ignore);
            }
        }
        Decision::OfferAlternative => {
            let hard = conversation.axes.brand_bias == BrandBias::Hard;
            let fitting: Vec<&str> = environment
                .catalog
                .iter()
                .filter(|alt| alt.id != item.id && alt.stock >= facts.quantity)
                .filter(|alt| cents(alt.list_price) <= cents(facts.budget))
                .filter(|alt| !hard || alt.brand == item.brand)
                .map(|alt| alt.id.as_str())
                .collect();
            put("restock_notice", json!(fitting.is_empty()), Compare::Exact);
            put("item_ids", json!(fitting), Compare::Set);
        }
        Decision::Decline | Decision::Escalate => put("reason", json!(""), Compare::Ignore),
    }
    Ok(solved)
}

/// The facts a reply of `decision` states: the unit price it charges, the
/// restock time it discloses, the limit it discloses or declines on.
pub(super) fn must_communicate(
    conversation: &Conversation,
    item: &CatalogItem,
    decision: Decision,
    call: &ExpectedCall,
) -> Vec<Fact> {
    let Some(environment) = conversation.environment.as_ref() else {
        return Vec::new();
    };
    let currency = environment.currency.clone();
    let mut found = Vec::new();
    if let Some(price) = call.arguments.get("unit_price").and_then(Value::as_f64) {
        found.push(Fact {
            kind: FactKind::Money,
            value: price,
            unit: currency.clone(),
            about: "unit_price".into(),
        });
    }
    let backorder = conversation.axes.availability == Availability::Backorder;
    if decision == Decision::FulfillWithDisclosure
        && backorder
        && let Some(weeks) = item.restock_weeks
    {
        found.push(Fact {
            kind: FactKind::Duration,
            value: f64::from(weeks),
            unit: "weeks".into(),
            about: "restock_time".into(),
        });
    }
    let near = conversation.axes.policy_boundary == PolicyBoundary::NearLimit
        && matches!(
            decision,
            Decision::FulfillWithDisclosure | Decision::OfferAlternative
        );
    if near || decision == Decision::Decline {
        let policy = &environment.policy;
        let kind = match policy.unit.as_str() {
            unit if unit == currency => FactKind::Money,
            "hours" | "days" | "weeks" | "months" => FactKind::Duration,
            _ => FactKind::Count,
        };
        found.push(Fact {
            kind,
            value: policy.limit,
            unit: policy.unit.clone(),
            about: "policy_limit".into(),
        });
    }
    found
}

/// The facts the prompt says are needed before acting (rule 1), none of
/// which an ambiguous opening gives.
pub(super) fn missing_facts(conversation: &Conversation) -> Vec<&'static str> {
    let value_is = FIXTURES.domains[conversation.domain.index()]
        .policy
        .value_is;
    let mut missing = vec!["item", "quantity", "budget", "brand"];
    if value_is != ValueIs::Quantity {
        missing.push("policy_value");
    }
    missing
}
