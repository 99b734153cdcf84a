//! The `coverage` command line: one type per subcommand, each with `exec`.
//! It lives in the binary, outside the library's API: presentation (exit
//! codes, hints, tables) stays at this edge.

mod completions;
mod cost;
mod diff;
mod export;
mod generate;
mod grade;
mod manifest;
mod metrics;
mod report;
mod run;
mod samples;
mod serve;
mod show;
mod subset;
mod taxonomy;
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
    /// The command line named something invalid, or the request was refused
    /// (existing files, an unwritable directory); nothing was written.
    pub const USAGE: u8 = 2;
    /// Stopped by Ctrl-C or SIGTERM; finished files are whole.
    pub const INTERRUPTED: u8 = 130;
}

/// Evaluation datasets for shopping assistants with provably complete coverage.
#[derive(Debug, Parser)]
#[command(name = "coverage", version, about, long_about = None)]
struct App {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Compare(grade::CompareArgs),
    Completions(completions::CompletionsArgs),
    Diff(diff::DiffArgs),
    Export(export::ExportArgs),
    Generate(generate::GenerateArgs),
    Grade(grade::GradeArgs),
    Merge(generate::MergeArgs),
    Manifest(manifest::ManifestArgs),
    Report(report::ReportArgs),
    Run(run::RunArgs),
    Samples(samples::SamplesArgs),
    Cost(cost::CostArgs),
    Serve(serve::ServeArgs),
    Show(show::ShowArgs),
    Taxonomy(taxonomy::TaxonomyArgs),
    Validate(validate::ValidateArgs),
}

impl Command {
    fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        match self {
            Self::Compare(args) => args.exec(out),
            Self::Completions(args) => args.exec(out),
            Self::Diff(args) => args.exec(out),
            Self::Export(args) => args.exec(out),
            Self::Generate(args) => args.exec(out),
            Self::Grade(args) => args.exec(out),
            Self::Merge(args) => args.exec(out),
            Self::Manifest(args) => args.exec(out),
            Self::Report(args) => args.exec(out),
            Self::Run(args) => args.exec(out),
            Self::Samples(args) => args.exec(out),
            Self::Cost(args) => args.exec(out),
            Self::Serve(args) => args.exec(out),
            Self::Show(args) => args.exec(out),
            Self::Taxonomy(args) => args.exec(out),
            Self::Validate(args) => args.exec(out),
        }
    }
}

/// Parses the command line, runs it and maps the result to an exit code.
pub fn main() -> ExitCode {
    let app = App::parse();
    // Buffered: `coverage manifest --json` is megabytes of small writes.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match app.command.exec(&mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        // A closed pipe (`coverage manifest --json | head`) is not a failure.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(exit::SUCCESS),
        Err(error) => {
            // A closed stderr must not turn a clean error into a panic.
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&error));
            let code = if error.downcast_ref::<UsageError>().is_some() {
                exit::USAGE
            } else if error.downcast_ref::<Interrupted>().is_some() {
                exit::INTERRUPTED
            } else {
                exit::FAILURE
            };
            ExitCode::from(code)
        }
    }
}

/// `--domain` and `--behavior`, as every command that takes a selection
/// reads them.
#[derive(Debug, clap::Args)]
pub(crate) struct SelectionArgs {
    /// Only this domain (repeat for more; default: all).
    #[arg(long = "domain", value_name = "ID", long_help = ids_help::<coverage::Domain>(),
          value_parser = IdParser::<coverage::Domain>::default(), hide_possible_values = true)]
    domains: Vec<coverage::Domain>,
    /// Only this behavior (repeat for more; default: all).
    #[arg(long = "behavior", value_name = "ID", long_help = ids_help::<coverage::Behavior>(),
          value_parser = IdParser::<coverage::Behavior>::default(), hide_possible_values = true)]
    behaviors: Vec<coverage::Behavior>,
}

/// Reads a taxonomy id as `FromStr` does (the same message for a bad one)
/// and names the taxonomy's ids as the possible values, so that completion
/// scripts offer them; `--help` lists them in words (`ids_help`), so
/// clap's own list stays hidden.
#[derive(Clone)]
struct IdParser<T>(std::marker::PhantomData<T>);

impl<T> Default for IdParser<T> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T> clap::builder::TypedValueParser for IdParser<T>
where
    T: coverage::TaxonomyEnum + std::str::FromStr + Clone + Send + Sync,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        (|text: &str| text.parse::<T>()).parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            T::IDS
                .iter()
                .map(|&id| clap::builder::PossibleValue::new(id)),
        ))
    }
}

/// `--help` for `--domain` or `--behavior`: what it does and every valid
/// id, read from the compiled taxonomy (`-h` keeps the one-line form).
fn ids_help<T: coverage::TaxonomyEnum>() -> String {
    format!(
        "Only this {kind} (repeat for more; default: all).\n\n\
         Valid {kind}s: {ids}",
        kind = T::KIND,
        ids = T::IDS.join(", ")
    )
}

impl SelectionArgs {
    pub(crate) fn selection(self) -> coverage::Selection {
        coverage::Selection::new(self.domains, self.behaviors)
    }
}

/// `--seed`: a whole number from 0 to [`coverage::MAX_SEED`], the range
/// the HTTP API and the page take too.
pub(crate) fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse()
        .ok()
        .filter(|seed| *seed <= coverage::MAX_SEED)
        .ok_or_else(|| {
            format!(
                "expected a whole number from 0 to {} (2^53 - 1, the largest every JSON reader holds exactly)",
                coverage::MAX_SEED
            )
        })
}

/// The user named something invalid: reported with exit code 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The error and its causes on one line, each cause once: most library
/// errors already quote their cause ("cannot write 'x': No space left on
/// device"), which `{:#}` would print a second time.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let io = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind);
        let json = cause
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind);
        io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// The run was stopped by a signal.
#[derive(Debug)]
pub(crate) struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "interrupted; files written so far are complete, run again with --resume to finish",
        )
    }
}

impl std::error::Error for Interrupted {}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_cause_the_message_already_quotes_is_printed_once() {
        let full = std::io::Error::from_raw_os_error(28);
        let error = anyhow::Error::new(coverage::job::JobError::Io {
            path: "out/a.json".into(),
            source: full,
        });
        let line = one_line(&error);
        assert_eq!(line.matches("No space left on device").count(), 1, "{line}");
        assert!(line.starts_with("out/a.json: "), "{line}");
        let wrapped = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line(&wrapped), "outer: inner");
    }
}
