//! Grading what other harnesses wrote (spec `evaluation.md` §6): an
//! inspect_ai eval log (`.eval`, the zip inspect writes by default, or a
//! `.json` log) or a promptfoo results file (`promptfoo eval -o
//! results.json`) becomes a run directory, `run.json` and
//! `transcripts.jsonl` as `coverage run` writes them, and is graded by
//! [`super::grade_run`]: the same checks, the same grid, the same
//! `results.html`, whatever produced the replies.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{GradeSpec, Graded, ScoreError, grade_run, read_record};
use crate::contract::run::{
    FunctionCall, RUN_FILE, RUN_SCHEMA_VERSION, ReplyMessage, RunParameters, RunRecord, RunTotals,
    TRANSCRIPTS_FILE, ToolCall, Transcript, Usage,
};
use crate::job::{AtomicFile, JobTag, OutputLock};

/// The largest log read: inspect logs hold every event of every sample.
const MAX_LOG: u64 = 4 << 30;

/// What `coverage grade` grades when given a harness's output.
#[derive(Clone, Debug)]
pub struct HarnessSpec {
    /// The inspect log or promptfoo results file.
    pub log: PathBuf,
    /// The samples the export was made from.
    pub samples: Vec<PathBuf>,
    /// The run directory to write; its `run.json` records the log.
    pub out: PathBuf,
}

/// Which harness wrote a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Harness {
    Inspect,
    Promptfoo,
}

impl Harness {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inspect => "inspect",
            Self::Promptfoo => "promptfoo",
        }
    }
}

/// One reply a harness recorded, as a transcript line holds it.
#[derive(Clone, Debug)]
pub struct HarnessReply {
    pub sample_id: String,
    /// 0-based: inspect's epoch − 1, promptfoo's repeat.
    pub trial: u32,
    pub reply: ReplyMessage,
    pub usage: Usage,
    pub latency_ms: u64,
    pub error: String,
    pub error_kind: String,
    /// The harness's own verdict, when it scored the reply.
    pub pass: Option<bool>,
}

/// What a log holds: who wrote it, the model, when, and the replies.
#[derive(Clone, Debug)]
pub struct HarnessLog {
    pub harness: Harness,
    pub model: String,
    pub started_at: String,
    pub ended_at: String,
    pub replies: Vec<HarnessReply>,
}

/// The run directory beside a log: `logs/x.eval` → `logs/x`.
pub fn default_out(log: &Path) -> PathBuf {
    let stem = log
        .file_stem()
        .map_or_else(|| "graded".into(), |s| s.to_owned());
    log.with_file_name(stem)
}

/// Reads the log of `spec`, writes it as a run directory and grades it.
pub fn grade_harness_log(spec: &HarnessSpec) -> Result<Graded, ScoreError> {
    let log = read_log(&spec.log)?;
    let files = crate::run::expand(&spec.samples)
        .map_err(|e| ScoreError::read(&spec.log, e.to_string()))?;
    let mut ids = HashSet::new();
    let set = crate::run::survey(&files, &mut |s| {
        ids.insert(s.sample_id.clone());
    })
    .map_err(|e| ScoreError::read(&spec.log, e.to_string()))?;
    if let Some(stray) = log.replies.iter().find(|r| !ids.contains(&r.sample_id)) {
        return Err(ScoreError::read(
            &spec.log,
            format!(
                "holds sample '{}', which is not in the samples given; pass the samples the export was made from with --samples",
                stray.sample_id
            ),
        ));
    }
    let endpoint = format!(
        "{} log {}",
        log.harness.as_str(),
        spec.log.file_name().unwrap_or_default().to_string_lossy()
    );
    {
        let _lock = OutputLock::acquire(&spec.out)?;
        if spec.out.join(RUN_FILE).exists() {
            let old = read_record(&spec.out)?;
            if old.endpoint != endpoint {
                return Err(ScoreError::read(
                    &spec.out,
                    format!(
                        "holds the run of {}, not of this log; choose another --out",
                        old.endpoint
                    ),
                ));
            }
        }
        let trials = log.replies.iter().map(|r| r.trial + 1).max().unwrap_or(1);
        let record = RunRecord {
            run_schema_version: RUN_SCHEMA_VERSION,
            tool: format!("coverage {}", env!("CARGO_PKG_VERSION")),
            model: log.model.clone(),
            endpoint,
            parameters: RunParameters {
                trials,
                tool_choice: String::new(),
                temperature: None,
                seed: None,
                max_tokens: None,
                concurrency: 1,
                timeout_seconds: 0.0,
                retries: 0,
                requests_per_minute: None,
                tokens_per_minute: None,
                api_key_env: String::new(),
            },
            totals: RunTotals {
                keys: set.sample_count * trials as usize,
                done: log.replies.len(),
                errors: log.replies.iter().filter(|r| !r.error.is_empty()).count(),
                requests: log.replies.len() as u64,
                prompt_tokens: log.replies.iter().map(|r| r.usage.prompt_tokens).sum(),
                completion_tokens: log.replies.iter().map(|r| r.usage.completion_tokens).sum(),
                estimated_cost_usd: None,
                cost_usd: None,
            },
            samples: set,
            started_at: log.started_at.clone(),
            ended_at: log.ended_at.clone(),
            status: "complete".into(),
        };
        let tag = JobTag::new();
        let mut lines = Vec::new();
        for r in &log.replies {
            let line = Transcript {
                sample_id: r.sample_id.clone(),
                trial: r.trial,
                request_hash: String::new(),
                reply: r.reply.clone(),
                usage: r.usage,
                latency_ms: r.latency_ms,
                attempts: 1,
                error: r.error.clone(),
                error_kind: r.error_kind.clone(),
            };
            serde_json::to_writer(&mut lines, &line).expect("transcripts serialize");
            lines.push(b'\n');
        }
        write(&spec.out.join(TRANSCRIPTS_FILE), &lines, &tag)?;
        let mut text = serde_json::to_vec_pretty(&record).expect("run records serialize");
        text.push(b'\n');
        write(&spec.out.join(RUN_FILE), &text, &tag)?;
    }
    grade_run(&GradeSpec {
        run: spec.out.clone(),
        samples: None,
    })
}

