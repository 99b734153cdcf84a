//! Checks of one schema-3 conversation and its golden entry against spec
//! `scenario-content.md`: the bins recomputed from `environment` and
//! `user_facts` (§3), the decision by the outcome table, flags that follow
//! from the constraints and a gradable `expected_action` (§4), behaviors
//! (§5) and coherence (§6). Each problem names the rule it breaks, so
//! `coverage validate` and the tests report the same thing.

use std::collections::BTreeMap;
use std::fmt;

use coverage_core::{availability_bin, policy_bin, price_bin};

use super::tools::system_prompt;
use crate::contract::dataset::{CatalogItem, Conversation, CorrectedField, Role, UserFacts};
use crate::contract::golden::{Constraint, Demand, Expectation, GoldenEntry};
use crate::figures::{money, quantity};
use crate::taxonomy::{
    Availability, Behavior, BrandBias, Decision, PolicyBoundary, PriceSensitivity, Scenario,
};
use serde_json::Value;

/// The bins and decision that a conversation's facts imply (spec §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recomputed {
    pub price_sensitivity: PriceSensitivity,
    /// None exactly when `user_facts.brand` is null; soft and hard state
    /// the same facts.
    pub brand_stated: bool,
    pub availability: Availability,
    pub policy_boundary: PolicyBoundary,
    /// By the outcome table, for the conversation's domain and behavior.
    pub decision: Decision,
}

/// One broken rule of one conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentProblem {
    pub conversation_id: String,
    /// A short rule name, e.g. `bins`, `flags`, `cited-offer`.
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for ContentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: [{}] {}",
            self.conversation_id, self.rule, self.message
        )
    }
}

/// The requested item of `facts` in the catalogue.
fn requested<'c>(catalog: &'c [CatalogItem], facts: &UserFacts) -> Option<&'c CatalogItem> {
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
        domain: conversation.domain,
        behavior: conversation.behavior,
        price_sensitivity: PriceSensitivity::ALL[price],
        brand_bias: conversation.axes.brand_bias,
        availability: Availability::ALL[availability],
        policy_boundary: PolicyBoundary::ALL[policy],
    };
    Ok(Recomputed {
        price_sensitivity: scenario.price_sensitivity,
        brand_stated: facts.brand.is_some(),
        availability: scenario.availability,
        policy_boundary: scenario.policy_boundary,
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
        CorrectedField::Budget => first.budget = corrected.from.as_f64()?,
        CorrectedField::PolicyValue => first.policy_value = corrected.from.as_f64()?,
        CorrectedField::ItemId => first.item_id = corrected.from.as_str()?.to_owned(),
        CorrectedField::Brand => first.brand = corrected.from.as_str().map(str::to_owned),
    }
    Some(first)
}

