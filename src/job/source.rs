//! Where the lines of each file come from: the generator, or the parts of
//! a sharded run.

use std::path::PathBuf;

use super::error::{JobError, ShardError};
use super::lines::generate_lines;
use super::plan::Planned;
use super::{CancelToken, shard};

pub(crate) enum Source {
    /// The generator, with this many workers.
    Generate { seed: u64, concurrency: usize },
    /// Shard outputs, in shard order.
    Parts(Vec<PathBuf>),
}

impl Source {
    /// Hands every (dataset line, golden line) of `planned` to `sink`, in order.
    pub fn stream(
        &self,
        planned: &Planned,
        cancel: &CancelToken,
        sink: &mut dyn FnMut(&str, &str) -> Result<(), JobError>,
    ) -> Result<(), JobError> {
        match self {
            Self::Generate { seed, concurrency } => generate_lines(
                &planned.scenarios,
                &planned.file.dataset_id,
                *seed,
                *concurrency,
                cancel,
                sink,
            ),
            Self::Parts(dirs) => {
                let found = shard::stream_parts(dirs, &planned.file, cancel, sink)?;
                if found != planned.scenarios.len() {
                    return Err(ShardError::ShortParts {
                        dataset_id: planned.file.dataset_id.clone(),
                        found,
                        expected: planned.scenarios.len(),
                    }
                    .into());
                }
                Ok(())
            }
        }
    }
}
