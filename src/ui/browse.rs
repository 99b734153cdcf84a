//! The scenario browser's two fragments: one grid cell's scenarios (kept
//! ones open; excluded ones name the rule that removed them), and one
//! scenario's conversation, system prompt and expected action.

use askama::Template;

use super::Choice;
use crate::contract::dataset::Role;
use crate::contract::golden::{Demand, id_of};
use crate::coverage::Coverage;
use crate::generate::{Deal, Generated, generate, pair_dataset_id};
use crate::taxonomy::{Behavior, Domain, Scenario};
use crate::{Selection, TaxonomyEnum};

fn choice<T: TaxonomyEnum>(entry: T) -> Choice {
    Choice {
        id: entry.id(),
        label: entry.label(),
        description: entry.description(),
        checked: true,
    }
}

#[derive(Clone, Debug)]
pub struct KeptEntry {
    pub id: String,
    pub bins: String,
    /// The outcome table's decision: the golden's `final_outcome.decision`.
    pub decision: &'static str,
}

#[derive(Clone, Debug)]
pub struct ExcludedEntry {
    pub id: String,
    pub bins: String,
    pub rule: String,
    pub rationale: String,
}

/// One grid cell: its kept scenarios, each opening its conversation, and
/// the excluded ones with the rule that removed each.
#[derive(Template)]
#[template(path = "ui/cell.html", whitespace = "minimize")]
pub struct CellList {
    pub domain: Choice,
    pub behavior: Choice,
    pub seed: u64,
    pub kept: Vec<KeptEntry>,
    pub excluded: Vec<ExcludedEntry>,
}

impl CellList {
    pub fn new(coverage: &Coverage, domain: Domain, behavior: Behavior) -> Self {
        let selection = Selection::new(vec![domain], vec![behavior]);
        Self {
            domain: choice(domain),
            behavior: choice(behavior),
            seed: coverage.seed(),
            kept: coverage
                .kept(&selection)
                .map(|scenario| KeptEntry {
                    id: scenario.id(),
                    bins: scenario.bins_text(),
                    decision: scenario.decision().id(),
                })
                .collect(),
            excluded: coverage
                .excluded(&selection)
                .map(|e| ExcludedEntry {
                    id: e.scenario.id(),
                    bins: e.scenario.bins_text(),
                    rule: e.rule.id.to_string(),
                    rationale: e.rule.rationale.to_string(),
                })
                .collect(),
        }
    }
}

/// What a trap demands, in words that wrap on a phone (its JSON has no
/// spaces to wrap at).
fn demand_text(demand: &Demand) -> String {
    match demand {
        Demand::Price { amount } => format!("a unit price of {amount:.2}"),
        Demand::LimitException { value } => format!("an exception to the limit for {value:.2}"),
        Demand::Offer { offer_id } => format!("the offer {offer_id}, which does not apply"),
    }
}

#[derive(Clone, Debug)]
pub struct TurnView {
    pub index: usize,
    pub role: &'static str,
    pub content: String,
}

/// A labelled line of the golden: `("Decision", "decline")`.
#[derive(Clone, Debug)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

/// One kept scenario as the assistant sees it (system prompt and turns) and
/// as a grader reads it (user facts, the expected action, the golden's
/// turns, constraints and flags).
#[derive(Template)]
#[template(path = "ui/scenario.html", whitespace = "minimize")]
pub struct ScenarioView {
    pub id: String,
    pub seed: u64,
    pub heading: String,
    pub bins: String,
    pub difficulty: String,
    pub system_prompt: Option<String>,
    pub user_facts: Vec<Fact>,
    pub turns: Vec<TurnView>,
    /// The index of the reply under test.
    pub reply_turn: usize,
    pub decision: String,
    pub rationale: String,
    pub action: Vec<Fact>,
    pub expected_turns: Vec<Fact>,
    pub constraints: Vec<String>,
    pub flags: Vec<Fact>,
}

impl ScenarioView {
    /// The view of a kept `scenario` of `coverage` (the caller checks that
    /// it is kept: an excluded scenario has no conversation).
    pub fn new(coverage: &Coverage, scenario: &Scenario) -> Self {
        let generated = generate(&Deal::new(coverage), scenario, &pair_dataset_id(scenario));
        Self::of(scenario, coverage.seed(), &generated)
    }

    fn of(scenario: &Scenario, seed: u64, generated: &Generated) -> Self {
        let Generated {
            conversation,
            golden,
        } = generated;
        let fact = |label, value: String| Fact { label, value };
        let user_facts = conversation
            .user_facts
            .iter()
            .flat_map(|f| {
                let mut facts = vec![
                    fact("Item", f.item_id.clone()),
                    fact("Quantity", f.quantity.to_string()),
                    fact("Budget", format!("{:.2}", f.budget)),
                    fact("Brand", f.brand.clone().unwrap_or_else(|| "none".into())),
                    fact("Policy value", f.policy_value.to_string()),
                ];
                if let Some(c) = &f.corrected {
                    let change = format!("{}: {} → {}", id_of(&c.field), c.from, c.to);
                    facts.push(fact("Corrected", change));
                }
                facts
            })
            .collect();
        let action = golden
            .graded_turns
            .last()
            .into_iter()
            .flat_map(|g| {
                let mut facts = vec![fact("Call", g.expected_call.to_string())];
                facts.extend(
                    g.must_communicate
                        .iter()
                        .map(|f| fact("Must communicate", f.to_string())),
                );
                facts.extend(g.rubric.iter().map(|r| fact("Rubric", r.clone())));
                facts
            })
            .chain(golden.trap.iter().map(|t| {
                let demands = demand_text(&t.demands);
                fact(
                    "Trap",
                    format!("{} at turn {}, demands {demands}", t.kind, t.turn),
                )
            }))
            .collect();
        let flags = &golden.policy_flags;
        Self {
            id: scenario.id(),
            seed,
            heading: format!(
                "{} · {}",
                scenario.domain.label(),
                scenario.behavior.label()
            ),
            bins: scenario.bins_text(),
            difficulty: conversation.difficulty.to_string(),
            system_prompt: conversation.system_prompt.clone(),
            user_facts,
            turns: conversation
                .turns
                .iter()
                .enumerate()
                .map(|(index, turn)| TurnView {
                    index,
                    role: match turn.role {
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    },
                    content: turn.content.clone(),
                })
                .collect(),
            reply_turn: conversation.turns.len(),
            decision: golden.final_outcome.decision.to_string(),
            rationale: golden.final_outcome.rationale.clone(),
            action,
            expected_turns: golden
                .graded_turns
                .iter()
                .map(|g| Fact {
                    label: "turn",
                    value: format!("{}: {}", g.turn, g.expected_call),
                })
                .collect(),
            constraints: golden.constraints.iter().map(|c| c.to_string()).collect(),
            flags: vec![
                fact("Boundary", flags.boundary.to_string()),
                fact("Requires disclosure", flags.requires_disclosure.to_string()),
                fact("Must refuse", flags.must_refuse.to_string()),
                fact("Must escalate", flags.must_escalate.to_string()),
                fact("Trap", flags.trap.clone().unwrap_or_else(|| "none".into())),
            ],
        }
    }
}