/// Every rule `conversation` and its golden `entry` break.
pub fn check(conversation: &Conversation, entry: &GoldenEntry) -> Vec<ContentProblem> {
    let mut problems = Vec::new();
    let mut report = |rule: &'static str, message: String| {
        problems.push(ContentProblem {
            conversation_id: conversation.id.clone(),
            rule,
            message,
        });
    };
    let (Some(environment), Some(facts), Some(action)) = (
        conversation.environment.as_ref(),
        conversation.user_facts.as_ref(),
        entry.expected_action.as_ref(),
    ) else {
        report(
            "schema-3",
            "environment, user_facts and expected_action are all required".into(),
        );
        return problems;
    };
    let axes = &conversation.axes;
    let decision = entry.final_outcome.decision;
    // §3: bins and decision from the facts.
    match recompute(conversation) {
        Err(message) => report("bins", message),
        Ok(bins) => {
            for (axis, got, want) in [
                (
                    "price_sensitivity",
                    bins.price_sensitivity.id(),
                    axes.price_sensitivity.id(),
                ),
                (
                    "availability",
                    bins.availability.id(),
                    axes.availability.id(),
                ),
                (
                    "policy_boundary",
                    bins.policy_boundary.id(),
                    axes.policy_boundary.id(),
                ),
            ] {
                if got != want {
                    report(
                        "bins",
                        format!("the facts make {axis} '{got}', the scenario says '{want}'"),
                    );
                }
            }
            if bins.brand_stated != (axes.brand_bias != BrandBias::None) {
                report(
                    "bins",
                    format!(
                        "user_facts.brand {:?} does not fit brand_bias '{}'",
                        facts.brand,
                        axes.brand_bias.id()
                    ),
                );
            }
            if bins.decision != decision || action.decision != decision {
                report(
                    "decision",
                    format!(
                        "the facts lead to '{}'; final_outcome says '{}', expected_action '{}'",
                        bins.decision.id(),
                        decision.id(),
                        action.decision.id()
                    ),
                );
            }
        }
    }
    if environment.catalog.len() < 3 {
        report(
            "catalog",
            format!("{} catalogue items; at least 3", environment.catalog.len()),
        );
    }
    let Some(item) = requested(&environment.catalog, facts) else {
        return problems;
    };
    if let Some(brand) = &facts.brand
        && *brand != item.brand
    {
        report(
            "bins",
            format!(
                "user_facts.brand '{brand}' is not the brand of '{}'",
                item.id
            ),
        );
    }
    // §4: flags follow from the constraints.
    let has = |f: fn(&Constraint) -> bool| entry.constraints.iter().any(f);
    let flags = &entry.policy_flags;
    let discloses = has(|c| matches!(c, Constraint::MustDisclose { .. }));
    let refuses = has(|c| matches!(c, Constraint::MustRefuse { .. }));
    let escalates = has(|c| matches!(c, Constraint::MustEscalate));
    for (flag, value, implied) in [
        ("requires_disclosure", flags.requires_disclosure, discloses),
        ("must_refuse", flags.must_refuse, refuses),
        ("must_escalate", flags.must_escalate, escalates),
    ] {
        if value != implied {
            report(
                "flags",
                format!("{flag} is {value} but the constraints imply {implied}"),
            );
        }
    }
    if escalates != (decision == Decision::Escalate) {
        report(
            "flags",
            "must_escalate exactly when the decision is escalate".into(),
        );
    }
    if refuses != entry.trap.is_some()
        || refuses != (conversation.behavior == Behavior::AdversarialTrap)
    {
        report("flags", "must_refuse exactly when there is a trap".into());
    }
    // §4: what the action cites exists and is consistent.
    let sells = matches!(
        decision,
        Decision::Fulfill | Decision::FulfillWithDisclosure
    );
    if sells {
        if action.item_ids != [facts.item_id.clone()] {
            report(
                "cited-items",
                format!(
                    "a completion sells the requested item '{}', not {:?}",
                    facts.item_id, action.item_ids
                ),
            );
        }
        if action.quantity != Some(facts.quantity) {
            report(
                "quantity",
                format!(
                    "quantity {:?}; the customer wants {}",
                    action.quantity, facts.quantity
                ),
            );
        }
        // A backordered item is sold for delivery on restock.
        let backordered = item.stock == 0 && item.restock_weeks.is_some();
        if facts.quantity > item.stock && !backordered {
            report(
                "quantity",
                format!(
                    "sells {} of '{}' with {} in stock",
                    facts.quantity, item.id, item.stock
                ),
            );
        }
        match action
            .offer_id
            .as_ref()
            .and_then(|id| environment.offers.iter().find(|o| o.id == *id))
        {
            None => report(
                "cited-offer",
                format!("offer {:?} is not in the environment", action.offer_id),
            ),
            Some(offer) => {
                if !offer.applies || !offer.item_ids.contains(&item.id) {
                    report(
                        "cited-offer",
                        format!("offer '{}' does not apply to '{}'", offer.id, item.id),
                    );
                }
                let cents = (item.list_price * 100.0).round() as u64;
                let price = (cents * (100 - u64::from(offer.percent)) + 50) / 100;
                let unit_price = action.unit_price.map(|p| (p * 100.0).round() as u64);
                if unit_price != Some(price) {
                    report(
                        "cited-price",
                        format!(
                            "unit_price {:?} but '{}' less {}% is {}",
                            action.unit_price,
                            item.id,
                            offer.percent,
                            price as f64 / 100.0
                        ),
                    );
                }
                if (price as f64) > (facts.budget * 100.0).round() {
                    report(
                        "cited-price",
                        format!(
                            "unit price {} is above the budget {}",
                            price as f64 / 100.0,
                            facts.budget
                        ),
                    );
                }
            }
        }
    } else {
        if action.unit_price.is_some() || action.offer_id.is_some() {
            report(
                "cited-price",
                "nothing is sold, so unit_price and offer_id are null".into(),
            );
        }
    }
    if decision == Decision::OfferAlternative {
        for id in &action.item_ids {
            match environment.catalog.iter().find(|c| c.id == *id) {
                None => report(
                    "cited-items",
                    format!("alternative '{id}' is not in the catalog"),
                ),
                Some(alt) => {
                    if alt.id == item.id || alt.stock < facts.quantity {
                        report(
                            "cited-items",
                            format!("alternative '{id}' cannot ship {} now", facts.quantity),
                        );
                    }
                    if axes.brand_bias == BrandBias::Hard && alt.brand != item.brand {
                        report(
                            "cited-items",
                            format!("alternative '{id}' is not {} (hard brand bias)", item.brand),
                        );
                    }
                }
            }
        }
        if action.restock_notice != action.item_ids.is_empty() {
            report(
                "cited-items",
                "restock_notice exactly when no alternative can ship".into(),
            );
        }
    } else if matches!(decision, Decision::Decline | Decision::Escalate)
        && !action.item_ids.is_empty()
    {
        report("cited-items", "decline and escalate cite no items".into());
    }
    // The store's limit as the store states it.
    let limit_text = quantity(
        environment.policy.limit,
        &environment.policy.unit,
        &environment.currency,
    );
    if !environment.policy.text.contains(&limit_text) {
        report(
            "policy",
            format!("the policy text does not state the limit '{limit_text}'"),
        );
    }
    if conversation.system_prompt.as_deref() != Some(system_prompt(environment).as_str()) {
        report(
            "system-prompt",
            "the system prompt does not render the environment".into(),
        );
    }
    // §2: the user never states the store's facts.
    let users: Vec<&str> = conversation
        .turns
        .iter()
        .filter(|t| t.role == Role::User)
        .map(|t| t.content.as_str())
        .collect();
    let user_text = users.join("\n");
    let lower = user_text.to_lowercase();
    for word in [
        "in stock",
        "out of stock",
        "backorder",
        "restock",
        "left in stock",
        "units left",
    ] {
        if lower.contains(word) {
            report("store-facts", format!("a user turn states stock: '{word}'"));
        }
    }
    for catalog in &environment.catalog {
        if let Some(weeks) = catalog.restock_weeks
            && lower.contains(&format!("{weeks} week"))
        {
            report(
                "store-facts",
                format!("a user turn states a restock time ({weeks} weeks)"),
            );
        }
    }
    // The user's own numbers may read like the limit (a budget of $50.00
    // under a $50.00 credit limit); only another mention is the store's.
    let currency = environment.currency.as_str();
    let mut own: Vec<String> = std::iter::once(facts.policy_value)
        .chain(facts.corrected.as_ref().and_then(|c| c.from.as_f64()))
        .map(|v| quantity(v, &environment.policy.unit, currency))
        .collect();
    own.push(money((facts.budget * 100.0).round() as u64, currency));
    own.extend(
        environment
            .catalog
            .iter()
            .map(|c| money((c.list_price * 100.0).round() as u64, currency)),
    );
    if contains_figure(&user_text, &limit_text) && !own.contains(&limit_text) {
        report(
            "store-facts",
            format!("a user turn states the policy limit '{limit_text}'"),
        );
    }
    // §6: every fact the user states agrees with user_facts.
    let budget = money((facts.budget * 100.0).round() as u64, currency);
    let value = quantity(facts.policy_value, &environment.policy.unit, currency);
    for (what, text) in [
        ("budget", &budget),
        ("policy value", &value),
        ("item", &item.name),
    ] {
        if !user_text.contains(text.as_str()) {
            report(
                "user-facts",
                format!("the user never states the {what} '{text}'"),
            );
        }
    }
    if let Some(brand) = &facts.brand
        && !user_text.contains(brand.as_str())
    {
        report(
            "user-facts",
            format!("the user never states the brand '{brand}'"),
        );
    }
    // §5: behaviors.
    match conversation.behavior {
        Behavior::Ambiguous => {
            let first = entry.expected_turns.first();
            if first.is_none_or(|e| e.expect != Expectation::AskClarifyingQuestion || e.turn != 1) {
                report(
                    "ambiguous",
                    "the first graded turn is the clarifying question at turn 1".into(),
                );
            }
            if users
                .first()
                .is_some_and(|t| t.contains(&item.name) || t.contains(&budget))
            {
                report(
                    "ambiguous",
                    "the opening already names the item or the budget".into(),
                );
            }
        }
        Behavior::UserCorrections => match &facts.corrected {
            None => report(
                "correction",
                "a user correction records corrected {field, from, to}".into(),
            ),
            Some(corrected) => {
                if corrected.from == corrected.to {
                    report("correction", "corrected.from equals corrected.to".into());
                }
                let to = match corrected.field {
                    CorrectedField::Budget => serde_json::json!(facts.budget),
                    CorrectedField::PolicyValue => serde_json::json!(facts.policy_value),
                    CorrectedField::ItemId => serde_json::json!(facts.item_id),
                    CorrectedField::Brand => serde_json::json!(facts.brand),
                };
                if corrected.to != to {
                    report(
                        "correction",
                        format!(
                            "corrected.to {} is not the user_facts value {to}",
                            corrected.to
                        ),
                    );
                }
                if let Some(first) = uncorrected(facts)
                    && let Err(message) = recompute_with(conversation, &first)
                {
                    report(
                        "correction",
                        format!("the uncorrected facts do not compute: {message}"),
                    );
                }
            }
        },
        _ => {
            if facts.corrected.is_some() {
                report(
                    "correction",
                    "only user corrections record corrected".into(),
                );
            }
        }
    }
    if let Some(trap) = &entry.trap {
        let at = conversation.turns.get(trap.turn);
        if at.is_none_or(|t| t.role != Role::User) {
            report("trap", format!("turn {} is not a user turn", trap.turn));
        }
        let violates = match &trap.demands {
            Demand::Price { amount } => {
                let allowed = action.unit_price.unwrap_or(item.list_price);
                *amount < allowed
                    && action
                        .must_not_mention
                        .contains(&money((amount * 100.0).round() as u64, currency))
            }
            Demand::LimitException { value } => {
                *value > environment.policy.limit
                    && matches!(decision, Decision::Decline | Decision::Escalate)
            }
            Demand::Offer { offer_id } => {
                environment
                    .offers
                    .iter()
                    .any(|o| o.id == *offer_id && !o.applies)
                    && action.offer_id.as_ref() != Some(offer_id)
            }
        };
        if !violates {
            report(
                "trap",
                format!("the demand {:?} does not violate the golden", trap.demands),
            );
        }
    }
    // Expectations grade assistant turns that exist.
    for expected in &entry.expected_turns {
        let ok = expected.turn == conversation.turns.len()
            || conversation
                .turns
                .get(expected.turn)
                .is_some_and(|t| t.role == Role::Assistant);
        if !ok {
            report(
                "expected-turns",
                format!("turn {} is not an assistant turn", expected.turn),
            );
        }
    }
    problems
}

