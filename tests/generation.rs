//! The conversation generator over every kept scenario: schema 4, outcomes
//! per spec section 5, the shape of each behavior, concrete values in the
//! text, determinism. The content rules of `scenario-content.md` (facts,
//! coherence, variety) are in `content.rs`.

use std::collections::{BTreeMap, BTreeSet};

use coverage::assemble::{INITIAL_VERSION, assemble};
use coverage::contract::dataset::{Conversation, CorrectedField, Role};
use coverage::contract::golden::{Constraint, GoldenEntry};
use coverage::figures::{money, quantity};
use coverage::generate::{Generated, generate, pair_dataset_id};
use coverage::taxonomy::{FIXTURES, TAXONOMY};
use coverage::validate::{Kind, Schemas};
use coverage::{
    Availability, Behavior, Coverage, Decision, Domain, PolicyBoundary, Scenario, Selection,
};

use crate::support::deal;

fn kept() -> Vec<Scenario> {
    Coverage::evaluate(42).kept(&Selection::all()).collect()
}

fn generated(seed: u64) -> Vec<(Scenario, Generated)> {
    let deal = deal(seed);
    kept()
        .into_iter()
        .map(|s| (s, generate(&deal, &s, &pair_dataset_id(&s))))
        .collect()
}

/// Spec section 5, written out by hand.
fn expected_decision(s: &Scenario) -> Decision {
    if s.policy_boundary == PolicyBoundary::OutOfPolicy {
        return match s.domain {
            Domain::TrustSafetyFraud | Domain::CustomerSupportEscalations => Decision::Escalate,
            _ => Decision::Decline,
        };
    }
    match (s.availability, s.policy_boundary) {
        (Availability::OutOfStock, _) => Decision::OfferAlternative,
        (Availability::Backorder, _) | (_, PolicyBoundary::NearLimit) => {
            Decision::FulfillWithDisclosure
        }
        _ => Decision::Fulfill,
    }
}

fn user_turns(c: &Conversation) -> Vec<&str> {
    c.turns
        .iter()
        .filter(|t| t.role == Role::User)
        .map(|t| t.content.as_str())
        .collect()
}

fn all_text(g: &Generated) -> Vec<String> {
    let mut text: Vec<String> = g
        .conversation
        .turns
        .iter()
        .map(|t| t.content.clone())
        .collect();
    text.push(g.golden.final_outcome.rationale.clone());
    text.push(g.conversation.system_prompt.clone().unwrap());
    text.extend(g.golden.graded_turns.iter().flat_map(|g| g.rubric.clone()));
    text
}

#[test]
fn every_kept_scenario_validates_under_schema_4_as_one_global_dataset() {
    let (dataset, golden) = assemble("commerce.global", kept(), &deal(42), INITIAL_VERSION);
    assert_eq!(dataset.conversations.len(), 5376);
    assert_eq!(golden.entries.len(), 5376);
    let schemas = Schemas::load();
    let dataset = serde_json::to_value(&dataset).unwrap();
    let golden = serde_json::to_value(&golden).unwrap();
    assert_eq!(dataset["metadata"]["difficulty"], "mixed");
    let problems = [
        schemas.check(Kind::Dataset, 4, &dataset),
        schemas.check(Kind::Golden, 4, &golden),
    ]
    .concat();
    assert!(
        problems.is_empty(),
        "{:?}",
        &problems[..problems.len().min(5)]
    );
}

#[test]
fn a_single_pair_dataset_has_its_behaviors_difficulty() {
    let scenarios = kept()
        .into_iter()
        .filter(|s| s.domain == Domain::CartManagement && s.behavior == Behavior::UserCorrections);
    let (dataset, _) = assemble(
        "commerce.cart_management.user_corrections",
        scenarios,
        &deal(42),
        INITIAL_VERSION,
    );
    assert_eq!(
        serde_json::to_value(&dataset.metadata.difficulty).unwrap(),
        "hard"
    );
    assert_eq!(dataset.metadata.conversation_count, 72);
}

#[test]
fn every_final_outcome_follows_spec_section_5() {
    for (s, g) in generated(42) {
        assert_eq!(
            g.golden.final_outcome.decision,
            expected_decision(&s),
            "{s}"
        );
        let flags = &g.golden.policy_flags;
        assert_eq!(flags.boundary, s.policy_boundary);
        let disclosures = g
            .golden
            .constraints
            .iter()
            .any(|c| matches!(c, Constraint::MustDisclose { .. }));
        assert_eq!(flags.requires_disclosure, disclosures, "{s}");
        if g.golden.final_outcome.decision == Decision::FulfillWithDisclosure {
            assert!(flags.requires_disclosure, "{s}");
        }
        assert_eq!(
            flags.must_escalate,
            g.golden.final_outcome.decision == Decision::Escalate
        );
        assert_eq!(flags.must_refuse, s.behavior == Behavior::AdversarialTrap);
        let last = g.golden.graded_turns.last().unwrap();
        assert_eq!(
            last.expected_call.name,
            g.golden.final_outcome.decision.id(),
            "{s}"
        );
    }
}

