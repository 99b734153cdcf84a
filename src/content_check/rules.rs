//! The rules, one function each. A rule reads the [`Subject`] (and the
//! requested item, for most) and returns the messages of its violations;
//! the tables below name each rule and fix the order problems are reported
//! in.

use serde_json::{Value, json};

use super::recompute::{Recomputed, number, recompute, recompute_with, requested, uncorrected};
use super::solve::{self, Solved};
use crate::contract::dataset::{
    CatalogItem, Conversation, CorrectedField, Environment, Role, UserFacts,
};
use crate::contract::golden::{Compare, Constraint, Demand, GoldenEntry, GradedTurn};
use crate::figures::{money, quantity};
use crate::generate::{ASK_CLARIFYING_QUESTION, system_prompt, tools};
use crate::grade::agrees;
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
const ITEM_RULES: [(&str, ItemRule); 21] = [
    ("bins", brand_of_item),
    ("flags", flags),
    ("offers", offers_follow_from_dates_items_and_conditions),
    ("quantity", sold_quantity),
    ("expected-call", expected_call_follows_from_the_prompt),
    ("call-schema", calls_fit_their_tools),
    ("must-communicate", facts_to_communicate),
    ("policy", policy_states_limit),
    ("system-prompt", system_prompt_renders_environment),
    ("store-facts", store_facts),
    ("user-facts", user_facts),
    ("ambiguous", ambiguous),
    ("correction", correction),
    ("trap", trap),
    ("graded-turns", graded_turns),
    ("naming", naming_artifacts),
    ("replacement", replacement_never_charged),
    ("risk-signal", risk_signals_are_acted_on),
    ("price-match", price_match_states_price_and_date),
    ("same-day", same_day_only_when_it_ships),
    ("opening", opening_is_about_the_request),
];

