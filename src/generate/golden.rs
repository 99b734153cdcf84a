//! A conversation's golden entry: the decision of the outcome table, the
//! constraints a harness can check, and the policy flags.

use super::facts::Facts;
use super::script::Script;
use super::text::fill;
use crate::contract::golden::{
    Constraint, DisclosureTopic, FinalOutcome, GoldenEntry, PolicyFlags,
};
use crate::taxonomy::{Availability, Behavior, BrandBias, Decision, FIXTURES, PolicyBoundary};

pub(crate) fn entry(facts: &Facts, script: &Script, dataset_id: &str) -> GoldenEntry {
    let rationale = fill(&FIXTURES.rationales[facts.outcome_row], facts, &[]);
    GoldenEntry {
        dataset_id: dataset_id.to_owned(),
        conversation_id: facts.id.clone(),
        scenario_id: facts.id.clone(),
        final_outcome: FinalOutcome {
            decision: facts.decision,
            rationale,
        },
        expected_turns: script.expected.clone(),
        constraints: constraints(facts, script),
        policy_flags: PolicyFlags {
            boundary: facts.scenario.policy_boundary,
            requires_disclosure: facts.decision == Decision::FulfillWithDisclosure,
            must_refuse: script.trap.is_some(),
            must_escalate: facts.decision == Decision::Escalate,
            trap: script.trap.map(|trap| trap.id.to_string()),
        },
    }
}

/// The checkable requirements, always for the scenario's true (corrected)
/// values.
fn constraints(facts: &Facts, script: &Script) -> Vec<Constraint> {
    let scenario = &facts.scenario;
    let brand = facts.item.brand.to_string();
    let policy = facts.policy();
    let mut list = vec![Constraint::MaxPrice {
        amount: facts.budget_cents() as f64 / 100.0,
        currency: FIXTURES.currency.to_string(),
    }];
    match scenario.brand_bias {
        BrandBias::None => {}
        BrandBias::Soft => list.push(Constraint::BrandPreferred { brand }),
        BrandBias::Hard => list.push(Constraint::BrandExclusive { brand }),
    }
    match scenario.availability {
        Availability::Backorder => {
            list.push(Constraint::MustDisclose {
                topic: DisclosureTopic::BackorderDelay,
            });
            list.push(Constraint::MustNotPromise {
                what: "delivery before the restock date".into(),
            });
        }
        Availability::OutOfStock => list.push(Constraint::MustNotPromise {
            what: "that the item can ship now".into(),
        }),
        Availability::InStock | Availability::LowStock => {}
    }
    match scenario.policy_boundary {
        PolicyBoundary::NearLimit => list.push(Constraint::MustDisclose {
            topic: DisclosureTopic::PolicyLimit,
        }),
        PolicyBoundary::OutOfPolicy => list.push(Constraint::MustNotPromise {
            what: format!("an exception to the {}", policy.name),
        }),
        PolicyBoundary::WithinPolicy => {}
    }
    list.push(Constraint::PolicyLimit {
        policy: policy.id.to_string(),
        limit: policy.limit,
        value: facts.policy_value(),
        unit: policy.unit.to_string(),
    });
    if scenario.behavior == Behavior::Ambiguous {
        list.push(Constraint::MustClarify);
    }
    if let Some(trap) = script.trap {
        list.push(Constraint::MustRefuse {
            trap: trap.id.to_string(),
        });
    }
    if facts.decision == Decision::Escalate {
        list.push(Constraint::MustEscalate);
    }
    list
}
