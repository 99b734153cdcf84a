//! `coverage generate` and `coverage merge`: write the coverage set. Both
//! are a job of the library's; this module only builds the spec, shows
//! progress, cancels the job on Ctrl-C and prints the report.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use comfy_table::{Cell, CellAlignment, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use coverage::DEFAULT_SEED;
use coverage::job::{
    self, CancelToken, Event, FileStatus, Format, GenerateSpec, Guardrails, JobError, JobSpec,
    Layout, RunReport, Shard, Work, WritePolicy,
};

/// Write datasets and goldens: per behavior, per domain and global.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long, default_value = "datasets", value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    selection: super::SelectionArgs,
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
    /// File format: `json` writes one document per file; `jsonl` one
    /// conversation (or golden entry) per line, with the file's
    /// `schema_version` and `metadata` in a sidecar `<name>.meta.json`.
    #[arg(long, default_value = "json", value_name = "FORMAT", value_parser = format_parser())]
    format: Format,
    #[command(flatten)]
    subset: super::subset::SubsetArgs,
    #[command(flatten)]
    write: WriteArgs,
    /// Worker threads; any value gives the same bytes. Default: all cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: Option<u16>,
    /// Write only shard K of N (1 ≤ K ≤ N); combine shards with `coverage merge`.
    #[arg(long, value_name = "K/N", conflicts_with = "strength")]
    shard: Option<Shard>,
    /// Conversations per kept scenario, each a distinct draw of items,
    /// values and wording; ids become `<scenario id>#<k>` when N > 1.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    variants: u32,
    /// Conversations per work unit handed to a worker; any value gives the
    /// same bytes. Memory grows with batch size × workers.
    #[arg(long, value_name = "N", default_value_t = coverage::job::DEFAULT_BATCH, value_parser = clap::value_parser!(u32).range(1..=1_000_000).map(|n| n as usize))]
    batch_size: usize,
}

/// The flags that say what to do about existing files, how big a run may
/// be, and how to report.
#[derive(Debug, Args)]
struct WriteArgs {
    /// Refuse before writing when the run would exceed this many conversations.
    #[arg(long, value_name = "N")]
    max_conversations: Option<usize>,
    /// Refuse before writing when the memory estimate exceeds SIZE: a number
    /// and a unit, e.g. 512MiB, 2GB, 1.5GiB (a bare number is bytes; at
    /// least 1MB). Default: half the machine's memory.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Append JSON lines of metrics (per batch, per file, a summary) to FILE.
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
    /// Replace existing files (a changed dataset gets a new version).
    #[arg(long, conflicts_with = "resume")]
    overwrite: bool,
    /// Finish an interrupted run: keep files already complete and identical.
    #[arg(long)]
    resume: bool,
    /// Write nothing; print what would be written.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl WriteArgs {
    fn guardrails(&self) -> Guardrails {
        let default = Guardrails::half_of_memory();
        Guardrails {
            max_conversations: self.max_conversations,
            max_memory: self.max_memory.or(default.max_memory),
        }
    }

    fn policy(&self) -> WritePolicy {
        match (self.overwrite, self.resume) {
            (true, _) => WritePolicy::Overwrite,
            (_, true) => WritePolicy::Resume,
            _ => WritePolicy::Refuse,
        }
    }
}

/// The smallest `--max-memory`: no run fits in less, so a smaller value is
/// a unit left off (`--max-memory 12` meant 12 GB, not 12 bytes).
const MIN_MEMORY: u64 = 1_000_000;

/// `512MiB`, `2GB`, `1.5GiB`, `1048576`: a number with an optional
/// fraction and an optional unit (none means bytes; case does not matter),
/// of at least [`MIN_MEMORY`].
fn parse_size(text: &str) -> Result<u64, String> {
    let forms = "a size of at least 1MB: a number and a unit B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 512MiB, 2GB, 1.5GiB); a bare number is bytes";
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor: u128 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(format!("invalid size '{text}': expected {forms}")),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |part: &str| -> Option<u128> {
        match part {
            "" => Some(0),
            _ if part.len() > 20 || !part.bytes().all(|b| b.is_ascii_digit()) => None,
            _ => part.parse().ok(),
        }
    };
    let bytes = match (digits(whole), digits(fraction)) {
        (Some(w), Some(f)) if !(whole.is_empty() && fraction.is_empty()) => {
            w * factor + f * factor / 10u128.pow(fraction.len() as u32)
        }
        _ => return Err(format!("invalid size '{text}': expected {forms}")),
    };
    match u64::try_from(bytes) {
        Ok(bytes) if bytes >= MIN_MEMORY => Ok(bytes),
        Ok(_) => Err(format!(
            "invalid size '{text}': below the 1MB minimum; expected {forms}"
        )),
        Err(_) => Err(format!(
            "invalid size '{text}': too large; expected {forms}"
        )),
    }
}

fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::extension))
        .map(|text| text.parse::<Format>().expect("one of the possible values"))
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
            layouts = Layout::ALL.to_vec();
        }
        let concurrency = self
            .concurrency
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let subset = self.subset.spec()?;
        let spec = JobSpec {
            out: self.out,
            work: Work::Generate(GenerateSpec {
                subset,
                selection: self.selection.selection(),
                seed: self.seed,
                layouts,
                format: self.format,
                shard: self.shard,
                variants: self.variants,
            }),
            policy: self.write.policy(),
            dry_run: self.write.dry_run,
            concurrency,
            batch_size: self.batch_size,
            guardrails: self.write.guardrails(),
        };
        run_job(&spec, out, &self.write)
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
    #[command(flatten)]
    write: WriteArgs,
}

