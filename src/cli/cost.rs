//! `coverage cost`: what running the planned datasets against models would
//! cost, from the plan alone (nothing is written).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use comfy_table::{Cell, CellAlignment, Table, presets};

use coverage::contract::report_doc::CostEstimate;
use coverage::cost::{self, CostSpec, Rates};
use coverage::job::Layout;
use coverage::{Coverage, DEFAULT_SEED};

use super::UsageError;

/// Estimate the tokens and cost of running the datasets against models.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Model to price (repeat for more; default: gpt-4o).
    #[arg(long = "model", value_name = "ID")]
    models: Vec<String>,
    /// Rates file (YAML or JSON, or LiteLLM entries; default: the shipped rates).
    #[arg(long, value_name = "FILE")]
    rates: Option<PathBuf>,
    /// Runs of every graded turn.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    trials: u32,
    /// Output tokens per graded turn (default: the reference reply's
    /// tokens, and 100 for the final reply, which has none).
    #[arg(long, value_name = "N")]
    output_tokens: Option<u32>,
    /// Seed the scenarios and conversations are generated with.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = super::parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Conversations per kept scenario, as `generate --variants N` writes
    /// them (every variant is generated and counted).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    variants: u32,
    #[command(flatten)]
    selection: super::SelectionArgs,
    /// Print the estimate as JSON.
    #[arg(long)]
    json: bool,
}

/// The default model of `coverage cost`.
pub use coverage::cost::DEFAULT_MODEL;

/// The rates of `--rates`, or the shipped ones; a bad file is a usage error.
pub fn load_rates(path: Option<&std::path::Path>) -> anyhow::Result<Rates> {
    match path {
        Some(path) => Rates::load(path).map_err(|e| UsageError(e.to_string()).into()),
        None => Ok(Rates::shipped()),
    }
}

impl CostArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let rates = load_rates(self.rates.as_deref())?;
        let models = if self.models.is_empty() {
            vec![DEFAULT_MODEL.to_owned()]
        } else {
            self.models
        };
        let coverage = Coverage::evaluate(self.seed);
        let selection = self.selection.selection();
        let spec = CostSpec {
            models,
            trials: self.trials,
            output_tokens: self.output_tokens,
            layouts: Layout::ALL.to_vec(),
            variants: self.variants,
        };
        let estimate = cost::estimate(&coverage, &selection, &rates, &spec)
            .map_err(|e| UsageError(e.to_string()))?;
        if self.json {
            out.write_all(estimate.to_json().as_bytes())?;
        } else {
            write!(out, "{}", summary(&estimate))?;
        }
        Ok(())
    }
}

/// The human-readable estimate: one table over models and layouts.
pub fn summary(estimate: &CostEstimate) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_MARKDOWN);
    table.set_header(vec![
        "model",
        "tokenizer",
        "layout",
        "files",
        "graded turns",
        "input tokens",
        "output tokens",
        "cost USD",
    ]);
    for model in &estimate.models {
        let tokenizer = model.tokenizer_label();
        for (layout, f) in model.rows() {
            table.add_row(vec![
                Cell::new(&model.model),
                Cell::new(&tokenizer),
                Cell::new(layout),
                Cell::new(f.files).set_alignment(CellAlignment::Right),
                Cell::new(f.graded_turns).set_alignment(CellAlignment::Right),
                Cell::new(f.input_tokens).set_alignment(CellAlignment::Right),
                Cell::new(f.output_tokens).set_alignment(CellAlignment::Right),
                Cell::new(format!("{:.2}", f.cost)).set_alignment(CellAlignment::Right),
            ]);
        }
    }
    let output = match estimate.output_tokens {
        Some(n) => format!("{n} output tokens per graded turn"),
        None => format!(
            "reference replies as output, {} tokens for each final reply",
            estimate.final_reply_tokens
        ),
    };
    format!(
        "{table}\n\n{} trial(s); {output}; rates dated {} ({}). Tokens and cost include every trial.\n",
        estimate.trials, estimate.rates_date, estimate.rates_source
    )
}