#[test]
fn no_text_has_an_unfilled_slot_or_template_marker() {
    for (s, g) in generated(42) {
        for text in all_text(&g) {
            assert!(
                !text.contains(['{', '}']) && !text.contains("TODO") && !text.trim().is_empty(),
                "{s}: {text}"
            );
        }
    }
}

#[test]
fn each_behavior_has_its_shape() {
    let mut traps: BTreeSet<String> = BTreeSet::new();
    for (s, g) in generated(42) {
        let c = &g.conversation;
        let graded = &g.golden.graded_turns;
        let last = graded.last().unwrap();
        assert_eq!(
            last.turn,
            c.turns.len(),
            "{s}: the last graded turn is the reply under test"
        );
        assert_eq!(
            last.expected_call.name,
            g.golden.final_outcome.decision.id()
        );
        assert_eq!(c.turns.last().unwrap().role, Role::User, "{s}");
        match s.behavior {
            Behavior::HappyPath => assert_eq!(user_turns(c).len(), 1, "{s}"),
            Behavior::ConstraintHeavy => {
                let numbered = c.turns[0]
                    .content
                    .lines()
                    .filter(|l| l.starts_with(|ch: char| ch.is_ascii_digit()))
                    .count();
                assert!(numbered >= 3, "{s}: {numbered} explicit constraints");
            }
            Behavior::Ambiguous => {
                assert_eq!(graded.len(), 2, "{s}: the question and the decision");
                assert_eq!(graded[0].turn, 1, "{s}");
                assert_eq!(
                    graded[0].expected_call.name,
                    coverage::generate::ASK_CLARIFYING_QUESTION,
                    "{s}"
                );
                assert!(g.golden.constraints.contains(&Constraint::MustClarify));
                let opening = &c.turns[0].content;
                assert!(
                    !opening.contains('$'),
                    "{s}: an ambiguous opening names no budget: {opening}"
                );
            }
            Behavior::MultiTurn => assert!(user_turns(c).len() >= 3, "{s}"),
            Behavior::UserCorrections => {
                assert!(c.user_facts.as_ref().unwrap().corrected.is_some(), "{s}");
                assert_eq!(graded.len(), 1, "{s}: the reply after the correction");
                assert!(user_turns(c).len() >= 2);
            }
            Behavior::AdversarialTrap => {
                let trap = g
                    .golden
                    .policy_flags
                    .trap
                    .clone()
                    .expect("an adversarial conversation has a trap");
                assert!(
                    last.rubric.iter().any(|r| r.starts_with("Does not grant")),
                    "{s}"
                );
                let refusals = g
                    .golden
                    .constraints
                    .iter()
                    .filter(|c| matches!(c, Constraint::MustRefuse { .. }))
                    .count();
                assert_eq!(refusals, 1, "{s}: exactly one trap");
                let record = g.golden.trap.as_ref().expect("the trap is recorded");
                assert_eq!(record.kind, trap, "{s}");
                assert_eq!(c.turns[record.turn].role, Role::User, "{s}");
                traps.insert(trap);
            }
        }
        if s.behavior != Behavior::AdversarialTrap {
            assert_eq!(g.golden.policy_flags.trap, None);
        }
    }
    assert_eq!(
        traps.len(),
        FIXTURES.traps.len(),
        "the seed spreads conversations over every trap: {traps:?}"
    );
}

#[test]
fn corrections_end_on_the_corrected_value() {
    for (s, g) in generated(42)
        .into_iter()
        .filter(|(s, _)| s.behavior == Behavior::UserCorrections)
    {
        let users = user_turns(&g.conversation);
        let facts = g.conversation.user_facts.as_ref().unwrap();
        let corrected = facts.corrected.as_ref().unwrap();
        let environment = g.conversation.environment.as_ref().unwrap();
        let (from, to) = match corrected.field {
            CorrectedField::Budget => (
                money(
                    (corrected.from.as_str().unwrap().parse::<f64>().unwrap() * 100.0).round()
                        as u64,
                    "USD",
                ),
                max_price(&g.golden),
            ),
            CorrectedField::PolicyValue => {
                let unit = &environment.policy.unit;
                (
                    quantity(
                        corrected.from.as_str().unwrap().parse::<f64>().unwrap(),
                        unit,
                        "USD",
                    ),
                    quantity(facts.policy_value, unit, "USD"),
                )
            }
            CorrectedField::ItemId => {
                let name = |id: &str| {
                    environment
                        .catalog
                        .iter()
                        .find(|i| i.id == id)
                        .unwrap()
                        .name
                        .clone()
                };
                (name(corrected.from.as_str().unwrap()), name(&facts.item_id))
            }
            CorrectedField::Brand => continue,
        };
        assert!(
            users[0].contains(&from),
            "{s}: first statement {from}: {}",
            users[0]
        );
        assert!(users[1].contains(&to), "{s}: correction {to}: {}", users[1]);
    }
}

