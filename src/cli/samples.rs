//! `coverage samples`: every graded turn as one self-contained line, ready
//! for `coverage run` or any harness (docs/evaluate.md).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use coverage::DEFAULT_SEED;
use coverage::job::JobError;
use coverage::samples::{SamplesError, SamplesSpec, write_samples};

use super::UsageError;

/// Write samples: one JSON line per graded turn, with its messages, tools
/// and expected call.
#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// Output directory.
    #[arg(long, default_value = "samples", value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    selection: super::SelectionArgs,
    /// Seed of the conversations, as `generate --seed`.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = super::parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Conversations per kept scenario, as `generate --variants`.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    variants: u32,
    #[command(flatten)]
    subset: super::subset::SubsetArgs,
    /// Replace existing samples files.
    #[arg(long)]
    overwrite: bool,
}

impl SamplesArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let spec = SamplesSpec {
            selection: self.selection.selection(),
            seed: self.seed,
            variants: self.variants,
            subset: self.subset.spec()?,
        };
        let report =
            write_samples(&spec, &self.out, self.overwrite).map_err(|error| match error {
                SamplesError::Job(
                    error @ (JobError::TargetsExist { .. }
                    | JobError::Busy { .. }
                    | JobError::Unwritable { .. }),
                ) => anyhow::Error::new(UsageError(format!(
                    "{error}{}",
                    if matches!(error, JobError::TargetsExist { .. }) {
                        " (pass --overwrite to replace them)"
                    } else {
                        ""
                    }
                ))),
                other => other.into(),
            })?;
        writeln!(
            out,
            "{} samples from {} conversations in {} files under {}",
            coverage::figures::thousands(report.samples),
            coverage::figures::thousands(report.conversations),
            report.files.len(),
            self.out.display()
        )?;
        writeln!(
            out,
            "next: coverage run {} --endpoint URL --model NAME --out runs/NAME",
            self.out.display()
        )?;
        Ok(())
    }
}
