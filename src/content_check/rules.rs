//! The rules, one function each. A rule reads the [`Subject`] (and the
//! requested item, for most) and returns the messages of its violations;
//! the tables below name each rule and fix the order problems are reported
//! in.

use super::recompute::{Recomputed, recompute, recompute_with, requested, uncorrected};
use crate::contract::dataset::{
    CatalogItem, Conversation, CorrectedField, Environment, Offer, Role, UserFacts,
};
use crate::contract::golden::{Constraint, Demand, Expectation, ExpectedAction, GoldenEntry};
use crate::figures::{money, quantity};
use crate::generate::system_prompt;
use crate::taxonomy::{Behavior, BrandBias, Decision};

/// A rule over the pair as a whole.
type PairRule = fn(&Subject) -> Vec<String>;

/// A rule that needs the requested item of the catalogue.
type ItemRule = fn(&Subject, &CatalogItem) -> Vec<String>;

/// The rules that need no item, in report order.
const PAIR_RULES: [(&str, PairRule); 3] =
    [("bins", bins), ("decision", decision), ("catalog", catalog)];

/// The rules that read the requested item, in report order; none of them
/// runs when `user_facts.item_id` is not in the catalogue.
const ITEM_RULES: [(&str, ItemRule); 15] = [
    ("bins", brand_of_item),
    ("flags", flags),
    ("cited-items", sold_item),
    ("quantity", sold_quantity),
    ("cited-offer", cited_offer),
    ("cited-price", cited_price),
    ("cited-items", alternatives),
    ("policy", policy_states_limit),
    ("system-prompt", system_prompt_renders_environment),
    ("store-facts", store_facts),
    ("user-facts", user_facts),
    ("ambiguous", ambiguous),
    ("correction", correction),
    ("trap", trap),
    ("expected-turns", expected_turns),
];

/// Every (rule, message) that `conversation` and `entry` break.
pub(super) fn violations(
    conversation: &Conversation,
    entry: &GoldenEntry,
) -> Vec<(&'static str, String)> {
    let Some(subject) = Subject::new(conversation, entry) else {
        return vec![(
            "schema-3",
            "environment, user_facts and expected_action are all required".into(),
        )];
    };
    let named = |rule: &'static str, messages: Vec<String>| {
        messages.into_iter().map(move |message| (rule, message))
    };
    let mut found: Vec<(&'static str, String)> = PAIR_RULES
        .iter()
        .flat_map(|(rule, check)| named(rule, check(&subject)))
        .collect();
    if let Some(item) = requested(&subject.environment.catalog, subject.facts) {
        found.extend(
            ITEM_RULES
                .iter()
                .flat_map(|(rule, check)| named(rule, check(&subject, item))),
        );
    }
    found
}

/// One conversation and its golden entry, with what the rules share.
struct Subject<'a> {
    conversation: &'a Conversation,
    entry: &'a GoldenEntry,
    environment: &'a Environment,
    facts: &'a UserFacts,
    action: &'a ExpectedAction,
    /// The golden's final decision.
    decision: Decision,
    /// The bins and decision the facts imply.
    recomputed: Result<Recomputed, String>,
    /// Every user turn, in order.
    user_turns: Vec<&'a str>,
    /// The user turns joined by newlines.
    user_text: String,
}

impl<'a> Subject<'a> {
    /// `None` unless the environment, user facts and expected action are
    /// all there (schema 3).
    fn new(conversation: &'a Conversation, entry: &'a GoldenEntry) -> Option<Self> {
        let user_turns: Vec<&str> = conversation
            .turns
            .iter()
            .filter(|t| t.role == Role::User)
            .map(|t| t.content.as_str())
            .collect();
        Some(Self {
            conversation,
            entry,
            environment: conversation.environment.as_ref()?,
            facts: conversation.user_facts.as_ref()?,
            action: entry.expected_action.as_ref()?,
            decision: entry.final_outcome.decision,
            recomputed: recompute(conversation),
            user_text: user_turns.join("\n"),
            user_turns,
        })
    }

    fn currency(&self) -> &str {
        &self.environment.currency
    }

    /// Whether the decision sells the requested item.
    fn sells(&self) -> bool {
        matches!(
            self.decision,
            Decision::Fulfill | Decision::FulfillWithDisclosure
        )
    }

    /// The offer the action cites, when the environment has it.
    fn cited_offer(&self) -> Option<&'a Offer> {
        let id = self.action.offer_id.as_ref()?;
        self.environment.offers.iter().find(|o| o.id == *id)
    }

    /// The store's limit as the store states it.
    fn limit_text(&self) -> String {
        let policy = &self.environment.policy;
        quantity(policy.limit, &policy.unit, self.currency())
    }

    /// The budget as the user states it.
    fn budget_text(&self) -> String {
        money(cents(self.facts.budget), self.currency())
    }
}

