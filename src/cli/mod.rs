//! The `coverage` command line: one type per subcommand, each with `exec`.

mod manifest;
mod show;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, named so scripts and tests can rely on them.
pub mod exit {
    /// Everything asked for was done.
    pub const SUCCESS: u8 = 0;
    /// The work failed (I/O, invalid documents found, …).
    pub const FAILURE: u8 = 1;
    /// The command line named something invalid; nothing was done.
    pub const USAGE: u8 = 2;
}

/// Evaluation datasets for shopping assistants with provably complete coverage.
#[derive(Debug, Parser)]
#[command(name = "coverage", version, about, long_about = None)]
pub struct App {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Manifest(manifest::ManifestArgs),
    Show(show::ShowArgs),
    Validate(validate::ValidateArgs),
}

impl Command {
    fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        match self {
            Self::Manifest(args) => args.exec(out),
            Self::Show(args) => args.exec(out),
            Self::Validate(args) => args.exec(out),
        }
    }
}

/// Parses the command line, runs it and maps the result to an exit code.
pub fn main() -> ExitCode {
    let app = App::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match app.command.exec(&mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        // A closed pipe (`coverage manifest --json | head`) is not a failure.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(exit::SUCCESS),
        Err(error) => {
            eprintln!("error: {error:#}");
            let usage = error.downcast_ref::<UsageError>().is_some();
            ExitCode::from(if usage { exit::USAGE } else { exit::FAILURE })
        }
    }
}

/// The user named something invalid: reported with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
