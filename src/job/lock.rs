//! One output directory, one writer: a job holds an exclusive lock on
//! `<out>/.coverage.lock` from before it looks at the directory until it
//! ends. The operating system releases it when the job ends, however it
//! ends, so a killed job never leaves a directory locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::error::JobError;

/// The lock file's name inside an output directory.
pub const LOCK_FILE: &str = ".coverage.lock";

/// The held lock; dropping it releases the directory.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
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
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(unwritable)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(JobError::Busy {
                dir: dir.to_owned(),
            }),
            Err(TryLockError::Error(source)) => Err(JobError::Io { path, source }),
        }
    }
}
