//! Guardrails: before anything is written, estimate from the plan what a
//! job will put on disk and hold in memory, and refuse a job over its
//! limits with both figures. The estimate renders a few sample
//! conversations; everything else is counting.

use std::path::Path;

use super::error::JobError;
use super::lines::{LinePair, Units};
use super::plan::Planned;
use crate::generate::Deal;

/// Limits a job must stay within; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guardrails {
    /// The most conversations one job may write (the server sets one).
    pub max_conversations: Option<usize>,
    /// The most memory the estimate may reach, in bytes.
    pub max_memory: Option<u64>,
}

impl Guardrails {
    /// The command line's default: at most half the machine's memory.
    pub fn half_of_memory() -> Self {
        Self {
            max_conversations: None,
            max_memory: machine_memory().map(|bytes| bytes / 2),
        }
    }
}

/// What a job is expected to need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub conversations: usize,
    /// The files' bytes.
    pub output_bytes: u64,
    /// Disk the job needs while it runs: the output and the spilled bodies
    /// it copies from.
    pub disk_bytes: u64,
    /// Peak memory: the process, plus a round of rendered lines per worker.
    pub memory_bytes: u64,
}

/// How many conversations the estimate renders.
const SAMPLES: usize = 24;
/// What the process holds before any line: the compiled tables, the rule
/// engine's answer, buffers (measured: 10-13 MB peak for the default set).
const BASE_MEMORY: u64 = 16 << 20;
/// A document's header and footer (metadata with the tools), per file.
const HEADER_BYTES: u64 = 8 << 10;

/// The estimate for `files`, rendering a few conversations spread over
/// the plan to learn their size.
pub fn estimate(files: &[Planned], deal: &Deal, workers: usize, batch: usize) -> Estimate {
    let conversations: usize = files.iter().map(Planned::conversations).sum();
    let samples: Vec<LinePair> = sample(files, deal);
    let average = match samples.len() {
        0 => 0,
        n => {
            samples
                .iter()
                .map(|(d, g)| (d.len() + g.len() + 2) as u64)
                .sum::<u64>()
                / n as u64
        }
    };
    let largest = samples
        .iter()
        .map(|(d, g)| (d.len() + g.len()) as u64)
        .max()
        .unwrap_or(0);
    let output_bytes = conversations as u64 * average + files.len() as u64 * 2 * HEADER_BYTES;
    Estimate {
        conversations,
        output_bytes,
        disk_bytes: 2 * output_bytes,
        // A round holds workers × batch pairs of lines, twice over while
        // they are handed on; size them by the largest sample.
        memory_bytes: BASE_MEMORY + 2 * (workers.max(1) * batch.max(1)) as u64 * largest,
    }
}

/// Conversations spread evenly over the plan, rendered.
fn sample(files: &[Planned], deal: &Deal) -> Vec<LinePair> {
    let total: usize = files.iter().map(Planned::conversations).sum();
    let step = (total / SAMPLES).max(1);
    let mut picked = Vec::new();
    let mut position = 0;
    for planned in files {
        let units = Units {
            scenarios: &planned.scenarios,
            variants: planned.variants,
            dataset_id: &planned.file.dataset_id,
            deal,
        };
        let count = planned.conversations();
        while position < count && picked.len() < SAMPLES {
            picked.push(units.render(position));
            position += step;
        }
        position = position.saturating_sub(count);
    }
    picked
}

/// Refuses a job whose estimate is over a limit or the free disk.
pub fn check(estimate: &Estimate, limits: &Guardrails, out: &Path) -> Result<(), JobError> {
    if let Some(limit) = limits.max_conversations
        && estimate.conversations > limit
    {
        return Err(JobError::TooManyConversations {
            planned: estimate.conversations,
            limit,
        });
    }
    if let Some(limit) = limits.max_memory
        && estimate.memory_bytes > limit
    {
        return Err(JobError::OverMemory {
            estimate: estimate.memory_bytes,
            limit,
        });
    }
    if let Some(free) = free_disk(out)
        && estimate.disk_bytes > free
    {
        return Err(JobError::OverDisk {
            dir: out.to_owned(),
            needed: estimate.disk_bytes,
            output: estimate.output_bytes,
            free,
        });
    }
    Ok(())
}

/// Bytes an unprivileged writer may still use on the file system of `dir`,
/// or of its nearest existing ancestor when it is not made yet (the check
/// runs before anything is created).
#[cfg(unix)]
fn free_disk(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = dir
        .ancestors()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .find(|p| p.is_dir())?;
    let path = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid C string and `stat` a place statvfs fills
    // in full when it returns 0; it is read only then.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_disk(_: &Path) -> Option<u64> {
    None
}

/// The machine's memory, from /proc/meminfo (Linux); `None` elsewhere.
pub fn machine_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Megabytes for people, one decimal.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
