//! The conversation generator: a scenario and a seed in, a conversation and
//! its golden entry out. Deterministic in (scenario, seed): every choice of
//! phrasing is a keyed hash of the seed, the choice's purpose and the
//! scenario id, so one conversation never depends on another and a run can
//! be split across machines.

mod facts;
mod golden;
mod script;
mod text;

use crate::contract::dataset::{Axes, Conversation};
use crate::contract::golden::GoldenEntry;
use crate::taxonomy::Scenario;

pub use text::{money, quantity};

/// One scenario's conversation and the golden entry that grades it.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub conversation: Conversation,
    pub golden: GoldenEntry,
}

/// The conversation and golden entry of `scenario`, for the dataset
/// `dataset_id` (goldens are scoped by dataset).
pub fn generate(scenario: &Scenario, seed: u64, dataset_id: &str) -> Generated {
    let facts = facts::Facts::new(scenario, seed);
    let script = script::write(&facts);
    let golden = golden::entry(&facts, &script, dataset_id);
    let conversation = Conversation {
        id: facts.id.clone(),
        scenario_id: facts.id.clone(),
        domain: scenario.domain,
        behavior: scenario.behavior,
        axes: Axes {
            price_sensitivity: scenario.price_sensitivity,
            brand_bias: scenario.brand_bias,
            availability: scenario.availability,
            policy_boundary: scenario.policy_boundary,
        },
        difficulty: scenario.behavior.difficulty(),
        turns: script.turns,
    };
    Generated {
        conversation,
        golden,
    }
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
