//! What `coverage run` writes under `--out` (spec `evaluation.md` §2):
//! `run.json`, the run's record, and `transcripts.jsonl`, one line per
//! (sample, trial) with the reply as the endpoint sent it. Every field of a
//! transcript line keeps one JSON type in every line: an absent reply is an
//! empty message, no error is `""`. Field by field in `docs/evaluate.md`.

use serde::{Deserialize, Serialize};

/// The version of `run.json` and the transcript line this build writes.
pub const RUN_SCHEMA_VERSION: u32 = 1;

/// File names under a run directory.
pub const RUN_FILE: &str = "run.json";
pub const TRANSCRIPTS_FILE: &str = "transcripts.jsonl";

/// `run.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_schema_version: u32,
    /// `coverage <version>`.
    pub tool: String,
    pub model: String,
    /// The endpoint's URL without credentials or query.
    pub endpoint: String,
    pub parameters: RunParameters,
    pub samples: SampleSet,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// `""` while running.
    pub ended_at: String,
    /// `running`, `complete`, `interrupted`, `max_cost` or `failed`.
    pub status: String,
    pub totals: RunTotals,
}

/// How each request was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunParameters {
    pub trials: u32,
    /// `required` or `auto`.
    pub tool_choice: String,
    /// Sent only when set.
    pub temperature: Option<f64>,
    /// Sent only when set; trial `t` sends `seed + t`.
    pub seed: Option<u64>,
    pub max_tokens: Option<u32>,
    pub concurrency: usize,
    pub timeout_seconds: f64,
    pub retries: u32,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    /// The environment variable the key was read from (never the key).
    pub api_key_env: String,
}

/// The samples a run sends: the files as given and one hash over their
/// contents that does not depend on where they lie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleSet {
    pub files: Vec<SampleFile>,
    pub sample_count: usize,
    /// SHA-256 over the sorted SHA-256 of every file.
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleFile {
    pub path: String,
    pub sha256: String,
    pub samples: usize,
}

/// Sums over every transcript line of the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunTotals {
    /// Keys (sample × trial) of the run.
    pub keys: usize,
    /// Keys with a transcript line.
    pub done: usize,
    /// Keys whose line records an error.
    pub errors: usize,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Estimated before the run from the samples' tokens and the rates;
    /// null when the rates have no price for the model.
    pub estimated_cost_usd: Option<f64>,
    /// The replies' `usage` × the rates; null without a price.
    pub cost_usd: Option<f64>,
}

/// One line of `transcripts.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub sample_id: String,
    pub trial: u32,
    /// SHA-256 of the request body sent.
    pub request_hash: String,
    /// The reply message; empty when the endpoint sent none.
    pub reply: ReplyMessage,
    pub usage: Usage,
    pub latency_ms: u64,
    /// HTTP requests made for this key (1 without retries).
    pub attempts: u32,
    /// What went wrong, `""` when nothing did.
    pub error: String,
    /// `""`, or one of [`ErrorKind`]'s names.
    pub error_kind: String,
}

/// Why a key has no gradable reply, or a reply that cannot be graded
/// as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The endpoint answered with an HTTP error after every retry.
    Status,
    /// No answer within the timeout, after every retry.
    Timeout,
    /// The connection failed or was reset, after every retry.
    Connection,
    /// The body is not a chat completion (bad JSON, no choices).
    InvalidReply,
    /// The reply's last tool call has arguments that are not a JSON
    /// object: the model's fault, graded as a failure.
    BadArguments,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 5] = [
        Self::Status,
        Self::Timeout,
        Self::Connection,
        Self::InvalidReply,
        Self::BadArguments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Timeout => "timeout",
            Self::Connection => "connection",
            Self::InvalidReply => "invalid_reply",
            Self::BadArguments => "bad_arguments",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether a line with this error still holds a reply to grade.
    pub fn is_gradable(self) -> bool {
        self == Self::BadArguments
    }
}

/// An assistant message as OpenAI's chat completions return it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyMessage {
    /// `assistant`, or `""` when there was no reply.
    pub role: String,
    /// The words; `""` when the reply had none.
    pub content: String,
    pub tool_calls: Vec<ToolCall>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: String,
    pub function: FunctionCall,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    /// The arguments as the model wrote them: JSON text.
    pub arguments: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}