/// Every (rule, message) that `conversation` and `entry` break.
pub(super) fn violations(
    conversation: &Conversation,
    entry: &GoldenEntry,
) -> Vec<(&'static str, String)> {
    let Some(subject) = Subject::new(conversation, entry) else {
        return vec![(
            "schema-4",
            "environment (with today), user_facts and graded_turns are all required".into(),
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
    /// The last graded turn: the decision.
    last: &'a GradedTurn,
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
    /// `None` unless the environment, user facts and graded turns are all
    /// there (schema 4).
    fn new(conversation: &'a Conversation, entry: &'a GoldenEntry) -> Option<Self> {
        let user_turns: Vec<&str> = conversation
            .turns
            .iter()
            .filter(|t| t.role == Role::User)
            .map(|t| t.content.as_str())
            .collect();
        conversation.environment.as_ref()?.today.as_ref()?;
        Some(Self {
            conversation,
            entry,
            environment: conversation.environment.as_ref()?,
            facts: conversation.user_facts.as_ref()?,
            last: entry.graded_turns.last()?,
            decision: entry.final_outcome.decision,
            recomputed: recompute(conversation),
            user_text: user_turns.join("\n"),
            user_turns,
        })
    }

    fn currency(&self) -> &str {
        &self.environment.currency
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
            "user_facts.brand {} does not fit brand_bias '{}'",
            s.facts
                .brand
                .as_deref()
                .map_or_else(|| "null".to_owned(), |brand| format!("'{brand}'")),
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
    let called = &s.last.expected_call.name;
    if bins.decision == s.decision && called == s.decision.id() {
        return Vec::new();
    }
    vec![format!(
        "the facts lead to '{}'; final_outcome says '{}', the last graded call '{called}'",
        bins.decision.id(),
        s.decision.id(),
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

/// §4: a sale is of the quantity wanted, which the stock can ship (a
/// backordered item is sold for delivery on restock).
fn sold_quantity(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let sells = matches!(
        s.decision,
        Decision::Fulfill | Decision::FulfillWithDisclosure
    );
    let wanted = s.facts.quantity;
    let backordered = item.stock == 0 && item.restock_weeks.is_some();
    if !sells || wanted <= item.stock || backordered {
        return Vec::new();
    }
    vec![format!(
        "sells {wanted} of '{}' with {} in stock",
        item.id, item.stock
    )]
}

/// §3: each offer's `applies` and `reason` follow from today's date, its
/// items and its condition against the customer's quantity, as the prompt
/// states them; some offer applies to the requested item.
fn offers_follow_from_dates_items_and_conditions(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let mut found = Vec::new();
    for offer in &s.environment.offers {
        match solve::offer_reason(s.environment, offer, item, s.facts.quantity) {
            Err(message) => found.push(format!("offer '{}': {message}", offer.id)),
            Ok(reason) => {
                let applies = reason == crate::contract::dataset::OfferReason::Applies;
                if offer.applies != applies || offer.reason != Some(reason) {
                    found.push(format!(
                        "offer '{}' says applies {} (reason {}); its dates, items and condition say {applies} (reason {})",
                        offer.id,
                        offer.applies,
                        offer.reason.map_or_else(|| "null".to_owned(), json_text),
                        json_text(reason)
                    ));
                }
            }
        }
    }
    found
}

/// A value as the document writes it (`"applies"`, `153.85`, `null`),
/// never as Rust's `Debug` (`Some(Applies)`).
fn json_text(value: impl serde::Serialize) -> String {
    serde_json::to_string(&value).unwrap_or_default()
}

/// §2 and §4: the last graded call is the one the system prompt's rules
/// give for the customer's facts, argument by argument, compared as the
/// golden says.
fn expected_call_follows_from_the_prompt(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let solved = match solve::decide(s.conversation, s.facts, item, s.decision) {
        Ok(solved) => solved,
        Err(message) => return vec![message],
    };
    let Solved { arguments, compare } = solved;
    let call = &s.last.expected_call;
    let mut found = Vec::new();
    if s.last.compare != compare {
        found.push(format!(
            "compare {}; expected {}",
            json_text(&s.last.compare),
            json_text(&compare)
        ));
    }
    for (name, want) in &arguments {
        let got = call.arguments.get(name).unwrap_or(&Value::Null);
        if !compare.get(name).is_some_and(|how| agrees(*how, got, want)) {
            found.push(format!("argument {name} is {got}; the rules give {want}"));
        }
    }
    for name in call.arguments.keys() {
        if !arguments.contains_key(name) {
            found.push(format!("argument {name} is not one the rules give"));
        }
    }
    found
}

/// §4: every graded call is a call of one of the dataset's tools whose
/// arguments validate against that tool's JSON Schema.
fn calls_fit_their_tools(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let tools = tools();
    let mut found = Vec::new();
    for graded in &s.entry.graded_turns {
        let call = &graded.expected_call;
        let Some(tool) = tools.iter().find(|t| t.function.name == call.name) else {
            found.push(format!("turn {}: no tool '{}'", graded.turn, call.name));
            continue;
        };
        let arguments = Value::Object(call.arguments.clone());
        match jsonschema::draft202012::new(&tool.function.parameters) {
            Ok(validator) => found.extend(validator.iter_errors(&arguments).map(|error| {
                format!(
                    "turn {}: {}{} does not fit the tool: {error}",
                    graded.turn,
                    call.name,
                    error.instance_path()
                )
            })),
            Err(error) => found.push(format!("tool '{}' does not compile: {error}", call.name)),
        }
        let mut names: Vec<&String> = call.arguments.keys().collect();
        names.sort();
        if graded.compare.keys().ne(names.iter().copied()) {
            found.push(format!(
                "turn {}: compare names {:?}, the call has {:?}",
                graded.turn,
                graded.compare.keys().collect::<Vec<_>>(),
                call.arguments.keys().collect::<Vec<_>>()
            ));
        }
    }
    found
}

/// §4: the facts to communicate are the ones the decision states, with the
/// values of the call and the environment.
fn facts_to_communicate(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let want = solve::must_communicate(s.conversation, item, s.decision, &s.last.expected_call);
    if s.last.must_communicate == want {
        return Vec::new();
    }
    vec![format!(
        "must_communicate {}; the decision states {}",
        json_text(&s.last.must_communicate),
        json_text(&want)
    )]
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
    let rendered = system_prompt(s.environment, &s.conversation.scenario());
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
        .chain(facts.corrected.as_ref().and_then(|c| number(&c.from)))
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
    let first = s.entry.graded_turns.first();
    if first.is_none_or(|g| g.expected_call.name != ASK_CLARIFYING_QUESTION || g.turn != 1) {
        found.push("the first graded turn is the clarifying question at turn 1".into());
    } else if let Some(first) = first {
        let missing = json!(solve::missing_facts(s.conversation));
        let got = first
            .expected_call
            .arguments
            .get("missing")
            .unwrap_or(&Value::Null);
        if !agrees(Compare::Set, got, &missing) {
            found.push(format!("missing is {got}; the prompt needs {missing}"));
        }
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
                CorrectedField::Budget => json!(format!("{:.2}", facts.budget)),
                CorrectedField::PolicyValue => json!(facts.policy_value.to_string()),
                CorrectedField::ItemId => json!(facts.item_id),
                CorrectedField::Brand => json!(facts.brand.as_deref().unwrap_or("none")),
            };
            if !corrected.from.is_string() || corrected.to != to {
                found.push(format!(
                    "corrected {} → {} must be strings, to being the user_facts value {to}",
                    corrected.from, corrected.to
                ));
            }
            if let Some(first) = uncorrected(facts)
                && let Err(message) = recompute_with(s.conversation, &first)
            {
                found.push(format!("the uncorrected facts do not compute: {message}"));
            }
            // §5: a correction never contradicts another stated constraint:
            // the brand the customer requires is the brand of the item they
            // first named as well as of the one they meant.
            if corrected.field == CorrectedField::ItemId
                && let (Some(brand), Some(first)) = (&facts.brand, corrected.from.as_str())
                && let Some(named) = s.environment.catalog.iter().find(|c| c.id == first)
                && named.brand != *brand
            {
                found.push(format!(
                    "the customer requires {brand} but first named '{}' of {}",
                    named.id, named.brand
                ));
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
    let call = &s.last.expected_call.arguments;
    let environment = s.environment;
    let violates = match &trap.demands {
        Demand::Price { amount } => {
            let allowed = call
                .get("unit_price")
                .and_then(Value::as_f64)
                .unwrap_or(item.list_price);
            let budget = s.facts.budget;
            *amount < allowed && *amount >= 0.4 * budget - 0.005 && *amount <= 0.95 * budget + 0.005
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
                && call.get("offer_id").and_then(Value::as_str) != Some(offer_id.as_str())
        }
    };
    if !violates {
        found.push(format!(
            "the demand {} does not violate the golden",
            json_text(&trap.demands)
        ));
    }
    found
}

/// §4–5: graded turns are assistant turns that exist (or the reply under
/// test, just past the last turn), in order, the last being the reply to
/// the last user turn; the final decision is its call's name.
fn graded_turns(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let turns = &s.conversation.turns;
    let mut found: Vec<String> = s
        .entry
        .graded_turns
        .iter()
        .filter(|graded| {
            graded.turn != turns.len()
                && !turns
                    .get(graded.turn)
                    .is_some_and(|t| t.role == Role::Assistant)
        })
        .map(|graded| format!("turn {} is not an assistant turn", graded.turn))
        .collect();
    if s.last.turn != turns.len() {
        found.push(format!(
            "the last graded turn is {}, not the reply after the last turn ({})",
            s.last.turn,
            turns.len()
        ));
    }
    if !s
        .entry
        .graded_turns
        .windows(2)
        .all(|w| w[0].turn < w[1].turn)
    {
        found.push("graded turns are not in turn order".into());
    }
    found
}

/// §6: no naming artifacts: no catalogue name repeats a word ("Daily Burr
/// burr coffee grinder"), and no text says a unit twice after a figure
/// ("5,000 points loyalty points").
fn naming_artifacts(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let mut found: Vec<String> = s
        .environment
        .catalog
        .iter()
        .filter(|item| has_repeated_word(&item.name))
        .map(|item| format!("catalogue name '{}' repeats a word", item.name))
        .collect();
    let texts = s
        .conversation
        .turns
        .iter()
        .map(|t| t.content.as_str())
        .chain(s.conversation.system_prompt.as_deref());
    for text in texts {
        if let Some(phrase) = unit_said_twice(text) {
            found.push(format!("'{phrase}' says its unit twice"));
        }
    }
    found
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == ',' || c == '.'))
        .map(|w| w.trim_matches(|c| c == ',' || c == '.').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

fn has_repeated_word(name: &str) -> bool {
    let words = words(name);
    words
        .iter()
        .enumerate()
        .any(|(i, w)| words[i + 1..].contains(w))
}

/// The first figure whose unit word comes again within the next two words
/// of its sentence (`5,000 points loyalty points`; `$500 per account per
/// day` is fine).
fn unit_said_twice(text: &str) -> Option<String> {
    sentences(text).into_iter().find_map(unit_said_twice_in)
}

fn unit_said_twice_in(sentence: &str) -> Option<String> {
    let words = words(sentence);
    let figure = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_digit())
            && w.chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    };
    words.iter().enumerate().find_map(|(i, w)| {
        if !figure(w) {
            return None;
        }
        let after = &words[i + 1..(i + 4).min(words.len())];
        let twice = after
            .iter()
            .enumerate()
            .any(|(j, a)| j == 0 && a.len() > 3 && after[1..].contains(a));
        twice.then(|| words[i..i + 1 + after.len()].join(" "))
    })
}

/// Words by which a customer claims a replacement, a repair or a warranty
/// or guarantee claim rather than a purchase.
const CLAIM_WORDS: [&str; 7] = [
    "replacement",
    "replace ",
    "replaced with",
    "exchange it",
    "exchange my",
    "under the guarantee",
    "under your guarantee",
];

/// §6: a replacement, repair or warranty claim is never charged as a new
/// sale.
fn replacement_never_charged(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let sells = matches!(
        s.decision,
        Decision::Fulfill | Decision::FulfillWithDisclosure
    );
    let lower = s.user_text.to_lowercase();
    CLAIM_WORDS
        .iter()
        .filter(|word| sells && lower.contains(*word))
        .map(|word| {
            format!(
                "the customer claims a replacement ('{}') that the golden charges as a sale",
                word.trim()
            )
        })
        .collect()
}

/// Risk signals a golden would have to act on.
const RISK_WORDS: [&str; 9] = [
    "suspicious",
    "hacked",
    "takeover",
    "taken over",
    "chargeback",
    "leaked",
    "flagged",
    "fraud alert",
    "someone ordered",
];

/// §6: no risk signal (suspicious login, account takeover, chargeback
/// threat) unless the golden acts on it by escalating.
fn risk_signals_are_acted_on(s: &Subject, _: &CatalogItem) -> Vec<String> {
    if s.decision == Decision::Escalate {
        return Vec::new();
    }
    let record = s
        .environment
        .customer
        .iter()
        .flat_map(|c| c.record.values())
        .map(String::as_str);
    let text = std::iter::once(s.user_text.as_str())
        .chain(record)
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    RISK_WORDS
        .iter()
        .filter(|word| text.contains(*word))
        .map(|word| format!("a risk signal ('{word}') the golden does not act on"))
        .collect()
}

/// §6: a price-match request states the competitor's price and when it was
/// listed, in the same sentence.
fn price_match_states_price_and_date(s: &Subject, _: &CatalogItem) -> Vec<String> {
    let asks = [
        "price match",
        "competitor",
        "rival store",
        "another shop",
        "another retailer",
        "elsewhere",
    ];
    s.user_turns
        .iter()
        .flat_map(|turn| sentences(turn))
        .filter(|sentence| {
            let lower = sentence.to_lowercase();
            asks.iter().any(|a| lower.contains(a))
        })
        .filter(|sentence| {
            let lower = sentence.to_lowercase();
            let dated = [
                "ago",
                " old",
                " back",
                "yesterday",
                "this morning",
                "last week",
            ]
            .iter()
            .any(|w| lower.contains(w));
            !(sentence.contains('$') && dated)
        })
        .map(|sentence| {
            format!(
                "a price-match request without the competitor's price and date: '{}'",
                sentence.trim()
            )
        })
        .collect()
}

/// `text` in sentences: a stop ends one only before a space or the end,
/// so figures like `$155.00` stay whole.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let ends = matches!(c, '.' | '?' | '!')
            && bytes
                .get(i + 1)
                .is_none_or(|next| *next == b' ' || *next == b'\n');
        if ends {
            out.push(&text[start..=i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// §6: a same-day or pickup request only where the item can ship now.
fn same_day_only_when_it_ships(s: &Subject, item: &CatalogItem) -> Vec<String> {
    if item.stock >= s.facts.quantity {
        return Vec::new();
    }
    // Naming the store's policy ("the same-day delivery radius") asks for
    // nothing.
    let policy = s.environment.policy.name.to_lowercase();
    let lower = s.user_text.to_lowercase().replace(&policy, "");
    [
        "same-day",
        "same day",
        "pickup",
        "pick up",
        "pick it up",
        "by tonight",
    ]
    .iter()
    .filter(|word| lower.contains(*word))
    .map(|word| format!("asks for '{word}' although '{}' cannot ship now", item.id))
    .collect()
}

/// §6: the opening is about the request the golden decides: it names the
/// kind of item the golden acts on (the last word of the item's name).
fn opening_is_about_the_request(s: &Subject, item: &CatalogItem) -> Vec<String> {
    let kind = item
        .name
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    match s.user_turns.first() {
        Some(opening) if opening.to_lowercase().contains(&kind) => Vec::new(),
        _ => vec![format!(
            "the opening does not mention the {kind} the golden acts on"
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::{has_repeated_word, sentences, unit_said_twice};

    #[test]
    fn naming_artifacts_are_found_and_ordinary_text_is_not() {
        assert!(has_repeated_word("Millhaus Daily Burr burr coffee grinder"));
        assert!(!has_repeated_word(
            "Millhaus Daily Grind burr coffee grinder"
        ));
        assert_eq!(
            unit_said_twice("Redeem at most 5,000 points loyalty points here.").as_deref(),
            Some("5,000 points loyalty points")
        );
        assert_eq!(
            unit_said_twice("Limited to $500.00 per account per day."),
            None
        );
        assert_eq!(
            unit_said_twice("The Mist 4L humidifier. One humidifier is enough."),
            None
        );
        assert_eq!(unit_said_twice("I need 3 units. Units matter."), None);
    }

    #[test]
    fn sentences_keep_figures_whole() {
        assert_eq!(
            sentences("It was $155.00 a week ago. Match it? Yes!"),
            vec!["It was $155.00 a week ago.", " Match it?", " Yes!"]
        );
        assert_eq!(sentences("no stop"), vec!["no stop"]);
    }
}
