//! `coverage show`: one scenario's conversation and golden, for reviewers.

use std::io::Write;

use anyhow::bail;
use clap::Args;

use coverage::contract::dataset::Role;
use coverage::contract::golden::id_of;
use coverage::generate::{Deal, Generated, generate, pair_dataset_id};
use coverage::taxonomy::Scenario;
use coverage::{Coverage, DEFAULT_SEED};

/// Print one scenario's conversation and golden entry.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The scenario, e.g. checkout_payments.multi_turn.high.soft.low_stock.near_limit
    #[arg(value_name = "SCENARIO_ID")]
    scenario: Scenario,
    /// Seed for phrasing choices; recorded in datasets.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = super::parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Print {conversation, golden} as JSON.
    #[arg(long)]
    json: bool,
}

impl ShowArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let coverage = Coverage::evaluate(self.seed);
        if let Some(rule) = coverage.fate(&self.scenario) {
            bail!(super::UsageError(format!(
                "scenario '{}' is excluded by rule '{}' (seed {}): {}",
                self.scenario, rule.id, self.seed, rule.rationale
            )));
        }
        let deal = Deal::new(&coverage);
        let generated = generate(&deal, &self.scenario, &pair_dataset_id(&self.scenario));
        if self.json {
            let both = serde_json::json!({"conversation": generated.conversation, "golden": generated.golden});
            serde_json::to_writer_pretty(&mut *out, &both)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", render(&self.scenario, self.seed, &generated))?;
        }
        Ok(())
    }
}

/// The conversation and golden as plain text.
pub fn render(scenario: &Scenario, seed: u64, generated: &Generated) -> String {
    let Generated {
        conversation,
        golden,
    } = generated;
    let mut text = format!(
        "{}  (seed {seed})\n{} · {} ({})\n{}\n\n",
        scenario,
        scenario.domain.label(),
        scenario.behavior.label(),
        conversation.difficulty,
        scenario.bins_text()
    );
    if let Some(prompt) = &conversation.system_prompt {
        text += "System prompt (the store, as the assistant sees it):\n";
        for line in prompt.lines() {
            text += &format!("  | {line}\n");
        }
        text += "\n";
    }
    if let Some(facts) = &conversation.user_facts {
        text += &format!(
            "User facts (for graders): item {}, quantity {}, budget {:.2}, brand {}, policy value {}\n",
            facts.item_id,
            facts.quantity,
            facts.budget,
            facts.brand.as_deref().unwrap_or("none"),
            facts.policy_value
        );
        if let Some(corrected) = &facts.corrected {
            text += &format!(
                "  corrected {}: {} -> {}\n",
                id_of(&corrected.field),
                corrected.from,
                corrected.to
            );
        }
        text += "\n";
    }
    for (i, turn) in conversation.turns.iter().enumerate() {
        let who = match turn.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        let content = turn.content.replace('\n', "\n                ");
        text += &format!("[{i}] {who:>9}:  {content}\n");
    }
    text += &format!(
        "[{}] assistant:  (reply under test)\n\n",
        conversation.turns.len()
    );
    text += &format!(
        "Final outcome: {} — {}\n",
        golden.final_outcome.decision, golden.final_outcome.rationale
    );
    if let Some(trap) = &golden.trap {
        text += &format!(
            "Trap: {} at turn {}, demands {}\n",
            trap.kind,
            trap.turn,
            serde_json::to_string(&trap.demands).unwrap_or_default()
        );
    }
    text += "Graded turns:\n";
    for graded in &golden.graded_turns {
        text += &format!("  turn {}: {}\n", graded.turn, graded.expected_call);
        let compare: Vec<String> = graded
            .compare
            .iter()
            .map(|(name, how)| format!("{name} {}", id_of(how)))
            .collect();
        text += &format!("    compare: {}\n", compare.join(", "));
        for fact in &graded.must_communicate {
            text += &format!("    must communicate: {fact}\n");
        }
        for fact in &graded.must_not {
            text += &format!("    must not: {fact}\n");
        }
        for line in &graded.rubric {
            text += &format!("    rubric: {line}\n");
        }
    }
    text += "Constraints:\n";
    for constraint in &golden.constraints {
        text += &format!("  - {}\n", constraint);
    }
    let flags = &golden.policy_flags;
    text += &format!(
        "Policy flags: boundary {}, requires_disclosure {}, must_refuse {}, must_escalate {}, trap {}\n",
        flags.boundary,
        flags.requires_disclosure,
        flags.must_refuse,
        flags.must_escalate,
        flags.trap.as_deref().unwrap_or("none")
    );
    text
}