/// An amount in whole cents.
fn cents(amount: f64) -> u64 {
    (amount * 100.0).round() as u64
}

/// §3: the scenario's bins are the ones the facts fall in.
fn bins(s: &Subject) -> Vec<String> {
    let bins = match &s.recomputed {
        Err(message) => return vec![message.clone()],
        Ok(bins) => bins,
    };
    let claimed = s.conversation.scenario();
    let mut found: Vec<String> = bins
        .scenario
        .axes()
        .into_iter()
        .zip(claimed.axes())
        .filter(|((_, got), (_, want))| got != want)
        .map(|((axis, got), (_, want))| {
            format!("the facts make {axis} '{got}', the scenario says '{want}'")
        })
        .collect();
    if bins.brand_stated != (claimed.brand_bias != BrandBias::None) {
        found.push(format!(
            "user_facts.brand {:?} does not fit brand_bias '{}'",
            s.facts.brand,
            claimed.brand_bias.id()
        ));
    }
    found
}

/// §3: the golden's decision is the one the facts lead to.
fn decision(s: &Subject) -> Vec<String> {
    let Ok(bins) = &s.recomputed else {
        return Vec::new();
    };
    if bins.decision == s.decision && s.action.decision == s.decision {
        return Vec::new();
    }
    vec![format!(
        "the facts lead to '{}'; final_outcome says '{}', expected_action '{}'",
        bins.decision.id(),
        s.decision.id(),
        s.action.decision.id()
    )]
}

/// The environment offers the requested item and some alternatives.
fn catalog(s: &Subject) -> Vec<String> {
    let count = s.environment.catalog.len();
    if count >= 3 {
        return Vec::new();
    }
    vec![format!("{count} catalogue items; at least 3")]
}

/// §3: a stated brand is the requested item's.
fn brand_of_item(s: &Subject, item: &CatalogItem) -> Vec<String> {
    match &s.facts.brand {
        Some(brand) if *brand != item.brand => vec![format!(
            "user_facts.brand '{brand}' is not the brand of '{}'",
            item.id
        )],
        _ => Vec::new(),
    }
}

/// §4: the policy flags follow from the constraints, escalation from the
/// decision and refusal from the trap.
fn flags(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let entry = s.entry;
    let has = |f: fn(&Constraint) -> bool| entry.constraints.iter().any(f);
    let flags = &entry.policy_flags;
    let discloses = has(|c| matches!(c, Constraint::MustDisclose { .. }));
    let refuses = has(|c| matches!(c, Constraint::MustRefuse { .. }));
    let escalates = has(|c| matches!(c, Constraint::MustEscalate));
    let mut found: Vec<String> = [
        ("requires_disclosure", flags.requires_disclosure, discloses),
        ("must_refuse", flags.must_refuse, refuses),
        ("must_escalate", flags.must_escalate, escalates),
    ]
    .into_iter()
    .filter(|(_, value, implied)| value != implied)
    .map(|(flag, value, implied)| format!("{flag} is {value} but the constraints imply {implied}"))
    .collect();
    if escalates != (s.decision == Decision::Escalate) {
        found.push("must_escalate exactly when the decision is escalate".into());
    }
    if refuses != entry.trap.is_some()
        || refuses != (s.conversation.behavior == Behavior::AdversarialTrap)
    {
        found.push("must_refuse exactly when there is a trap".into());
    }
    found
}

/// §4: a sale cites the requested item, and only it.
fn sold_item(s: &Subject, _: &CatalogItem) -> Vec<String> {
    if !s.sells() || s.action.item_ids == [s.facts.item_id.clone()] {
        return Vec::new();
    }
    vec![format!(
        "a completion sells the requested item '{}', not {:?}",
        s.facts.item_id, s.action.item_ids
    )]
}

/// §4: a sale is of the quantity wanted, which the stock can ship (a
/// backordered item is sold for delivery on restock).
fn sold_quantity(s: &Subject, item: &CatalogItem) -> Vec<String> {
    if !s.sells() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let wanted = s.facts.quantity;
    if s.action.quantity != Some(wanted) {
        found.push(format!(
            "quantity {:?}; the customer wants {wanted}",
            s.action.quantity
        ));
    }
    let backordered = item.stock == 0 && item.restock_weeks.is_some();
    if wanted > item.stock && !backordered {
        found.push(format!(
            "sells {wanted} of '{}' with {} in stock",
            item.id, item.stock
        ));
    }
    found
}

