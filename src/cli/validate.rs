//! `coverage validate`: check datasets and goldens.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use coverage::validate::{Options, validate_paths};

/// Check datasets and goldens against their schemas, their content hashes
/// and each other.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files, or directories searched for *.dataset.json[l] and *.golden.json[l].
    /// Each is checked as one tree: one seed, taxonomy and format.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Problems printed per file; a file's reading stops once it has this
    /// many, and problems found later against other files are counted.
    #[arg(long, value_name = "N", default_value_t = Options::default().problems_per_file)]
    max_problems: usize,
}

impl ValidateArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let options = Options {
            problems_per_file: self.max_problems,
        };
        let report =
            validate_paths(&self.paths, options).map_err(|e| super::UsageError(e.to_string()))?;
        for skipped in &report.skipped {
            eprintln!(
                "warning: skipped {}: {}",
                skipped.path.display(),
                skipped.reason
            );
        }
        for problem in &report.problems {
            writeln!(out, "{problem}")?;
        }
        for (file, more) in &report.omitted {
            if !report.stopped.contains(file) {
                writeln!(out, "{file}: … and {more} more problem{}", plural(*more))?;
            }
        }
        for file in &report.stopped {
            writeln!(
                out,
                "{file}: stopped reading at --max-problems {}; the rest of the file was not checked",
                self.max_problems
            )?;
        }
        if report.files == 0 {
            bail!(super::UsageError(
                "no *.dataset.json[l] or *.golden.json[l] files found".into()
            ));
        }
        let total = report.total_problems();
        if total > 0 {
            bail!(
                "{}{total} problem{} in {} file{}",
                if report.stopped.is_empty() {
                    ""
                } else {
                    "at least "
                },
                plural(total),
                report.files,
                plural(report.files)
            );
        }
        writeln!(out, "{} file{} valid", report.files, plural(report.files))?;
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
