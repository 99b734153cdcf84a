//! The committed locks of the taxonomies this crate was built with, and
//! refreshing them. `build.rs` computes each lock as it should read now
//! (with `coverage-core`, the code that also checks them); this module
//! compares and writes them, for `coverage taxonomy lock`.

use std::path::Path;

use sha2::{Digest, Sha256};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/locks.rs"));
}

/// The command that rewrites the locks, as messages name it.
pub const LOCK_COMMAND: &str = "cargo run -- taxonomy lock";

/// One taxonomy's lock as it should read for the build that is running.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedLock {
    /// Relative to the repository root, e.g. `taxonomy/commerce/v1.lock`.
    pub file: &'static str,
    pub text: &'static str,
    /// The files it records and their `sha256:` hashes at build time.
    pub sources: &'static [(&'static str, &'static str)],
}

/// How the committed lock compares with the expected one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockState {
    Current,
    Stale,
    Missing,
}

#[derive(Debug, thiserror::Error)]
pub enum GovernanceError {
    #[error(
        "cannot read '{file}' ({source}); run from the repository root or pass --root DIR naming it"
    )]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error(
        "'{file}' changed since this binary was built; run `{LOCK_COMMAND}` so the build checks the change first"
    )]
    Changed { file: String },
    #[error("cannot write '{file}': {source}")]
    Write {
        file: String,
        source: std::io::Error,
    },
}

/// Every taxonomy's expected lock, in file order.
pub fn expected_locks() -> impl Iterator<Item = ExpectedLock> {
    generated::LOCKS.iter().copied()
}

impl ExpectedLock {
    /// The committed lock under `root` against this one.
    pub fn state(&self, root: &Path) -> LockState {
        match std::fs::read_to_string(root.join(self.file)) {
            Ok(text) if text == self.text => LockState::Current,
            Ok(_) => LockState::Stale,
            Err(_) => LockState::Missing,
        }
    }

    /// Writes the lock under `root` once the sources there are the ones
    /// this build compiled; returns whether the file changed.
    pub fn write(&self, root: &Path) -> Result<bool, GovernanceError> {
        for &(source, hash) in self.sources {
            let bytes =
                std::fs::read(root.join(source)).map_err(|error| GovernanceError::Read {
                    file: source.to_owned(),
                    source: error,
                })?;
            if format!("sha256:{:x}", Sha256::digest(&bytes)) != hash {
                return Err(GovernanceError::Changed {
                    file: source.to_owned(),
                });
            }
        }
        if self.state(root) == LockState::Current {
            return Ok(false);
        }
        std::fs::write(root.join(self.file), self.text).map_err(|error| {
            GovernanceError::Write {
                file: self.file.to_owned(),
                source: error,
            }
        })?;
        Ok(true)
    }
}