fn write(path: &Path, bytes: &[u8], tag: &JobTag) -> Result<(), ScoreError> {
    let error = |source| ScoreError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = AtomicFile::create(path, tag).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.commit().map_err(error)
}

/// Reads an inspect log (`.eval` or `.json`) or a promptfoo results file.
pub fn read_log(path: &Path) -> Result<HarnessLog, ScoreError> {
    let bad = |message: String| ScoreError::read(path, message);
    let is_eval = path.extension().is_some_and(|e| e == "eval");
    if is_eval {
        return read_eval_zip(path);
    }
    let text = crate::input::read_to_string(path, MAX_LOG).map_err(|e| bad(e.to_string()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "is not JSON ({e}); expected an inspect log (.eval or .json) or a promptfoo results file"
        ))
    })?;
    if value.get("eval").is_some() && value.get("samples").is_some() {
        let samples = value["samples"].as_array().cloned().unwrap_or_default();
        return inspect_log(path, &value, &samples);
    }
    if value
        .pointer("/results/results")
        .is_some_and(Value::is_array)
    {
        return promptfoo_log(path, &value);
    }
    Err(bad(
        "is neither an inspect log (with `eval` and `samples`; write one with `inspect eval … --log-format json` or read the .eval file) nor a promptfoo results file (`promptfoo eval -o results.json`)".into(),
    ))
}

