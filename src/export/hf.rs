//! `hf`: a dataset directory `datasets.load_dataset(DIR)` reads with typed
//! columns. One JSON Lines file whose every column keeps one type in every
//! row, and a dataset card whose `configs` names the file and whose
//! `dataset_info.features` fixes each column's type, so nothing is left
//! to inference. Two things are JSON text rather than nested columns: the
//! tools and the expected arguments (and how each is compared). Their keys
//! differ from function to function, and Arrow would turn them into one
//! struct with every key of every function, null where absent.

use serde_json::{Value, json};

use super::{ExportError, Outputs, Totals, Writer, grid_fields};
use crate::contract::sample::Sample;

pub const FILES: &[&str] = &["data/test.jsonl", "README.md"];

pub struct Hf;

pub fn row(sample: &Sample) -> Value {
    let m = &sample.metadata;
    let mut row = json!({
        "sample_id": sample.sample_id,
        "scenario_id": sample.scenario_id,
        "variant": sample.variant,
        "turn": sample.turn,
        "messages": sample.messages,
        "tools_json": serde_json::to_string(&sample.tools).expect("tools serialize"),
        "expected_name": sample.expected.name,
        "expected_arguments_json": Value::Object(sample.expected.arguments.clone()).to_string(),
        "expected_compare_json": serde_json::to_string(&sample.expected.compare).expect("compare serializes"),
        "must_communicate": sample.must_communicate,
        "must_not": sample.must_not,
        "rubric": sample.rubric,
    });
    let fields = row.as_object_mut().expect("a row is an object");
    fields.extend(grid_fields(m));
    fields.insert("seed".into(), json!(m.seed));
    row
}

/// The card: `configs` for the loader, `dataset_info` for the types.
const CARD: &str = r#"---
configs:
- config_name: default
  data_files:
  - split: test
    path: data/test.jsonl
dataset_info:
  features:
  - name: sample_id
    dtype: string
  - name: scenario_id
    dtype: string
  - name: variant
    dtype: int64
  - name: turn
    dtype: int64
  - name: messages
    list:
    - name: role
      dtype: string
    - name: content
      dtype: string
  - name: tools_json
    dtype: string
  - name: expected_name
    dtype: string
  - name: expected_arguments_json
    dtype: string
  - name: expected_compare_json
    dtype: string
  - name: must_communicate
    list:
    - name: kind
      dtype: string
    - name: value
      dtype: float64
    - name: unit
      dtype: string
    - name: about
      dtype: string
  - name: must_not
    list:
    - name: kind
      dtype: string
    - name: value
      dtype: float64
    - name: unit
      dtype: string
    - name: about
      dtype: string
  - name: rubric
    list: string
  - name: domain
    dtype: string
  - name: behavior
    dtype: string
  - name: price_sensitivity
    dtype: string
  - name: brand_bias
    dtype: string
  - name: availability
    dtype: string
  - name: policy_boundary
    dtype: string
  - name: decision
    dtype: string
  - name: difficulty
    dtype: string
  - name: trap
    dtype: string
  - name: dataset_id
    dtype: string
  - name: dataset_version
    dtype: string
  - name: seed
    dtype: uint64
---

# Shopping-assistant turns on the coverage grid

{{SAMPLES}} samples written by `coverage export --to hf`. Each row is one graded
assistant turn: `messages` (the system prompt, the history, the customer's
turn) and the tools offered (`tools_json`, OpenAI's `tools` as JSON text),
the call a correct reply ends with (`expected_name`,
`expected_arguments_json`, and `expected_compare_json`: how each argument is
compared, `exact`, `money` ±0.005, `set` or `ignore`), the facts its words
must state (`must_communicate`) and where the turn sits on the grid
(`domain`, `behavior`, the four axis bins, `decision`).

```python
import datasets
ds = datasets.load_dataset("path/to/this/directory", split="test")
```

The arguments and tools are JSON text because their keys differ from one
function to the next; `json.loads` gives them back.
"#;

impl Writer for Hf {
    fn add(&mut self, sample: &Sample, out: &mut Outputs) -> Result<(), ExportError> {
        out.line(FILES[0], &row(sample))
    }

    fn finish(
        self: Box<Self>,
        totals: &Totals,
    ) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        let count = totals.samples.to_string();
        Ok(vec![(FILES[1], super::fill(CARD, &[("SAMPLES", &count)]))])
    }
}
