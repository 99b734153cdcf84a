//! `openai-evals`: the samples as OpenAI evals' `input` + `ideal` lines,
//! and a registry entry that names them, laid out as a registry directory. `input` is the chat; `ideal` the
//! expected call as JSON text (`{"name": …, "arguments": {…}}`), the
//! one answer a reply must amount to. The grading data and the grid
//! metadata ride along for graders that want them.

use serde_json::{Value, json};

use super::{ExportError, Outputs, Totals, Writer, grading_record};
use crate::contract::sample::Sample;

/// Laid out as an evals registry: entries under `evals/`, data under `data/`.
pub const FILES: &[&str] = &["data/coverage/samples.jsonl", "evals/coverage.yaml"];

pub struct Evals;

pub fn line(sample: &Sample) -> Value {
    let ideal = json!({
        "name": sample.expected.name,
        "arguments": sample.expected.arguments,
    });
    json!({
        "input": sample.messages,
        "ideal": ideal.to_string(),
        "sample_id": sample.sample_id,
        "tools": sample.tools,
        "grading": grading_record(sample),
        "metadata": sample.metadata,
    })
}

/// The registry entry: `oaieval <completion_fn> coverage
/// --registry_path <out>`; `samples_jsonl` is relative to `<out>/data`.
const REGISTRY: &str = "\
# OpenAI evals registry entry for the exported samples (coverage export).
# oaieval gpt-4o-mini coverage --registry_path <the export directory>
coverage:
  id: coverage.test.v1
  description: Shopping-assistant turns; a reply is the expected tool call
  metrics: [accuracy]
coverage.test.v1:
  class: evals.elsuite.basic.match:Match
  args:
    samples_jsonl: coverage/samples.jsonl
";

impl Writer for Evals {
    fn add(&mut self, sample: &Sample, out: &mut Outputs) -> Result<(), ExportError> {
        out.line(FILES[0], &line(sample))
    }

    fn finish(self: Box<Self>, _: &Totals) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(vec![(FILES[1], REGISTRY.as_bytes().to_vec())])
    }
}
