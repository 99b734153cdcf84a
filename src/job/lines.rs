//! The lines of a file: one compact JSON line per conversation and one per
//! golden entry, generated in deterministic chunks so any concurrency
//! yields the same lines in the same order, with bounded memory.

use sha2::{Digest, Sha256};

use super::{CancelToken, JobError};
use crate::generate::{Deal, generate_in_run};
use crate::taxonomy::Scenario;

/// Conversations per work unit when the caller does not say: large enough
/// that handing units to workers costs nothing measurable, small enough
/// that memory (batch × workers lines) stays a few megabytes.
pub const DEFAULT_BATCH: usize = 256;

/// The dataset line and golden line of one conversation.
pub type LinePair = (String, String);

/// What to render: every scenario `variants` times, scenario by scenario.
pub struct Units<'a> {
    pub scenarios: &'a [Scenario],
    pub variants: u32,
    pub dataset_id: &'a str,
    /// The run's deal, made from the coverage the job evaluated.
    pub deal: &'a Deal,
}

impl Units<'_> {
    pub(crate) fn len(&self) -> usize {
        self.scenarios.len() * self.variants as usize
    }

    /// Unit `index`: variant `index % variants` of scenario `index / variants`.
    pub(crate) fn render(&self, index: usize) -> LinePair {
        let variants = self.variants as usize;
        let scenario = &self.scenarios[index / variants];
        let variant = (index % variants) as u32;
        let generated =
            generate_in_run(self.deal, scenario, variant, self.variants, self.dataset_id);
        let dataset =
            serde_json::to_string(&generated.conversation).expect("conversations serialize");
        let golden = serde_json::to_string(&generated.golden).expect("golden entries serialize");
        (dataset, golden)
    }
}

/// Renders every unit and hands the lines to `sink` in order: work units
/// of `batch` conversations go to `concurrency` workers a round at a
/// time, so memory is bounded by batch × workers whatever the total, and
/// the bytes do not depend on either. Stops between rounds when `cancel`
/// is triggered.
pub fn generate_lines(
    units: &Units,
    concurrency: usize,
    batch: usize,
    cancel: &CancelToken,
    sink: &mut dyn FnMut(&str, &str) -> Result<(), JobError>,
) -> Result<(), JobError> {
    let workers = concurrency.max(1);
    let batch = batch.max(1);
    let total = units.len();
    let mut start = 0;
    while start < total {
        cancel.check()?;
        let end = (start + workers * batch).min(total);
        let rendered: Vec<LinePair> = if workers == 1 {
            (start..end).map(|i| units.render(i)).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (start..end)
                    .step_by(batch)
                    .map(|from| {
                        let to = (from + batch).min(end);
                        scope.spawn(move || (from..to).map(|i| units.render(i)).collect::<Vec<_>>())
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("a render worker panicked"))
                    .collect()
            })
        };
        for (dataset, golden) in &rendered {
            sink(dataset, golden)?;
        }
        start = end;
    }
    Ok(())
}

/// SHA-256 over lines, each followed by a newline: the content hash of a
/// document's body, whatever its format.
#[derive(Clone, Default)]
pub struct LineHasher(Sha256);

impl LineHasher {
    pub fn add(&mut self, line: &str) {
        self.0.update(line.as_bytes());
        self.0.update(b"\n");
    }

    pub fn finish(self) -> String {
        format!("sha256:{:x}", self.0.finalize())
    }
}