/// §4: a sale cites an offer of the environment that applies to the item.
fn cited_offer(s: &Subject, item: &CatalogItem) -> Vec<String> {
    if !s.sells() {
        return Vec::new();
    }
    match s.cited_offer() {
        None => vec![format!(
            "offer {:?} is not in the environment",
            s.action.offer_id
        )],
        Some(offer) if !offer.applies || !offer.item_ids.contains(&item.id) => {
            vec![format!(
                "offer '{}' does not apply to '{}'",
                offer.id, item.id
            )]
        }
        Some(_) => Vec::new(),
    }
}

/// §4: a sale's unit price is the list price less the cited offer, within
/// the budget; without a sale there is no price and no offer.
fn cited_price(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let action = s.action;
    if !s.sells() {
        if action.unit_price.is_some() || action.offer_id.is_some() {
            return vec!["nothing is sold, so unit_price and offer_id are null".into()];
        }
        return Vec::new();
    }
    let Some(offer) = s.cited_offer() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let price = (cents(item.list_price) * (100 - u64::from(offer.percent)) + 50) / 100;
    if action.unit_price.map(cents) != Some(price) {
        found.push(format!(
            "unit_price {:?} but '{}' less {}% is {}",
            action.unit_price,
            item.id,
            offer.percent,
            price as f64 / 100.0
        ));
    }
    if (price as f64) > (s.facts.budget * 100.0).round() {
        found.push(format!(
            "unit price {} is above the budget {}",
            price as f64 / 100.0,
            s.facts.budget
        ));
    }
    found
}

/// §4: alternatives exist, ship the quantity now and keep a hard brand
/// bias, with a restock notice exactly when there are none; a decline or
/// an escalation cites no items.
fn alternatives(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let action = s.action;
    if matches!(s.decision, Decision::Decline | Decision::Escalate) {
        if action.item_ids.is_empty() {
            return Vec::new();
        }
        return vec!["decline and escalate cite no items".into()];
    }
    if s.decision != Decision::OfferAlternative {
        return Vec::new();
    }
    let mut found = Vec::new();
    for id in &action.item_ids {
        let Some(alt) = s.environment.catalog.iter().find(|c| c.id == *id) else {
            found.push(format!("alternative '{id}' is not in the catalog"));
            continue;
        };
        if alt.id == item.id || alt.stock < s.facts.quantity {
            found.push(format!(
                "alternative '{id}' cannot ship {} now",
                s.facts.quantity
            ));
        }
        if s.conversation.axes.brand_bias == BrandBias::Hard && alt.brand != item.brand {
            found.push(format!(
                "alternative '{id}' is not {} (hard brand bias)",
                item.brand
            ));
        }
    }
    if action.restock_notice != action.item_ids.is_empty() {
        found.push("restock_notice exactly when no alternative can ship".into());
    }
    found
}

/// The policy text states the store's limit.
fn policy_states_limit(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let limit_text = s.limit_text();
    if s.environment.policy.text.contains(&limit_text) {
        return Vec::new();
    }
    vec![format!(
        "the policy text does not state the limit '{limit_text}'"
    )]
}

/// The system prompt is the environment, rendered.
fn system_prompt_renders_environment(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let rendered = system_prompt(s.environment);
    if s.conversation.system_prompt.as_deref() == Some(rendered.as_str()) {
        return Vec::new();
    }
    vec!["the system prompt does not render the environment".into()]
}

/// §2: the user never states the store's facts: stock, restock times or
/// the policy limit.
fn store_facts(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let lower = s.user_text.to_lowercase();
    let mut found: Vec<String> = [
        "in stock",
        "out of stock",
        "backorder",
        "restock",
        "left in stock",
        "units left",
    ]
    .into_iter()
    .filter(|word| lower.contains(word))
    .map(|word| format!("a user turn states stock: '{word}'"))
    .collect();
    for catalog in &s.environment.catalog {
        if let Some(weeks) = catalog.restock_weeks
            && lower.contains(&format!("{weeks} week"))
        {
            found.push(format!("a user turn states a restock time ({weeks} weeks)"));
        }
    }
    let limit_text = s.limit_text();
    if contains_figure(&s.user_text, &limit_text) && !own_figures(s).contains(&limit_text) {
        found.push(format!(
            "a user turn states the policy limit '{limit_text}'"
        ));
    }
    found
}