fn read_eval_zip(path: &Path) -> Result<HarnessLog, ScoreError> {
    let bad = |message: String| ScoreError::read(path, message);
    let file = crate::input::open_regular(path).map_err(|e| bad(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| bad(format!("is not an inspect .eval log (a zip archive): {e}")))?;
    let header = member(&mut archive, "header.json").map_err(bad)?;
    let mut names = Vec::new();
    for name in archive.file_names() {
        let name = name.map_err(|e| bad(e.to_string()))?;
        if name.starts_with("samples/") && name.ends_with(".json") {
            names.push(name.into_owned());
        }
    }
    names.sort();
    let samples = names
        .iter()
        .map(|name| member(&mut archive, name))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    inspect_log(path, &header, &samples)
}

/// One JSON member of a zip archive.
fn member(archive: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Result<Value, String> {
    let mut file = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut bytes = Vec::new();
    file.by_ref()
        .take(MAX_LOG)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{name}: {e}"))
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        // Content parts: the text ones, in order.
        Value::Array(parts) => parts
            .iter()
            .filter(|p| p["type"] == "text")
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn str_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// An inspect log: its header (`eval`, `stats`) and its samples.
fn inspect_log(path: &Path, header: &Value, samples: &[Value]) -> Result<HarnessLog, ScoreError> {
    let mut replies = Vec::new();
    for sample in samples {
        let sample_id = match &sample["id"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(ScoreError::read(path, "a sample without an id".to_owned()));
            }
        };
        let trial = sample["epoch"].as_u64().unwrap_or(1).saturating_sub(1) as u32;
        let output = &sample["output"];
        let message = &output["choices"][0]["message"];
        let mut reply = ReplyMessage::default();
        let (mut error, mut error_kind) = (String::new(), String::new());
        if message.is_object() {
            reply.role = "assistant".into();
            reply.content = text_of(&message["content"]);
            for call in message["tool_calls"].as_array().into_iter().flatten() {
                let parse_error = str_of(&call["parse_error"]);
                // A call whose arguments did not parse keeps none: inspect
                // has replaced them, and the grader fails the call.
                let arguments = if parse_error.is_empty() {
                    call["arguments"].to_string()
                } else {
                    error = format!("the arguments do not parse: {parse_error}");
                    error_kind = "bad_arguments".into();
                    String::new()
                };
                reply.tool_calls.push(ToolCall {
                    id: str_of(&call["id"]),
                    kind: "function".into(),
                    function: FunctionCall {
                        name: str_of(&call["function"]),
                        arguments,
                    },
                });
            }
        }
        if !sample["error"].is_null() {
            error = sample["error"]["message"]
                .as_str()
                .map_or_else(|| sample["error"].to_string(), str::to_owned);
            error_kind = "invalid_reply".into();
        } else if !message.is_object() {
            error = "the log holds no reply".into();
            error_kind = "invalid_reply".into();
        }
        let usage = &output["usage"];
        let pass = sample["scores"]
            .as_object()
            .and_then(|scores| scores.values().next())
            .and_then(|score| score["value"].as_str())
            .map(|value| value == "C");
        replies.push(HarnessReply {
            sample_id,
            trial,
            reply,
            usage: Usage {
                prompt_tokens: usage["input_tokens"].as_u64().unwrap_or(0),
                completion_tokens: usage["output_tokens"].as_u64().unwrap_or(0),
            },
            latency_ms: (output["time"].as_f64().unwrap_or(0.0) * 1000.0).round() as u64,
            error,
            error_kind,
            pass,
        });
    }
    Ok(HarnessLog {
        harness: Harness::Inspect,
        model: str_of(&header["eval"]["model"]),
        started_at: str_of(&header["stats"]["started_at"]),
        ended_at: str_of(&header["stats"]["completed_at"]),
        replies,
    })
}

/// A promptfoo results file: one result per test (× repeat), the reply
/// in `response.output` in one of its shapes.
fn promptfoo_log(path: &Path, value: &Value) -> Result<HarnessLog, ScoreError> {
    let results = value["results"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut trials: HashMap<String, u32> = HashMap::new();
    let mut replies = Vec::new();
    let mut model = String::new();
    for result in &results {
        let sample_id = result
            .pointer("/testCase/metadata/sample_id")
            .or_else(|| result.pointer("/metadata/sample_id"))
            .or_else(|| result.pointer("/testCase/description"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ScoreError::read(
                    path,
                    "a result without a sample id (testCase.metadata.sample_id); was the config written by `coverage export --to promptfoo`?".to_owned(),
                )
            })?
            .to_owned();
        if model.is_empty() {
            model = result["provider"]["id"]
                .as_str()
                .or_else(|| result["provider"].as_str())
                .unwrap_or_default()
                .to_owned();
        }
        let trial = trials.entry(sample_id.clone()).or_insert(0);
        let response = &result["response"];
        let output = &response["output"];
        let (mut error, mut error_kind) = (String::new(), String::new());
        let reply = if output.is_null() {
            error = result["error"]
                .as_str()
                .or_else(|| response["error"].as_str())
                .unwrap_or("the results hold no reply")
                .to_owned();
            error_kind = "invalid_reply".into();
            ReplyMessage::default()
        } else {
            promptfoo_reply(output)
        };
        let usage = &response["tokenUsage"];
        replies.push(HarnessReply {
            sample_id,
            trial: *trial,
            reply,
            usage: Usage {
                prompt_tokens: usage["prompt"].as_u64().unwrap_or(0),
                completion_tokens: usage["completion"].as_u64().unwrap_or(0),
            },
            latency_ms: result["latencyMs"].as_u64().unwrap_or(0),
            error,
            error_kind,
            pass: result["success"].as_bool(),
        });
        *trial += 1;
    }
    let timestamp = str_of(&value["results"]["timestamp"]);
    Ok(HarnessLog {
        harness: Harness::Promptfoo,
        model,
        started_at: timestamp.clone(),
        ended_at: timestamp,
        replies,
    })
}

/// A promptfoo output as a reply message: the call list alone, the whole
/// message, or words (which may be either of those as JSON text), as
/// checks.js reads it.
pub fn promptfoo_reply(output: &Value) -> ReplyMessage {
    let mut reply = ReplyMessage {
        role: "assistant".into(),
        ..ReplyMessage::default()
    };
    let parsed;
    let output = match output {
        Value::String(text) => {
            let trimmed = text.trim();
            match serde_json::from_str::<Value>(trimmed) {
                Ok(v @ (Value::Array(_) | Value::Object(_))) if trimmed.starts_with(['[', '{']) => {
                    parsed = v;
                    &parsed
                }
                _ => {
                    reply.content = text.clone();
                    return reply;
                }
            }
        }
        other => other,
    };
    let calls = match output {
        Value::Array(calls) => calls.as_slice(),
        Value::Object(message) => {
            reply.content = text_of(message.get("content").unwrap_or(&Value::Null));
            message
                .get("tool_calls")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        }
        _ => &[],
    };
    for call in calls {
        let function = call.get("function").unwrap_or(call);
        let arguments = match &function["arguments"] {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        reply.tool_calls.push(ToolCall {
            id: str_of(&call["id"]),
            kind: "function".into(),
            function: FunctionCall {
                name: str_of(&function["name"]),
                arguments,
            },
        });
    }
    reply
}
