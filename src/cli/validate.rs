//! `coverage validate`: check datasets and goldens.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::validate::validate_paths;

/// Check datasets and goldens against their schemas, and each golden against its dataset.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files, or directories searched for *.dataset.json and *.golden.json.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
}

impl ValidateArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let (problems, files) = validate_paths(&self.paths).map_err(super::UsageError)?;
        for problem in &problems {
            writeln!(out, "{problem}")?;
        }
        if files == 0 {
            bail!(super::UsageError(
                "no *.dataset.json or *.golden.json files found".into()
            ));
        }
        if !problems.is_empty() {
            bail!(
                "{} problem{} in {files} file{}",
                problems.len(),
                plural(problems.len()),
                plural(files)
            );
        }
        writeln!(out, "{files} file{} valid", plural(files))?;
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
