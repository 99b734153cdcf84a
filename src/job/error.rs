//! Why a job stopped, as data: what was wrong and what is valid, in no
//! front end's words. The CLI maps these to exit codes and hints; the
//! server maps them to HTTP statuses.

use std::io;
use std::path::PathBuf;

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Targets exist and the write policy forbids replacing them; nothing
    /// was written.
    #[error("{} already exist{}; nothing was written", list(.paths), if .paths.len() == 1 { "s" } else { "" })]
    TargetsExist { paths: Vec<PathBuf> },
    /// `--resume` in a directory whose last run had other settings: it
    /// would write files that run never planned. Nothing was written.
    #[error("cannot resume in '{}': the run there had {}; resume with that run's flags, or pass --overwrite to replace its files, or choose another --out; nothing was written", .dir.display(), .differences.join(" and "))]
    ResumeMismatch {
        dir: PathBuf,
        differences: Vec<String>,
    },
    /// Another job holds the output directory.
    #[error("output directory '{}' is in use by another coverage run; nothing was written", .dir.display())]
    Busy { dir: PathBuf },
    /// A directory the job must write to cannot take files; nothing was written.
    #[error("cannot write to '{}': {source}; nothing was written", .path.display())]
    Unwritable { path: PathBuf, source: io::Error },
    /// A path under the output or shard directory is a symbolic link or not
    /// a directory where one is needed; the job does not follow it.
    #[error("'{}' {what}; coverage reads and writes only real files and directories under '{}'", .path.display(), .root.display())]
    Escape {
        path: PathBuf,
        root: PathBuf,
        what: &'static str,
    },
    /// The shard directories given to a merge are not every shard of one
    /// run, or one of them is damaged.
    #[error("{0}")]
    Shards(#[from] ShardError),
    /// A covering subset was asked of a shard: a merge would not know the
    /// subset, so the two do not combine.
    #[error(
        "a covering subset (strength {strength}) cannot be sharded: generate the subset on one machine; nothing was written"
    )]
    SubsetWithShard { strength: usize },
    /// The plan holds more conversations than the job may write.
    #[error(
        "the run would write {planned} conversations, over the limit of {limit}; nothing was written"
    )]
    TooManyConversations { planned: usize, limit: usize },
    /// The memory estimate is over the limit.
    #[error("the run is estimated to need {} of memory, over the limit of {}; nothing was written", super::guard::megabytes(*.estimate), super::guard::megabytes(*.limit))]
    OverMemory { estimate: u64, limit: u64 },
    /// The disk under the output directory has less room than the run needs.
    #[error("the run needs about {} under '{}' ({} of output and a spilled copy while writing) but {} are free; nothing was written", super::guard::megabytes(*.needed), .dir.display(), super::guard::megabytes(*.output), super::guard::megabytes(*.free))]
    OverDisk {
        dir: PathBuf,
        needed: u64,
        output: u64,
        free: u64,
    },
    /// The job's cancellation handle was triggered; every file written so
    /// far is complete and no temporary file is left.
    #[error("cancelled; files written so far are complete")]
    Cancelled,
    /// Reading or writing failed.
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl JobError {
    /// The request could not be carried out as asked, and nothing was
    /// written: the caller asked for something invalid or conflicting.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Cancelled | Self::Io { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// What is wrong with a set of shard directories.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("no shard directories given")]
    NoneGiven,
    #[error("'{}' holds {found} shard manifests; expected one {vertical}/shard-K-of-N.json (the --out of one `coverage generate --shard K/N`)", .dir.display())]
    NotOneManifest {
        dir: PathBuf,
        found: usize,
        vertical: &'static str,
    },
    #[error("'{}' is not a shard manifest: {reason}", .path.display())]
    BadManifest { path: PathBuf, reason: String },
    #[error("'{}' (shard {shard}) is from another run than shard {first}: seed, selection, format or taxonomy differ", .dir.display())]
    OtherRun {
        dir: PathBuf,
        shard: String,
        first: String,
    },
    #[error("'{}' was generated from another taxonomy or fixtures than this binary's", .dir.display())]
    OtherTaxonomy { dir: PathBuf },
    #[error("shards {given} of {count} given; merge needs each of 1..={count} exactly once")]
    Incomplete { given: String, count: usize },
    #[error("shard {shard}: '{}' is missing or does not match its shard manifest; re-run that shard", .path.display())]
    DamagedPart { shard: String, path: PathBuf },
    #[error("shard parts hold {found} of the {expected} conversations of {dataset_id}")]
    ShortParts {
        dataset_id: String,
        found: usize,
        expected: usize,
    },
}

/// Invalid text for a shard: `K/N` with 1 ≤ K ≤ N.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard '{0}': expected K/N with 1 ≤ K ≤ N, e.g. 2/4")]
pub struct InvalidShard(pub String);

fn list(paths: &[PathBuf]) -> String {
    match paths {
        [] => "no files".into(),
        [one] => format!("{}", one.display()),
        [first, rest @ ..] => format!(
            "{} and {} more file{}",
            first.display(),
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}
