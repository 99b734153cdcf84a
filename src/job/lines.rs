//! The lines of a file: one compact JSON line per conversation and one per
//! golden entry, generated in deterministic chunks so any concurrency
//! yields the same lines in the same order, with bounded memory.

use sha2::{Digest, Sha256};

use super::{CancelToken, JobError};
use crate::generate::generate;
use crate::taxonomy::Scenario;

/// Conversations each worker renders per round.
const CHUNK: usize = 128;

/// The dataset line and golden line of one scenario.
pub type LinePair = (String, String);

/// Renders the lines of `scenarios` for `dataset_id` and hands them to
/// `sink` in scenario order, `concurrency` workers at a time, stopping
/// between rounds when `cancel` is triggered.
pub fn generate_lines(
    scenarios: &[Scenario],
    dataset_id: &str,
    seed: u64,
    concurrency: usize,
    cancel: &CancelToken,
    sink: &mut dyn FnMut(&str, &str) -> Result<(), JobError>,
) -> Result<(), JobError> {
    let workers = concurrency.max(1);
    for round in scenarios.chunks(workers * CHUNK) {
        cancel.check()?;
        let rendered: Vec<LinePair> = if workers == 1 {
            round.iter().map(|s| render(s, dataset_id, seed)).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = round
                    .chunks(CHUNK)
                    .map(|chunk| {
                        scope.spawn(move || {
                            chunk
                                .iter()
                                .map(|s| render(s, dataset_id, seed))
                                .collect::<Vec<_>>()
                        })
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
    }
    Ok(())
}

fn render(scenario: &Scenario, dataset_id: &str, seed: u64) -> LinePair {
    let generated = generate(scenario, seed, dataset_id);
    let dataset = serde_json::to_string(&generated.conversation).expect("conversations serialize");
    let golden = serde_json::to_string(&generated.golden).expect("golden entries serialize");
    (dataset, golden)
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
