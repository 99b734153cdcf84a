//! One output directory, one writer: a job holds an exclusive lock on
//! `<out>/.coverage.lock` from before it looks at the directory until it
//! ends. The operating system releases it when the job ends, however it
//! ends, so a killed job never leaves a directory locked.
//!
//! The file also holds the [`RunRecord`] of the last job that wrote there
//! (one JSON line, written before its first file), so that `--resume` can
//! refuse to finish a run with other settings than the one it would finish.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::JobError;
use crate::contract::files::{Format, Layout};
use crate::taxonomy::{Behavior, Domain};

/// The lock file's name inside an output directory.
pub const LOCK_FILE: &str = ".coverage.lock";

/// The held lock; dropping it releases the directory.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
    /// What the file held when it was locked: the last writer's record.
    previous: Option<RunRecord>,
}

/// The settings of a job that decide which files it writes, as the lock
/// file keeps them for the next job in the same directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub seed: u64,
    pub format: Format,
    pub layouts: Vec<Layout>,
    pub domains: Vec<Domain>,
    pub behaviors: Vec<Behavior>,
    pub variants: u32,
    pub shard: Option<String>,
}

impl RunRecord {
    /// Each setting that differs in `now`, as the flags that give it:
    /// `"--split (this run: --split --combined --global)"`.
    pub fn differences(&self, now: &Self) -> Vec<String> {
        let flags: [fn(&Self) -> String; 6] = [
            |r| {
                let flags: Vec<String> = r
                    .layouts
                    .iter()
                    .map(|l| format!("--{}", layout_flag(*l)))
                    .collect();
                flags.join(" ")
            },
            |r| format!("--format {}", r.format.extension()),
            |r| ids_flag("--domain", &r.domains, Domain::ALL.len()),
            |r| ids_flag("--behavior", &r.behaviors, Behavior::ALL.len()),
            |r| format!("--seed {} --variants {}", r.seed, r.variants),
            |r| {
                r.shard
                    .as_ref()
                    .map_or("no --shard".to_owned(), |s| format!("--shard {s}"))
            },
        ];
        flags
            .iter()
            .filter_map(|flag| {
                let (then, now) = (flag(self), flag(now));
                (then != now).then(|| format!("{then} (this run: {now})"))
            })
            .collect()
    }
}

fn layout_flag(layout: Layout) -> &'static str {
    match layout {
        Layout::Split => "split",
        Layout::Combined => "combined",
        Layout::Global => "global",
    }
}

fn ids_flag<T: crate::TaxonomyEnum>(flag: &str, items: &[T], all: usize) -> String {
    if items.len() == all {
        return format!("every {}", T::KIND);
    }
    items
        .iter()
        .map(|item| format!("{flag} {}", item.id()))
        .collect::<Vec<_>>()
        .join(" ")
}

impl OutputLock {
    /// Creates `dir` if needed and locks it, or fails at once when another
    /// job holds it.
    pub fn acquire(dir: &Path) -> Result<Self, JobError> {
        let unwritable = |source| JobError::Unwritable {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(unwritable)?;
        let path: PathBuf = dir.join(LOCK_FILE);
        let refuse = |what| JobError::Escape {
            path: path.clone(),
            root: dir.to_owned(),
            what,
        };
        // A link is never followed (it could create a file outside the
        // tree) and nothing but a regular file is opened (a FIFO would
        // block `open` forever).
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if meta.file_type().is_symlink() {
                return Err(refuse(
                    "is a symbolic link; the lock file is never followed",
                ));
            }
            if !meta.is_file() {
                return Err(refuse("is not a regular file; the lock file must be one"));
            }
        }
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).read(true).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = options.open(&path).map_err(|source| {
            // Swapped for a link or a FIFO since the check above.
            if matches!(source.raw_os_error(), Some(libc::ELOOP | libc::ENXIO)) {
                refuse("is a symbolic link or not a regular file; the lock file must be a regular file")
            } else {
                unwritable(source)
            }
        })?;
        if !file.metadata().map_err(unwritable)?.is_file() {
            return Err(refuse("is not a regular file; the lock file must be one"));
        }
        match file.try_lock() {
            Ok(()) => {
                let mut text = String::new();
                // Empty (a run of an older version) or unreadable: no record.
                let previous = (&file)
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| serde_json::from_str(&text).ok());
                Ok(Self {
                    file,
                    path,
                    previous,
                })
            }
            Err(TryLockError::WouldBlock) => Err(JobError::Busy {
                dir: dir.to_owned(),
            }),
            Err(TryLockError::Error(source)) => Err(JobError::Io { path, source }),
        }
    }
}

impl OutputLock {
    /// The record of the last job that wrote to the directory, if any.
    pub fn previous(&self) -> Option<&RunRecord> {
        self.previous.as_ref()
    }

    /// Replaces the record with this job's, synced before its first file
    /// is written.
    pub fn record(&mut self, record: &RunRecord) -> Result<(), JobError> {
        let io = JobError::io(&self.path);
        let mut line = serde_json::to_string(record).expect("records serialize");
        line.push('\n');
        (|| {
            self.file.set_len(0)?;
            self.file.rewind()?;
            self.file.write_all(line.as_bytes())?;
            self.file.sync_data()
        })()
        .map_err(io)
    }
}
