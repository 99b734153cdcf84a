//! `coverage taxonomy`: the governance chores of a taxonomy change, i.e.
//! refreshing the committed lock after a version bump and writing the
//! generated reference.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use coverage::governance::{GovernanceError, LOCK_COMMAND, LockState, expected_locks};
use coverage::reference::taxonomy_reference;

use super::UsageError;

/// Refresh the taxonomy locks or write the taxonomy reference.
#[derive(Debug, Args)]
pub struct TaxonomyArgs {
    #[command(subcommand)]
    command: TaxonomyCommand,
}

#[derive(Debug, Subcommand)]
enum TaxonomyCommand {
    Lock(LockArgs),
    Docs(DocsArgs),
}

/// Rewrite each `taxonomy/<vertical>/vN.lock` from the taxonomy this binary
/// was built with; run it after bumping `version` (CONTRIBUTING.md).
#[derive(Debug, Args)]
struct LockArgs {
    /// Only check: exit 1 naming every lock that is missing or stale.
    #[arg(long)]
    check: bool,
    /// The repository root the lock paths are relative to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
}

/// Print the Markdown reference of the taxonomy (docs/taxonomy.md):
/// `cargo run -- taxonomy docs > docs/taxonomy.md`.
#[derive(Debug, Args)]
struct DocsArgs {}

impl TaxonomyArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        match self.command {
            TaxonomyCommand::Lock(args) => args.exec(out),
            TaxonomyCommand::Docs(DocsArgs {}) => {
                out.write_all(taxonomy_reference().as_bytes())?;
                Ok(())
            }
        }
    }
}

impl LockArgs {
    fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        if !self.root.is_dir() {
            return Err(UsageError(format!(
                "--root '{}' is not a directory; give the repository root",
                self.root.display()
            ))
            .into());
        }
        let mut stale = Vec::new();
        for lock in expected_locks() {
            if self.check {
                match lock.state(&self.root) {
                    LockState::Current => writeln!(out, "{} is current", lock.file)?,
                    LockState::Stale => stale.push(format!("{} is stale", lock.file)),
                    LockState::Missing => stale.push(format!("{} is missing", lock.file)),
                }
                continue;
            }
            match lock.write(&self.root) {
                Ok(true) => writeln!(out, "wrote {}", lock.file)?,
                Ok(false) => writeln!(out, "{} is current", lock.file)?,
                Err(error @ GovernanceError::Read { .. }) => {
                    return Err(UsageError(error.to_string()).into());
                }
                Err(error) => return Err(error.into()),
            }
        }
        if stale.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("{}; run `{LOCK_COMMAND}`", stale.join(", "))
        }
    }
}
