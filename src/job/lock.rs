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
        options.create(true).truncate(false).write(true);
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
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(JobError::Busy {
                dir: dir.to_owned(),
            }),
            Err(TryLockError::Error(source)) => Err(JobError::Io { path, source }),
        }
    }
}
