//! `promptfoo`: a `promptfooconfig.yaml` that `promptfoo eval` runs as is,
//! and its tests. Each test is one sample: its messages as the chat prompt
//! (the `messages` variable, dumped as JSON, which promptfoo sends as chat
//! messages), the tools in the provider's config with a call required, and
//! native assertions: `javascript` ones (checks.js) for the call, its
//! name and each argument, and one `python` assertion (grader.py) per
//! fact, so the facts are read by the same matcher as in inspect.
//!
//! The tests file is YAML written as one JSON object per line: JSON is
//! YAML, and a line per test keeps the file deterministic and diffable.

use serde_json::{Value, json};

use super::{CHECKS_JS, ExportError, GRADER_PY, OneToolSet, Outputs, Target, Totals, Writer};
use crate::contract::golden::Fact;
use crate::contract::sample::Sample;

pub const FILES: &[&str] = &[
    "promptfooconfig.yaml",
    "tests.yaml",
    "tools.json",
    "checks.js",
    "grader.py",
];

const CONFIG: &str = "\
# Coverage samples as a promptfoo eval, written by `coverage export --to promptfoo`.
#   promptfoo eval -c promptfooconfig.yaml -o results.json
# One test per sample; `coverage grade results.json --samples <samples>` grades
# the results file on the coverage grid.
description: coverage samples
prompts:
  - '{{ messages | dump }}'
providers:
  - id: {{PROVIDER}}
    config:
      tools: file://tools.json
      tool_choice: required
tests: file://tests.yaml
";

pub struct Promptfoo {
    provider: String,
    tools: OneToolSet,
}

impl Promptfoo {
    pub fn new(provider: &str) -> Self {
        Self {
            provider: provider.to_owned(),
            tools: OneToolSet::new(Target::Promptfoo),
        }
    }
}

fn fact_assertion(fact: &Fact, must: bool, sample: &Sample) -> Value {
    let prefix = if must { "communicates" } else { "must_not" };
    json!({
        "type": "python",
        "value": "file://grader.py:promptfoo_fact",
        "metric": format!("{prefix}:{}", fact.about),
        "config": {"fact": fact, "must": must, "compare": sample.expected.compare},
    })
}

/// One test of `tests.yaml`.
pub fn test(sample: &Sample) -> Value {
    let expected = &sample.expected;
    let mut asserts = vec![
        json!({"type": "javascript", "value": "file://checks.js:endsWithOneCall", "metric": "call"}),
        json!({"type": "javascript", "value": "file://checks.js:name", "metric": "name",
               "config": {"name": expected.name}}),
    ];
    for (argument, how) in &expected.compare {
        let want = expected.arguments.get(argument).unwrap_or(&Value::Null);
        asserts.push(json!({
            "type": "javascript",
            "value": "file://checks.js:argument",
            "metric": format!("argument:{argument}"),
            "config": {"name": expected.name, "argument": argument, "how": how,
                       "want_json": want.to_string()},
        }));
    }
    asserts.extend(
        sample
            .must_communicate
            .iter()
            .map(|f| fact_assertion(f, true, sample)),
    );
    asserts.extend(
        sample
            .must_not
            .iter()
            .map(|f| fact_assertion(f, false, sample)),
    );
    let mut metadata = serde_json::to_value(&sample.metadata).expect("metadata serializes");
    metadata["sample_id"] = json!(sample.sample_id);
    json!({
        "description": sample.sample_id,
        "vars": {"messages": sample.messages},
        "metadata": metadata,
        "assert": asserts,
    })
}

impl Writer for Promptfoo {
    fn add(&mut self, sample: &Sample, out: &mut Outputs) -> Result<(), ExportError> {
        self.tools.check(sample)?;
        let mut line = b"- ".to_vec();
        serde_json::to_writer(&mut line, &test(sample)).expect("tests serialize");
        line.push(b'\n');
        out.write(FILES[1], &line)
    }

    fn finish(self: Box<Self>, _: &Totals) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(vec![
            (
                FILES[0],
                super::fill(CONFIG, &[("PROVIDER", &yaml_scalar(&self.provider))]),
            ),
            (FILES[2], super::pretty(&self.tools.tools())),
            (FILES[3], CHECKS_JS.as_bytes().to_vec()),
            (FILES[4], GRADER_PY.as_bytes().to_vec()),
        ])
    }
}

/// A string as a YAML scalar: JSON's quoting is YAML's double-quoted style.
fn yaml_scalar(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}
