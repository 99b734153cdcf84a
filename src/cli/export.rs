//! `coverage export`: samples as the files inspect_ai, promptfoo, OpenAI
//! evals, OpenAI fine-tuning and Hugging Face `datasets` read
//! (docs/exports.md). The work is the library's [`coverage::export`].

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use coverage::export::{DEFAULT_PROVIDER, ExportError, ExportSpec, Target, export};

use super::UsageError;

/// Export samples for a harness: inspect, promptfoo, openai-evals,
/// openai-chat or hf.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Samples files, or directories of them (written by `coverage samples`).
    #[arg(value_name = "SAMPLES", required = true, num_args = 1..)]
    samples: Vec<PathBuf>,
    /// The harness: inspect, promptfoo, openai-evals, openai-chat or hf.
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    to: Target,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// promptfoo only: the provider the config names.
    #[arg(long, value_name = "ID")]
    provider: Option<String>,
    /// Replace existing files.
    #[arg(long)]
    overwrite: bool,
}

fn parse_target(text: &str) -> Result<Target, String> {
    text.parse()
        .map_err(|e: coverage::export::UnknownTarget| e.to_string())
}

impl ExportArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        if self.provider.is_some() && self.to != Target::Promptfoo {
            return Err(UsageError(format!(
                "--provider names promptfoo's provider; it does nothing with --to {}",
                self.to
            ))
            .into());
        }
        let spec = ExportSpec {
            samples: self.samples,
            target: self.to,
            out: self.out.clone(),
            overwrite: self.overwrite,
            provider: self.provider.unwrap_or_else(|| DEFAULT_PROVIDER.to_owned()),
        };
        let report = export(&spec).map_err(|error| match error {
            ExportError::Job(error) if error.is_refusal() => {
                let hint = if matches!(error, coverage::job::JobError::TargetsExist { .. }) {
                    " (pass --overwrite to replace them)"
                } else {
                    ""
                };
                anyhow::Error::new(UsageError(format!("{error}{hint}")))
            }
            error @ (ExportError::Samples(_)
            | ExportError::Empty
            | ExportError::MixedTools { .. }) => UsageError(error.to_string()).into(),
            other => other.into(),
        })?;
        writeln!(
            out,
            "{} samples exported for {} under {}",
            coverage::figures::thousands(report.samples),
            spec.target,
            spec.out.display()
        )?;
        let next = match spec.target {
            // From the export's directory: inspect cannot glob an
            // absolute task path, and promptfoo's file:// paths are the
            // config's neighbours either way.
            Target::Inspect => format!(
                "cd {} && inspect eval coverage_task.py --model openai/gpt-4o-mini",
                spec.out.display()
            ),
            Target::Promptfoo => format!(
                "cd {} && promptfoo eval -c promptfooconfig.yaml -o results.json",
                spec.out.display()
            ),
            Target::OpenaiEvals => format!(
                "oaieval gpt-4o-mini coverage --registry_path {}",
                spec.out.display()
            ),
            Target::OpenaiChat => format!(
                "upload {} as a fine-tuning file",
                spec.out.join("chat.jsonl").display()
            ),
            Target::Hf => format!(
                "python -c 'import datasets; print(datasets.load_dataset(\"{}\", split=\"test\"))'",
                spec.out.display()
            ),
        };
        writeln!(out, "next: {next}")?;
        Ok(())
    }
}