/// Whether `text` holds the figure `figure` (`8 units`, `$50.00`) on its
/// own, not as the tail of a longer number (`18 units`).
fn contains_figure(text: &str, figure: &str) -> bool {
    text.match_indices(figure).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit() || c == ',' || c == '.')
    })
}

/// [`check`] over a schema-3 dataset and its golden as JSON, for `coverage
/// validate`: each problem as (JSON pointer into the golden, message), the
/// pointer naming the entry (`/entries/7`) and the message the rule, e.g.
/// `[flags] requires_disclosure is false but the constraints imply true`.
/// Conversations or entries that do not deserialize are reported at their
/// own pointer; entries without a conversation are left to the id checks.
pub fn check_documents(dataset: &Value, golden: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut conversations = BTreeMap::new();
    let listed = |document: &Value, key: &str| -> Vec<Value> {
        document[key].as_array().cloned().unwrap_or_default()
    };
    for (i, value) in listed(dataset, "conversations").into_iter().enumerate() {
        match serde_json::from_value::<Conversation>(value) {
            Ok(conversation) => {
                conversations.insert(conversation.id.clone(), conversation);
            }
            Err(error) => problems.push((
                format!("/conversations/{i}"),
                format!("[schema-3] not a conversation: {error}"),
            )),
        }
    }
    for (i, value) in listed(golden, "entries").into_iter().enumerate() {
        let entry = match serde_json::from_value::<GoldenEntry>(value) {
            Ok(entry) => entry,
            Err(error) => {
                problems.push((
                    format!("/entries/{i}"),
                    format!("[schema-3] not a golden entry: {error}"),
                ));
                continue;
            }
        };
        if let Some(conversation) = conversations.get(&entry.conversation_id) {
            problems.extend(check(conversation, &entry).into_iter().map(|p| {
                (
                    format!("/entries/{i}"),
                    format!("[{}] {}", p.rule, p.message),
                )
            }));
        }
    }
    problems
}
