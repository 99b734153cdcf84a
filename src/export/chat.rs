//! `openai-chat`: OpenAI chat fine-tuning lines. Each line is the sample's
//! messages followed by the assistant turn a correct reply is: the
//! expected call in `tool_calls`, its arguments a JSON string as the API
//! writes them, with the sample's `tools`. Parallel calls are off: a reply
//! ends with exactly one call (spec §3).

use serde_json::{Value, json};

use super::{ExportError, Outputs, Totals, Writer, expected_tool_call};
use crate::contract::sample::Sample;

pub const FILES: &[&str] = &["chat.jsonl"];

pub struct Chat;

/// One fine-tuning line of `sample`.
pub fn line(sample: &Sample) -> Value {
    let mut messages: Vec<Value> = sample
        .messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    messages.push(json!({
        "role": "assistant",
        "tool_calls": [expected_tool_call(sample)],
    }));
    json!({
        "messages": messages,
        "tools": sample.tools,
        "parallel_tool_calls": false,
    })
}

impl Writer for Chat {
    fn add(&mut self, sample: &Sample, out: &mut Outputs) -> Result<(), ExportError> {
        out.line(FILES[0], &line(sample))
    }

    fn finish(self: Box<Self>, _: &Totals) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(Vec::new())
    }
}
