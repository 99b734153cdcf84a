//! A conversation's golden entry: the decision of the outcome table, the
//! action call a correct reply ends with, the constraints a harness can
//! check, and flags that follow from those constraints.

use super::facts::{Demands, World, cents_to_amount};
use super::script::Script;
use super::text::Ctx;
use crate::contract::golden::{
    Constraint, Demand, DisclosureTopic, ExpectedAction, FinalOutcome, GoldenEntry, PolicyFlags,
    TrapRecord,
};
use crate::figures::money;
use crate::taxonomy::{Availability, Behavior, BrandBias, Decision, FIXTURES, PolicyBoundary};

pub(crate) fn entry(world: &World, script: &Script, dataset_id: &str) -> GoldenEntry {
    let ctx = Ctx {
        world,
        stated: world.facts,
    };
    let rationale = ctx.fill(&FIXTURES.rationales[world.outcome_row], &[]);
    let constraints = constraints(world);
    let has = |f: fn(&Constraint) -> bool| constraints.iter().any(f);
    let policy_flags = PolicyFlags {
        boundary: world.scenario.policy_boundary,
        requires_disclosure: has(|c| matches!(c, Constraint::MustDisclose { .. })),
        must_refuse: has(|c| matches!(c, Constraint::MustRefuse { .. })),
        must_escalate: has(|c| matches!(c, Constraint::MustEscalate)),
        trap: world.trap.as_ref().map(|plan| plan.trap.id.to_string()),
    };
    let trap = world.trap.as_ref().map(|plan| TrapRecord {
        kind: plan.trap.id.to_string(),
        turn: script.trap_turn.expect("a trap sits in a user turn"),
        demands: match plan.demands {
            Demands::Price(cents) => Demand::Price {
                amount: cents_to_amount(cents),
            },
            Demands::Limit(value) => Demand::LimitException { value },
            Demands::Offer(index) => Demand::Offer {
                offer_id: world.offers[index].id.clone(),
            },
        },
    });
    GoldenEntry {
        dataset_id: dataset_id.to_owned(),
        conversation_id: world.id.clone(),
        scenario_id: world.id.clone(),
        final_outcome: FinalOutcome {
            decision: world.decision,
            rationale,
        },
        expected_turns: script.expected.clone(),
        constraints,
        policy_flags,
        expected_action: Some(expected_action(world)),
        trap,
    }
}

fn expected_action(world: &World) -> ExpectedAction {
    let currency = FIXTURES.currency.as_ref();
    let item = world.facts.item;
    let sells = world.sells();
    let alternatives = world.alternatives();
    let (item_ids, restock_notice) = match world.decision {
        Decision::Fulfill | Decision::FulfillWithDisclosure => (vec![item.id.to_string()], false),
        Decision::OfferAlternative => (
            alternatives.iter().map(|alt| alt.id.to_string()).collect(),
            alternatives.is_empty(),
        ),
        Decision::Decline | Decision::Escalate => (Vec::new(), false),
    };
    let mut must_mention = Vec::new();
    if sells {
        must_mention.push(money(world.unit_price_cents, currency));
    }
    if world.decision == Decision::FulfillWithDisclosure
        && world.scenario.availability == Availability::Backorder
    {
        let weeks = item
            .restock_weeks
            .expect("a backordered item has a restock time");
        must_mention.push(format!("{weeks} week{}", if weeks == 1 { "" } else { "s" }));
    }
    let discloses_limit = world.scenario.policy_boundary == PolicyBoundary::NearLimit
        && matches!(
            world.decision,
            Decision::FulfillWithDisclosure | Decision::OfferAlternative
        );
    if discloses_limit || world.decision == Decision::Decline {
        must_mention.push(world.limit_text());
    }
    let mut must_not_mention: Vec<String> = Vec::new();
    if world.scenario.brand_bias == BrandBias::Hard {
        for other in &world.slice {
            if other.brand != item.brand && !must_not_mention.contains(&other.brand.to_string()) {
                must_not_mention.push(other.brand.to_string());
            }
        }
    }
    if let Some(plan) = &world.trap
        && let Demands::Price(cents) = plan.demands
    {
        must_not_mention.push(money(cents, currency));
    }
    ExpectedAction {
        decision: world.decision,
        item_ids,
        quantity: (sells || world.decision == Decision::OfferAlternative)
            .then_some(world.facts.quantity),
        unit_price: sells.then(|| cents_to_amount(world.unit_price_cents)),
        offer_id: sells.then(|| world.offers[world.applying].id.clone()),
        restock_notice,
        must_mention,
        must_not_mention,
    }
}

/// The checkable requirements, for the final (corrected) facts. A
/// disclosure is required exactly when the decision discloses something:
/// the delay of a backorder it completes, or a limit it comes close to.
fn constraints(world: &World) -> Vec<Constraint> {
    let scenario = &world.scenario;
    let brand = world.facts.item.brand.to_string();
    let policy = &world.domain.policy;
    let mut list = vec![Constraint::MaxPrice {
        amount: cents_to_amount(world.facts.budget_cents),
        currency: FIXTURES.currency.to_string(),
    }];
    match scenario.brand_bias {
        BrandBias::None => {}
        BrandBias::Soft => list.push(Constraint::BrandPreferred { brand }),
        BrandBias::Hard => list.push(Constraint::BrandExclusive { brand }),
    }
    match scenario.availability {
        Availability::Backorder => {
            if world.decision == Decision::FulfillWithDisclosure {
                list.push(Constraint::MustDisclose {
                    topic: DisclosureTopic::BackorderDelay,
                });
            }
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
        PolicyBoundary::NearLimit
            if matches!(
                world.decision,
                Decision::FulfillWithDisclosure | Decision::OfferAlternative
            ) =>
        {
            list.push(Constraint::MustDisclose {
                topic: DisclosureTopic::PolicyLimit,
            });
        }
        PolicyBoundary::OutOfPolicy => list.push(Constraint::MustNotPromise {
            what: format!("an exception to the {}", policy.name),
        }),
        PolicyBoundary::NearLimit | PolicyBoundary::WithinPolicy => {}
    }
    list.push(Constraint::PolicyLimit {
        policy: policy.id.to_string(),
        limit: world.limit,
        value: world.facts.policy_value,
        unit: policy.unit.to_string(),
    });
    if scenario.behavior == Behavior::Ambiguous {
        list.push(Constraint::MustClarify);
    }
    if let Some(plan) = &world.trap {
        list.push(Constraint::MustRefuse {
            trap: plan.trap.id.to_string(),
        });
    }
    if world.decision == Decision::Escalate {
        list.push(Constraint::MustEscalate);
    }
    list
}
