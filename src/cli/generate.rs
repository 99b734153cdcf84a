//! `coverage generate` and `coverage merge`: write the coverage set.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use comfy_table::{Cell, CellAlignment, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::run::{Observer, RunError};
use crate::output::{
    FileStatus, Format, GenerateOptions, Layout, Shard, Summary, generate_run, merge_run,
};
use crate::taxonomy::{Behavior, Domain};
use crate::{DEFAULT_SEED, Selection};

/// Write datasets and goldens: per behavior, per domain and global.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long, default_value = "datasets", value_name = "DIR")]
    out: PathBuf,
    /// Only this domain (repeat for more; default: all).
    #[arg(long = "domain", value_name = "ID")]
    domains: Vec<Domain>,
    /// Only this behavior (repeat for more; default: all).
    #[arg(long = "behavior", value_name = "ID")]
    behaviors: Vec<Behavior>,
    /// Write one dataset per (domain, behavior). With none of --split,
    /// --combined, --global, all three are written.
    #[arg(long)]
    split: bool,
    /// Write one combined dataset per domain.
    #[arg(long)]
    combined: bool,
    /// Write one global dataset.
    #[arg(long)]
    global: bool,
    /// Seed for cap picks and phrasing; recorded in every file.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = super::parse_seed, allow_hyphen_values = true)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Replace existing files (a changed dataset gets a new version).
    #[arg(long)]
    overwrite: bool,
    /// Write nothing; print what would be written.
    #[arg(long)]
    dry_run: bool,
    /// Worker threads; any value gives the same bytes. Default: all cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: Option<u16>,
    /// Write only shard K of N (1 ≤ K ≤ N); combine shards with `coverage merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Finish an interrupted run: keep files already complete and identical.
    #[arg(long)]
    resume: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

impl GenerateArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut layouts: Vec<Layout> = [
            (self.split, Layout::Split),
            (self.combined, Layout::Combined),
            (self.global, Layout::Global),
        ]
        .into_iter()
        .filter_map(|(on, layout)| on.then_some(layout))
        .collect();
        if layouts.is_empty() {
            layouts = vec![Layout::Split, Layout::Combined, Layout::Global];
        }
        let concurrency = self
            .concurrency
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let options = GenerateOptions {
            out: self.out,
            selection: Selection::new(self.domains, self.behaviors),
            layouts,
            seed: self.seed,
            format: self.format,
            overwrite: self.overwrite,
            dry_run: self.dry_run,
            concurrency,
            shard: self.shard,
            resume: self.resume,
        };
        install_interrupt_handler();
        let progress = Progress::new(self.json);
        let summary = generate_run(&options, &progress).map_err(run_error);
        progress.finish();
        print_summary(out, &summary?, self.json)
    }
}

/// Merge the outputs of `coverage generate --shard K/N` into final files.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The --out directory of every shard, in any order.
    #[arg(value_name = "SHARD_DIR", required = true)]
    shards: Vec<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "datasets", value_name = "DIR")]
    out: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    overwrite: bool,
    /// Keep files already complete and identical.
    #[arg(long)]
    resume: bool,
    /// Write nothing; print what would be written.
    #[arg(long)]
    dry_run: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

impl MergeArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        install_interrupt_handler();
        let progress = Progress::new(self.json);
        let summary = merge_run(
            &self.out,
            &self.shards,
            self.overwrite,
            self.resume,
            self.dry_run,
            &progress,
        )
        .map_err(run_error);
        progress.finish();
        print_summary(out, &summary?, self.json)
    }
}

fn run_error(error: RunError) -> anyhow::Error {
    match error {
        RunError::Refused(message) => super::UsageError(message).into(),
        RunError::Interrupted => super::Interrupted.into(),
        other => other.into(),
    }
}

/// Ctrl-C and SIGTERM stop writers between lines; temporary files are
/// removed and finished files stay whole.
fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(crate::output::atomic::interrupt);
}

/// A progress bar on a terminal; nothing when output is piped.
struct Progress(ProgressBar);

impl Progress {
    fn new(quiet: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if quiet {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} conversations ({per_sec}, eta {eta})",
            )
            .expect("a valid template"),
        );
        Self(bar)
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Observer for Progress {
    fn planned(&self, conversations: u64) {
        self.0.set_length(conversations);
    }

    fn advanced(&self, conversations: u64) {
        self.0.inc(conversations);
    }
}

fn print_summary(out: &mut dyn Write, summary: &Summary, json: bool) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, summary)?;
        writeln!(out)?;
        return Ok(());
    }
    let count = |status: FileStatus| summary.files.iter().filter(|f| f.status == status).count();
    let verb = if summary.dry_run {
        "Would write"
    } else {
        "Wrote"
    };
    let written = if summary.dry_run {
        count(FileStatus::WouldWrite)
    } else {
        count(FileStatus::Written)
    };
    let what = if summary.shard.is_some() {
        "part pairs"
    } else {
        "dataset/golden pairs"
    };
    writeln!(
        out,
        "{verb} {written} {what} to {}, {} unchanged{}; seed {}, {} format{}",
        summary.out,
        count(FileStatus::Unchanged),
        match count(FileStatus::WouldRefuse) {
            0 => String::new(),
            n => format!(
                ", {n} already exist (a real run needs --overwrite, or --resume if they are complete)"
            ),
        },
        summary.seed,
        match summary.format {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
        },
        summary
            .shard
            .as_ref()
            .map(|s| format!(", shard {s}"))
            .unwrap_or_default()
    )?;
    if summary.dry_run {
        for file in &summary.files {
            writeln!(
                out,
                "  {:<12} {:>5}  {}",
                status_word(file.status),
                file.conversations,
                file.path
            )?;
        }
    }
    let mut layouts = Table::new();
    layouts.load_preset(presets::ASCII_MARKDOWN);
    layouts.set_header(vec!["layout", "files", "conversations"]);
    for total in &summary.layouts {
        let name = match total.layout {
            Layout::Split => "per behavior",
            Layout::Combined => "per domain",
            Layout::Global => "global",
        };
        layouts.add_row(vec![
            Cell::new(name),
            right(total.files),
            right(total.conversations),
        ]);
    }
    writeln!(out, "{layouts}")?;
    let mut rules = Table::new();
    rules.load_preset(presets::ASCII_MARKDOWN);
    rules.set_header(vec!["excluded by rule", "scenarios"]);
    for (rule, removed) in &summary.excluded {
        rules.add_row(vec![Cell::new(rule), right(*removed)]);
    }
    writeln!(out, "{rules}")?;
    writeln!(
        out,
        "{} scenarios kept. Check the files with: coverage validate {}",
        summary.kept, summary.out
    )?;
    Ok(())
}

fn right(n: usize) -> Cell {
    Cell::new(n).set_alignment(CellAlignment::Right)
}

fn status_word(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Written => "written",
        FileStatus::Unchanged => "unchanged",
        FileStatus::WouldWrite => "would write",
        FileStatus::WouldRefuse => "exists",
    }
}