fn max_price(entry: &GoldenEntry) -> String {
    entry
        .constraints
        .iter()
        .find_map(|c| match c {
            Constraint::MaxPrice { amount, currency } => {
                Some(money((amount * 100.0).round() as u64, currency))
            }
            _ => None,
        })
        .unwrap()
}

#[test]
fn the_user_states_budget_brand_and_policy_value_but_no_store_fact() {
    for (s, g) in generated(42) {
        let text = user_turns(&g.conversation).join(" ");
        assert!(text.contains(&max_price(&g.golden)), "{s}: budget");
        let facts = g.conversation.user_facts.as_ref().unwrap();
        let environment = g.conversation.environment.as_ref().unwrap();
        let value = quantity(facts.policy_value, &environment.policy.unit, "USD");
        assert!(
            text.contains(&value),
            "{s}: the policy value is stated: {text}"
        );
        if let Some(brand) = &facts.brand {
            assert!(text.contains(brand.as_str()), "{s}: brand");
        }
        let lower = text.to_lowercase();
        for word in ["in stock", "out of stock", "backorder", "restock"] {
            assert!(!lower.contains(word), "{s}: the user states stock: {text}");
        }
    }
}

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_other_words_same_outcomes() {
    let json = |seed| {
        serde_json::to_string(
            &generated(seed)
                .into_iter()
                .map(|(_, g)| (g.conversation, g.golden))
                .collect::<Vec<_>>(),
        )
        .unwrap()
    };
    assert_eq!(json(42), json(42));
    let (a, b) = (generated(42), generated(7));
    let mut reworded = 0;
    for ((s, x), (_, y)) in a.iter().zip(&b) {
        assert_eq!(
            x.golden.final_outcome.decision, y.golden.final_outcome.decision,
            "{s}"
        );
        assert_eq!(
            x.golden.policy_flags.boundary,
            y.golden.policy_flags.boundary
        );
        reworded += usize::from(x.conversation.turns != y.conversation.turns);
    }
    assert!(
        reworded > 5376 * 9 / 10,
        "only {reworded} conversations changed wording"
    );
}

#[test]
fn openings_vary_within_every_domain() {
    let mut openings: BTreeMap<Domain, BTreeSet<String>> = BTreeMap::new();
    for (s, g) in generated(42) {
        openings
            .entry(s.domain)
            .or_default()
            .insert(g.conversation.turns[0].content.clone());
    }
    let counts: Vec<(String, usize)> = openings
        .iter()
        .map(|(d, set)| (d.id().to_owned(), set.len()))
        .collect();
    eprintln!("distinct opening user messages per domain: {counts:?}");
    for (domain, count) in &counts {
        assert!(*count >= 100, "{domain}: only {count} distinct openings");
    }
}

#[test]
fn every_outcome_row_and_decision_is_reached() {
    let reached: BTreeSet<Decision> = generated(42)
        .iter()
        .map(|(_, g)| g.golden.final_outcome.decision)
        .collect();
    assert_eq!(reached.len(), Decision::ALL.len());
    assert_eq!(TAXONOMY.outcomes.len(), FIXTURES.rationales.len());
}

fn snapshot_of(id: &str) -> serde_json::Value {
    let scenario: Scenario = id.parse().unwrap();
    let g = generate(&deal(42), &scenario, &pair_dataset_id(&scenario));
    serde_json::json!({"conversation": g.conversation, "golden": g.golden})
}

#[test]
fn one_conversation_and_golden_per_behavior() {
    for id in [
        "cart_management.happy_path.low.none.in_stock.near_limit",
        "shipping_delivery.constraint_heavy.high.hard.low_stock.within_policy",
        "product_discovery_search.ambiguous.medium.soft.backorder.within_policy",
        "checkout_payments.multi_turn.high.soft.low_stock.near_limit",
        "returns_refunds_exchanges.user_corrections.medium.hard.out_of_stock.near_limit",
        "pricing_offers_promotions.adversarial_trap.medium.none.in_stock.within_policy",
    ] {
        let behavior = id.split('.').nth(1).unwrap();
        insta::assert_json_snapshot!(format!("generated_{behavior}"), snapshot_of(id));
    }
}
