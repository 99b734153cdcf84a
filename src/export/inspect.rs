//! `inspect`: an inspect_ai task. `inspect eval coverage_task.py --model
//! <provider>/<model>` runs it as is: each sample's messages (system prompt
//! first) as the input, the tools offered with the call required by
//! default (`-T tool_choice=auto` to leave it to the model), one generate
//! that records the calls without running them, and a scorer that applies
//! the checks of spec §3 through `grader.py`, the one Python copy of them.
//! Every sample's metadata holds its domain, behavior, axis bins and
//! decision, and the scorer reports accuracy grouped by each.

use serde_json::{Value, json};

use super::{
    ExportError, GRADER_PY, OneToolSet, Outputs, Target, Totals, Writer, grading_record,
    grid_fields,
};
use crate::contract::sample::Sample;

pub const FILES: &[&str] = &[
    "coverage_task.py",
    "grader.py",
    "dataset.jsonl",
    "tools.json",
];

const TASK_PY: &str = include_str!("assets/coverage_task.py");

pub struct Inspect {
    tools: OneToolSet,
}

impl Inspect {
    pub fn new() -> Self {
        Self {
            tools: OneToolSet::new(Target::Inspect),
        }
    }
}

/// One record of `dataset.jsonl`, in the field names `json_dataset` reads
/// by default.
pub fn record(sample: &Sample) -> Value {
    let m = &sample.metadata;
    let mut record = json!({
        "id": sample.sample_id,
        "input": sample.messages,
        "target": sample.expected.name,
        "metadata": {
            "scenario_id": sample.scenario_id,
            "variant": sample.variant,
            "turn": sample.turn,
        },
    });
    let metadata = record["metadata"]
        .as_object_mut()
        .expect("metadata is an object");
    metadata.extend(grid_fields(m));
    metadata.insert("grading".into(), grading_record(sample));
    record
}

impl Writer for Inspect {
    fn add(&mut self, sample: &Sample, out: &mut Outputs) -> Result<(), ExportError> {
        self.tools.check(sample)?;
        out.line(FILES[2], &record(sample))
    }

    fn finish(self: Box<Self>, _: &Totals) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(vec![
            (FILES[0], TASK_PY.as_bytes().to_vec()),
            (FILES[1], GRADER_PY.as_bytes().to_vec()),
            (FILES[3], super::pretty(&self.tools.tools())),
        ])
    }
}
