//! Generation as a library of jobs. A [`JobSpec`] says what to make and
//! where; [`run`] carries it out on the calling thread and [`spawn`] on a
//! thread of its own. Either way the job tells its listener typed
//! [`Event`]s, stops when its own [`CancelToken`] is triggered (leaving
//! only complete files), and ends with a [`RunReport`] or a typed
//! [`JobError`]. Several jobs may run in one process; each output
//! directory takes one writer at a time.
//!
//! Inside, dependencies run one way: `run` plans a job and hands it to
//! `target`, the one hash/decide/write path shared by one-machine runs,
//! shard runs and merges; `target` reads lines from a `source` (the
//! generator, or shard parts) and writes `document`s through `atomic`
//! files at the versions `versioning` decides.

mod atomic;
mod document;
mod error;
mod guard;
mod lines;
mod lock;
mod plan;
mod run;
mod shard;
mod source;
mod target;
pub mod versioning;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

pub use atomic::{AtomicFile, JobTag, TEMP_PREFIX};
pub use document::sidecar_of;
pub use error::{InvalidShard, JobError, ShardError};
pub use guard::{Estimate, Guardrails, machine_memory};
pub use lines::{DEFAULT_BATCH, LineHasher};
pub use lock::{LOCK_FILE, OutputLock, RunRecord};
pub use plan::{OutputFile, Planned, conversations, plan, planned_files};
pub use run::{StartedJob, run, start};
pub use shard::Shard;

pub use crate::contract::event::Event;
pub use crate::contract::files::{Format, Layout};
pub use crate::contract::report::{FileReport, FileStatus, RunReport};
use crate::coverage::Selection;

/// What a job makes and where.
#[derive(Clone, Debug)]
pub struct JobSpec {
    /// The output directory; the job locks it while it runs.
    pub out: PathBuf,
    pub work: Work,
    /// What to do about files that exist already.
    pub policy: WritePolicy,
    /// Write nothing (not even the lock); report what would happen.
    pub dry_run: bool,
    /// Worker threads; any value gives the same bytes.
    pub concurrency: usize,
    /// Conversations per work unit handed to a worker; any value gives
    /// the same bytes. Memory is bounded by batch size × workers.
    pub batch_size: usize,
    /// Limits checked before anything is written.
    pub guardrails: Guardrails,
}

/// The two kinds of job.
#[derive(Clone, Debug)]
pub enum Work {
    /// Generate the files of a selection, or one shard's part of them.
    Generate(GenerateSpec),
    /// Combine the output directories of every shard of one run into the
    /// files a one-machine run writes.
    Merge { shards: Vec<PathBuf> },
}

#[derive(Clone, Debug)]
pub struct GenerateSpec {
    pub selection: Selection,
    pub seed: u64,
    pub layouts: Vec<Layout>,
    pub format: Format,
    pub shard: Option<Shard>,
    /// Conversations per kept scenario, each a distinct draw (1: the
    /// scenario ids themselves; more: ids `<scenario id>#<k>`).
    pub variants: u32,
    /// Write only a covering subset of the kept scenarios; the manifest
    /// keeps listing the whole kept set, with the subset in its `subset`
    /// section. Not with `shard`.
    pub subset: Option<crate::subset::SubsetSpec>,
}

impl GenerateSpec {
    /// Every domain and behavior, every layout, JSON, one machine.
    pub fn full(seed: u64) -> Self {
        Self {
            selection: Selection::all(),
            seed,
            layouts: Layout::ALL.to_vec(),
            format: Format::Json,
            shard: None,
            variants: 1,
            subset: None,
        }
    }
}

/// What to do about target files that exist already.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WritePolicy {
    /// Refuse before writing anything when any target exists.
    #[default]
    Refuse,
    /// Replace them (identical content keeps its version).
    Overwrite,
    /// Finish an interrupted job: keep files that are complete and
    /// identical to what this job would write; refuse when any other
    /// differs.
    Resume,
}

/// Asks one job to stop. Clones share the request; a job checks it
/// between conversations, removes its temporary files and returns
/// [`JobError::Cancelled`].
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once cancelled.
    pub fn check(&self) -> Result<(), JobError> {
        if self.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// A job running on its own thread.
pub struct Job {
    cancel: CancelToken,
    events: mpsc::Receiver<Event>,
    thread: JoinHandle<Result<RunReport, JobError>>,
}

/// Starts `spec` on a new thread.
pub fn spawn(spec: JobSpec) -> Job {
    let cancel = CancelToken::new();
    let (sender, events) = mpsc::channel();
    let token = cancel.clone();
    let thread = std::thread::spawn(move || {
        // A listener that went away does not stop the job.
        run(&spec, &token, &mut |event| {
            let _ = sender.send(event);
        })
    });
    Job {
        cancel,
        events,
        thread,
    }
}

impl Job {
    /// The job's own cancellation handle.
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The job's events as they happen; the iterator ends when the job does.
    pub fn events(&self) -> mpsc::Iter<'_, Event> {
        self.events.iter()
    }

    /// Waits for the job and returns its report.
    pub fn wait(self) -> Result<RunReport, JobError> {
        self.thread.join().expect("a job thread panicked")
    }
}