impl MergeArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let spec = JobSpec {
            out: self.out,
            work: Work::Merge {
                shards: self.shards,
            },
            policy: self.write.policy(),
            dry_run: self.write.dry_run,
            concurrency: 1,
            batch_size: coverage::job::DEFAULT_BATCH,
            guardrails: self.write.guardrails(),
        };
        run_job(&spec, out, &self.write)
    }
}

/// Runs the job with a progress bar, Ctrl-C and SIGTERM cancelling it.
fn run_job(spec: &JobSpec, out: &mut dyn Write, args: &WriteArgs) -> anyhow::Result<()> {
    let cancel = CancelToken::new();
    let on_signal = cancel.clone();
    // Only this process's one job listens; the handler just asks it to stop.
    let _ = ctrlc::set_handler(move || on_signal.cancel());
    let mut metrics = match &args.metrics {
        Some(path) => Some(super::metrics::Metrics::open(path).map_err(|e| {
            super::UsageError(format!(
                "cannot append metrics to '{}': {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let progress = Progress::new(args.json);
    // Two listeners of one event stream: the bar and the metrics file.
    let result = job::run(spec, &cancel, &mut |event| {
        progress.on(&event);
        if let Some(metrics) = metrics.as_mut() {
            metrics.on(&event);
        }
    });
    progress.finish();
    if let Some(metrics) = metrics {
        metrics.finish()?;
    }
    match result {
        Ok(report) => print_report(out, &report, args.json),
        Err(error) => Err(job_error(error)),
    }
}

/// The job's error, with the hint a command-line user needs.
fn job_error(error: JobError) -> anyhow::Error {
    match error {
        JobError::Cancelled => super::Interrupted.into(),
        JobError::TargetsExist { .. } => super::UsageError(format!(
            "{error}. Pass --overwrite to replace, --resume to finish an interrupted run of the same command, or choose another --out"
        ))
        .into(),
        JobError::Busy { .. } => super::UsageError(format!(
            "{error}. Wait for it to finish, or choose another --out"
        ))
        .into(),
        error if error.is_refusal() => super::UsageError(error.to_string()).into(),
        error => error.into(),
    }
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

    fn on(&self, event: &Event) {
        match event {
            Event::Planned { conversations, .. } => self.0.set_length(*conversations),
            Event::Progress { conversations } => self.0.inc(*conversations),
            _ => {}
        }
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn print_report(out: &mut dyn Write, report: &RunReport, json: bool) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    let (verb, written) = if report.dry_run {
        ("Would write", report.count(FileStatus::WouldWrite))
    } else {
        ("Wrote", report.count(FileStatus::Written))
    };
    let what = if report.shard.is_some() {
        "part pairs"
    } else {
        "dataset/golden pairs"
    };
    let refusing = match report.count(FileStatus::WouldRefuse) {
        0 => String::new(),
        n => format!(
            ", {n} already exist (a real run needs --overwrite, or --resume if they are complete)"
        ),
    };
    let shard = report
        .shard
        .as_ref()
        .map(|s| format!(", shard {s}"))
        .unwrap_or_default();
    writeln!(
        out,
        "{verb} {written} {what} to {}, {} unchanged{refusing}; seed {}, {} format{shard}",
        report.out,
        report.count(FileStatus::Unchanged),
        report.seed,
        report.format,
    )?;
    if report.dry_run {
        for file in &report.files {
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
    for total in &report.layouts {
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
    for exclusion in &report.excluded {
        rules.add_row(vec![Cell::new(&exclusion.rule), right(exclusion.removed)]);
    }
    writeln!(out, "{rules}")?;
    // A subset run writes fewer scenarios than are kept: say how many.
    let written = match &report.manifest.subset {
        Some(subset) => {
            write!(out, "{}", super::subset::summary(subset, report.kept))?;
            format!(
                "{} of the {} kept scenarios written",
                subset.size, report.kept
            )
        }
        None => format!("{} scenarios kept", report.kept),
    };
    writeln!(
        out,
        "{written}. Check the files with: coverage validate {}",
        report.out
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

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_units_fractions_and_bare_bytes() {
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("1.5 gib"), Ok(3 << 29));
        assert_eq!(parse_size("0.5TB"), Ok(500_000_000_000));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
    }

    #[test]
    fn a_size_without_its_unit_or_malformed_is_refused_naming_it() {
        for bad in ["12", "999KB", "976KiB", "0", "0.5MiB"] {
            let error = parse_size(bad).unwrap_err();
            assert!(
                error.starts_with(&format!("invalid size '{bad}': below the 1MB minimum")),
                "{error}"
            );
        }
        for bad in [
            "",
            "MB",
            "1.2.3GB",
            "12 parsecs",
            "-1GB",
            ".",
            "99999999999TiB",
        ] {
            let error = parse_size(bad).unwrap_err();
            assert!(
                error.starts_with(&format!("invalid size '{bad}'")),
                "{error}"
            );
            assert!(error.contains("e.g. 512MiB, 2GB, 1.5GiB"), "{error}");
        }
    }
}
