//! The conversation generator: a scenario and the run's [`Deal`] in, a
//! conversation and its golden entry out. Deterministic in (seed, scenario,
//! variant): every choice comes from a ChaCha8 generator seeded by a
//! SHA-256 of the three (see `rng`), and the item dealt to a scenario
//! depends only on the kept set of the seed, so one conversation never
//! depends on another and a run can be split across machines. The caller
//! evaluates the [`crate::Coverage`] once and makes the deal from it.
//!
//! Each conversation has two worlds (spec `scenario-content.md`): the
//! store's `environment` and `system_prompt`, and the customer's
//! `user_facts`; the user's words state only the latter.
//! [`crate::content_check`] verifies one conversation and its golden entry
//! against the spec; the generator does not depend on it.

mod calendar;
mod deal;
mod facts;
mod golden;
mod rng;
mod script;
mod text;
mod tools;

use serde_json::json;

use crate::contract::dataset::{Axes, Conversation, Corrected, CorrectedField};
use crate::contract::golden::GoldenEntry;
use crate::taxonomy::Scenario;

pub use deal::Deal;
pub use tools::{ASK_CLARIFYING_QUESTION, system_prompt, tools};

/// One scenario's conversation and the golden entry that grades it.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub conversation: Conversation,
    pub golden: GoldenEntry,
}

/// The conversation and golden entry of `scenario` in the run of `deal`,
/// for the dataset `dataset_id` (goldens are scoped by dataset): variant 0.
pub fn generate(deal: &Deal, scenario: &Scenario, dataset_id: &str) -> Generated {
    generate_variant(deal, scenario, 0, dataset_id)
}

/// The id of variant `variant` of `scenario` in a run of `variants` per
/// scenario: the scenario id alone for one variant, else `<id>#<variant>`.
pub fn conversation_id(scenario: &Scenario, variant: u32, variants: u32) -> String {
    match variants {
        1 => scenario.id(),
        _ => format!("{}#{variant}", scenario.id()),
    }
}

/// Variant `variant` of `scenario` as a run of `variants` per scenario
/// writes it: [`generate_variant`], with the conversation id numbered when
/// there is more than one. Variant k is the same whatever `variants` is,
/// but for that id.
pub fn generate_in_run(
    deal: &Deal,
    scenario: &Scenario,
    variant: u32,
    variants: u32,
    dataset_id: &str,
) -> Generated {
    let mut generated = generate_variant(deal, scenario, variant, dataset_id);
    if variants > 1 {
        let id = conversation_id(scenario, variant, variants);
        generated.conversation.id.clone_from(&id);
        generated.golden.conversation_id = id;
    }
    generated
}

/// Like [`generate`], for another draw of the same scenario: `variant`
/// changes the items, values and wording, never the scenario's bins.
pub fn generate_variant(
    deal: &Deal,
    scenario: &Scenario,
    variant: u32,
    dataset_id: &str,
) -> Generated {
    let mut world = facts::World::new(deal, scenario, variant);
    let script = script::write(&mut world);
    let golden = golden::entry(&world, &script, dataset_id);
    let environment = world.environment();
    let mut user_facts = world.user_facts();
    // One JSON type per field in every row (spec §8): both sides are
    // strings, whatever the field.
    let corrected = |field, from: String, to: String| Corrected {
        field,
        from: json!(from),
        to: json!(to),
    };
    let brand = |brand: Option<&str>| brand.unwrap_or("none").to_owned();
    user_facts.corrected = world.wrong.map(|wrong| match wrong {
        facts::Wrong::Budget(cents) => corrected(
            CorrectedField::Budget,
            amount_text(cents),
            amount_text(world.facts.budget_cents),
        ),
        facts::Wrong::Brand(bias) => corrected(
            CorrectedField::Brand,
            brand(world.brand_of(bias)),
            brand(user_facts.brand.as_deref()),
        ),
        facts::Wrong::PolicyValue(value) => corrected(
            CorrectedField::PolicyValue,
            value.to_string(),
            user_facts.policy_value.to_string(),
        ),
        facts::Wrong::Item(item) => corrected(
            CorrectedField::ItemId,
            item.id.to_string(),
            user_facts.item_id.clone(),
        ),
    });
    let conversation = Conversation {
        id: world.id.clone(),
        scenario_id: world.id.clone(),
        domain: scenario.domain,
        behavior: scenario.behavior,
        axes: Axes::of(scenario),
        difficulty: scenario.behavior.difficulty(),
        system_prompt: Some(system_prompt(&environment, scenario)),
        environment: Some(environment),
        user_facts: Some(user_facts),
        turns: script.turns,
    };
    Generated {
        conversation,
        golden,
    }
}

/// An amount of cents as `user_facts` states money: `155.00`.
fn amount_text(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The dataset id of a (domain, behavior) pair's own dataset.
pub fn pair_dataset_id(scenario: &Scenario) -> String {
    format!(
        "{}.{}.{}",
        crate::taxonomy::VERTICAL,
        scenario.domain.id(),
        scenario.behavior.id()
    )
}
