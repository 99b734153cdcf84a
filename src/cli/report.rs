//! `coverage report`: the coverage report of a selection as an HTML page,
//! CSV files and `report.json`, with the cost estimate of the shipped (or
//! given) rates.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use coverage::cost::{self, CostSpec};
use coverage::job::Layout;
use coverage::report::{self, ReportError};
use coverage::{Coverage, DEFAULT_SEED, subset};

use super::UsageError;

/// Write the coverage report: heatmaps, rule table, t-way coverage, cost.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory to write into (created if missing).
    #[arg(long, default_value = "reports", value_name = "DIR")]
    out: PathBuf,
    /// Seed for cap tie-breaking and generation; recorded in the output.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = super::parse_seed, allow_hyphen_values = true)]
    seed: u64,
    #[command(flatten)]
    selection: super::SelectionArgs,
    #[command(flatten)]
    subset: super::subset::SubsetArgs,
    /// Rates file for the cost table (default: the shipped rates; every
    /// model in the file is priced).
    #[arg(long, value_name = "FILE")]
    rates: Option<PathBuf>,
    /// Runs of every graded turn in the cost table.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    trials: u32,
    /// Replace report files that exist.
    #[arg(long)]
    overwrite: bool,
}

impl ReportArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let rates = super::cost::load_rates(self.rates.as_deref())?;
        let subset_spec = self.subset.spec()?;
        let coverage = Coverage::evaluate(self.seed);
        let selection = self.selection.selection();
        let spec = CostSpec {
            models: rates.models.keys().cloned().collect(),
            trials: self.trials,
            output_tokens: None,
            layouts: Layout::ALL.to_vec(),
            variants: 1,
        };
        let estimate = cost::estimate(&coverage, &selection, &rates, &spec)?;
        let mut doc = report::build(&coverage, &selection, Some(estimate));
        doc.subset = subset_spec.map(|spec| {
            let mut subset = subset::select_in(&coverage, &selection, &spec);
            subset.cost = Some(cost::subset_cost(&coverage, &selection, &subset));
            subset
        });
        let files = report::files(&doc);
        let written = report::write(&self.out, &files, self.overwrite).map_err(|e| match e {
            ReportError::Exists { path } => UsageError(format!(
                "{} exists; pass --overwrite to replace the report",
                path.display()
            ))
            .into(),
            e @ ReportError::NotADirectory { .. } => UsageError(e.to_string()).into(),
            other => anyhow::Error::from(other),
        })?;
        writeln!(
            out,
            "Wrote {} files to {}: {} kept of {} raw scenarios; 2-way coverage {:.2}% ({:.2}% of allowed), \
             3-way {:.2}% ({:.2}% of allowed), {} gaps",
            written.len(),
            self.out.display(),
            doc.totals.kept,
            doc.totals.raw,
            doc.tway[0].coverage * 100.0,
            doc.tway[0].coverage_allowed * 100.0,
            doc.tway[1].coverage * 100.0,
            doc.tway[1].coverage_allowed * 100.0,
            doc.gaps.len()
        )?;
        if let Some(subset) = &doc.subset {
            write!(out, "{}", super::subset::summary(subset, doc.totals.kept))?;
        }
        Ok(())
    }
}
