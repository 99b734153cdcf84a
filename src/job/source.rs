//! Where the lines of each file come from: the generator, or the parts of
//! a sharded run.

use std::path::PathBuf;
use std::sync::Arc;

use super::error::{JobError, ShardError};
use super::lines::{Units, generate_lines};
use super::plan::Planned;
use super::{CancelToken, shard};
use crate::generate::Deal;

pub(crate) enum Source {
    /// The generator: `concurrency` workers, `batch` conversations per work unit.
    Generate {
        deal: Arc<Deal>,
        concurrency: usize,
        batch: usize,
    },
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
            Self::Generate {
                deal,
                concurrency,
                batch,
            } => {
                let units = Units {
                    scenarios: &planned.scenarios,
                    variants: planned.variants,
                    dataset_id: &planned.file.dataset_id,
                    deal,
                };
                generate_lines(&units, *concurrency, *batch, cancel, sink)
            }
            Self::Parts(dirs) => {
                let found = shard::stream_parts(dirs, &planned.file, cancel, sink)?;
                if found != planned.conversations() {
                    return Err(ShardError::ShortParts {
                        dataset_id: planned.file.dataset_id.clone(),
                        found,
                        expected: planned.conversations(),
                    }
                    .into());
                }
                Ok(())
            }
        }
    }
}