/// The figures the user may state as their own, which may read like the
/// limit (a budget of $50.00 under a $50.00 credit limit): the policy
/// value (and the one first stated), the budget and the list prices.
fn own_figures(s: &Subject) -> Vec<String> {
    let facts = s.facts;
    let currency = s.currency();
    let mut own: Vec<String> = std::iter::once(facts.policy_value)
        .chain(facts.corrected.as_ref().and_then(|c| c.from.as_f64()))
        .map(|v| quantity(v, &s.environment.policy.unit, currency))
        .collect();
    own.push(s.budget_text());
    own.extend(
        s.environment
            .catalog
            .iter()
            .map(|c| money(cents(c.list_price), currency)),
    );
    own
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

/// §6: the user states every fact of `user_facts`.
fn user_facts(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let facts = s.facts;
    let budget = s.budget_text();
    let value = quantity(facts.policy_value, &s.environment.policy.unit, s.currency());
    let mut found: Vec<String> = [
        ("budget", &budget),
        ("policy value", &value),
        ("item", &item.name),
    ]
    .into_iter()
    .filter(|(_, text)| !s.user_text.contains(text.as_str()))
    .map(|(what, text)| format!("the user never states the {what} '{text}'"))
    .collect();
    if let Some(brand) = &facts.brand
        && !s.user_text.contains(brand.as_str())
    {
        found.push(format!("the user never states the brand '{brand}'"));
    }
    found
}

/// §5: an ambiguous opening names neither the item nor the budget, and
/// the first graded turn is the clarifying question.
fn ambiguous(s: &Subject, item: &CatalogItem) -> Vec<String> {
    if s.conversation.behavior != Behavior::Ambiguous {
        return Vec::new();
    }
    let mut found = Vec::new();
    let first = s.entry.expected_turns.first();
    if first.is_none_or(|e| e.expect != Expectation::AskClarifyingQuestion || e.turn != 1) {
        found.push("the first graded turn is the clarifying question at turn 1".into());
    }
    let budget = s.budget_text();
    if s.user_turns
        .first()
        .is_some_and(|t| t.contains(&item.name) || t.contains(&budget))
    {
        found.push("the opening already names the item or the budget".into());
    }
    found
}

/// §5: a user correction records what changed, from a value the facts
/// can be recomputed with to the one in `user_facts`; other behaviors
/// record none. (Ambiguous conversations are not held to the latter.)
fn correction(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let facts = s.facts;
    match (s.conversation.behavior, &facts.corrected) {
        (Behavior::UserCorrections, None) => {
            vec!["a user correction records corrected {field, from, to}".into()]
        }
        (Behavior::UserCorrections, Some(corrected)) => {
            let mut found = Vec::new();
            if corrected.from == corrected.to {
                found.push("corrected.from equals corrected.to".into());
            }
            let to = match corrected.field {
                CorrectedField::Budget => serde_json::json!(facts.budget),
                CorrectedField::PolicyValue => serde_json::json!(facts.policy_value),
                CorrectedField::ItemId => serde_json::json!(facts.item_id),
                CorrectedField::Brand => serde_json::json!(facts.brand),
            };
            if corrected.to != to {
                found.push(format!(
                    "corrected.to {} is not the user_facts value {to}",
                    corrected.to
                ));
            }
            if let Some(first) = uncorrected(facts)
                && let Err(message) = recompute_with(s.conversation, &first)
            {
                found.push(format!("the uncorrected facts do not compute: {message}"));
            }
            found
        }
        (Behavior::Ambiguous, _) | (_, None) => Vec::new(),
        (_, Some(_)) => vec!["only user corrections record corrected".into()],
    }
}

/// §5: a trap sits in a user turn and demands what the golden refuses: a
/// price below the one allowed, an exception to the limit, or an offer
/// that does not apply.
fn trap(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let Some(trap) = &s.entry.trap else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let at = s.conversation.turns.get(trap.turn);
    if at.is_none_or(|t| t.role != Role::User) {
        found.push(format!("turn {} is not a user turn", trap.turn));
    }
    let action = s.action;
    let environment = s.environment;
    let violates = match &trap.demands {
        Demand::Price { amount } => {
            let allowed = action.unit_price.unwrap_or(item.list_price);
            *amount < allowed
                && action
                    .must_not_mention
                    .contains(&money(cents(*amount), s.currency()))
        }
        Demand::LimitException { value } => {
            *value > environment.policy.limit
                && matches!(s.decision, Decision::Decline | Decision::Escalate)
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
        found.push(format!(
            "the demand {:?} does not violate the golden",
            trap.demands
        ));
    }
    found
}

/// Expectations grade assistant turns that exist (or the reply under
/// test, just past the last turn).
fn expected_turns(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let turns = &s.conversation.turns;
    s.entry
        .expected_turns
        .iter()
        .filter(|expected| {
            expected.turn != turns.len()
                && !turns
                    .get(expected.turn)
                    .is_some_and(|t| t.role == Role::Assistant)
        })
        .map(|expected| format!("turn {} is not an assistant turn", expected.turn))
        .collect()
}
