//! `coverage cost`: what running the planned datasets against models would
//! cost, from the plan alone (nothing is written).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use comfy_table::{Cell, CellAlignment, Table, presets};

use coverage::contract::report_doc::{CostEstimate, CostFigures};
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
    /// Also price every layout `generate` writes (per behavior, per domain,
    /// global), each a full pass over the same conversations, and their
    /// total. Default: one pass over the unique conversations.
    #[arg(long)]
    all_layouts: bool,
    /// Print the estimate as JSON (it always holds `one_pass`, every
    /// layout and their total).
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
            write!(out, "{}", summary(&estimate, self.all_layouts))?;
        }
        Ok(())
    }
}

/// The human-readable estimate: one pass over the unique conversations
/// per model, then, with `all_layouts`, every layout and their total.
pub fn summary(estimate: &CostEstimate, all_layouts: bool) -> String {
    let header = |first: &[&'static str]| {
        let mut table = Table::new();
        table.load_preset(presets::ASCII_MARKDOWN);
        let mut columns = vec!["model", "tokenizer"];
        columns.extend(first);
        columns.extend(["graded turns", "input tokens", "output tokens", "cost USD"]);
        table.set_header(columns);
        table
    };
    let right = |n: String| Cell::new(n).set_alignment(CellAlignment::Right);
    let figures = |f: &CostFigures| {
        [
            right(f.graded_turns.to_string()),
            right(f.input_tokens.to_string()),
            right(f.output_tokens.to_string()),
            right(format!("{:.2}", f.cost)),
        ]
    };
    let mut one_pass = header(&["conversations"]);
    for model in &estimate.models {
        let mut row = vec![
            Cell::new(&model.model),
            Cell::new(model.tokenizer_label()),
            right(model.one_pass.conversations.to_string()),
        ];
        row.extend(figures(&model.one_pass));
        one_pass.add_row(row);
    }
    let Some(first) = estimate.models.first() else {
        return String::new();
    };
    let unique = first.one_pass.conversations;
    let layouts: Vec<String> = first
        .layouts
        .iter()
        .map(|l| {
            let files = l.figures.files;
            let s = if files == 1 { "" } else { "s" };
            format!("{} ({files} file{s})", l.layout.id())
        })
        .collect();
    let mut text = format!(
        "One pass over the {unique} unique conversations, each graded turn run {} time(s):\n{one_pass}\n\n",
        estimate.trials
    );
    if all_layouts {
        let mut table = header(&["layout", "files", "conversations"]);
        for model in &estimate.models {
            for (layout, f) in model.rows() {
                let mut row = vec![
                    Cell::new(&model.model),
                    Cell::new(model.tokenizer_label()),
                    Cell::new(layout),
                    right(f.files.to_string()),
                    right(f.conversations.to_string()),
                ];
                row.extend(figures(f));
                table.add_row(row);
            }
        }
        text += &format!(
            "Every layout, each a full pass over the same {unique} conversations, and their total:\n{table}\n\n"
        );
    } else if layouts.len() > 1 {
        text += &format!(
            "`generate` writes each of them once in every layout: {}; running every layout would cost {} times as much (--all-layouts prices each).\n\n",
            layouts.join(", "),
            layouts.len()
        );
    }
    let output = match estimate.output_tokens {
        Some(n) => format!("{n} output tokens per graded turn"),
        None => format!(
            "reference replies as output, {} tokens for each final reply",
            estimate.final_reply_tokens
        ),
    };
    text += &format!(
        "{} trial(s); {output}; rates dated {} ({}). Tokens and cost include every trial.\n",
        estimate.trials, estimate.rates_date, estimate.rates_source
    );
    text
}
