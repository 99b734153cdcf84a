//! One request of a run against an OpenAI-compatible chat completions
//! endpoint: sent, retried with exponential backoff and jitter on 429, 5xx,
//! timeouts and broken connections (honouring `Retry-After`), and its
//! answer read into a [`ReplyMessage`], bounded in size. Whatever the
//! endpoint does, the outcome is a value, never a panic; only answers that
//! say the whole run is misconfigured (401, 403, 404) stop it.

use std::io::Read;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Deserialize;
use serde_json::Value;

use crate::contract::run::{ErrorKind, FunctionCall, ReplyMessage, ToolCall, Usage};
use crate::job::CancelToken;

/// The largest answer read; a larger one is an error.
pub const MAX_BODY: u64 = 8 << 20;
/// The longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);
/// The longest backoff between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How to reach the endpoint and how hard to try.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `…/chat/completions`.
    pub url: String,
    /// The whole `Authorization` header value, when a key was given.
    pub authorization: Option<String>,
    pub timeout: Duration,
    pub retries: u32,
    /// The first backoff; each retry doubles it.
    pub backoff: Duration,
}

pub struct Client {
    agent: ureq::Agent,
    config: ClientConfig,
}

/// What one key's requests came to.
#[derive(Debug)]
pub struct Outcome {
    pub reply: ReplyMessage,
    pub usage: Usage,
    pub error: Option<(ErrorKind, String)>,
    pub attempts: u32,
    pub latency: Duration,
}

/// The endpoint says the run cannot work (bad key, no such model or
/// path); every other request would fail the same way.
#[derive(Debug)]
pub struct Fatal(pub String);

/// Why the run waits before trying a key again.
#[derive(Debug)]
pub struct Retry {
    pub attempt: u32,
    pub wait: Duration,
    pub reason: String,
}

/// One attempt's result.
enum Attempt {
    Done(ReplyMessage, Usage, Option<(ErrorKind, String)>),
    Again(ErrorKind, String, Option<Duration>),
    Failed(ErrorKind, String),
}

impl Client {
    pub fn new(config: ClientConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("coverage/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, config }
    }

    /// Sends `body` until it gets an answer or runs out of retries;
    /// `retrying` hears of every wait. `None` when cancelled while waiting.
    pub fn send(
        &self,
        body: &[u8],
        jitter_seed: u64,
        cancel: &CancelToken,
        retrying: &mut dyn FnMut(Retry),
    ) -> Result<Option<Outcome>, Fatal> {
        let started = Instant::now();
        let mut jitter = ChaCha8Rng::seed_from_u64(jitter_seed);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let outcome = |reply, usage, error| Outcome {
                reply,
                usage,
                error,
                attempts,
                latency: started.elapsed(),
            };
            match self.attempt(body)? {
                Attempt::Done(reply, usage, error) => {
                    return Ok(Some(outcome(reply, usage, error)));
                }
                Attempt::Failed(kind, message) => {
                    return Ok(Some(outcome(
                        ReplyMessage::default(),
                        Usage::default(),
                        Some((kind, message)),
                    )));
                }
                Attempt::Again(kind, message, retry_after) => {
                    if attempts > self.config.retries {
                        let message = format!("{message} (after {attempts} attempts)");
                        return Ok(Some(outcome(
                            ReplyMessage::default(),
                            Usage::default(),
                            Some((kind, message)),
                        )));
                    }
                    let wait = retry_after.unwrap_or_else(|| self.backoff(attempts, &mut jitter));
                    retrying(Retry {
                        attempt: attempts,
                        wait,
                        reason: message,
                    });
                    if !sleep(wait, cancel) {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Exponential backoff with full jitter: between half and all of
    /// `backoff × 2^(attempt-1)`, capped.
    fn backoff(&self, attempt: u32, jitter: &mut ChaCha8Rng) -> Duration {
        let full = self
            .config
            .backoff
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(MAX_BACKOFF);
        let fraction = 0.5 + 0.5 * (jitter.next_u32() as f64 / u32::MAX as f64);
        full.mul_f64(fraction)
    }

    fn attempt(&self, body: &[u8]) -> Result<Attempt, Fatal> {
        let mut request = self
            .agent
            .post(&self.config.url)
            .content_type("application/json");
        if let Some(authorization) = &self.config.authorization {
            request = request.header("authorization", authorization);
        }
        let mut response = match request.send(body) {
            Ok(response) => response,
            Err(error) => return Ok(transport_failure(&error, self.config.timeout)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let bytes = match read_bounded(response.body_mut().as_reader()) {
            Ok(bytes) => bytes,
            Err(error) if timed_out(&error) => {
                return Ok(Attempt::Again(
                    ErrorKind::Timeout,
                    format!(
                        "the answer did not arrive whole within --timeout {}",
                        seconds(self.config.timeout)
                    ),
                    None,
                ));
            }
            Err(error) => {
                return Ok(Attempt::Again(
                    ErrorKind::Connection,
                    format!("reading the answer failed: {error}"),
                    None,
                ));
            }
        };
        match status {
            200..=299 => Ok(parse_completion(&bytes)),
            401 | 403 | 404 => Err(Fatal(format!(
                "the endpoint answered {status} ({}): {}",
                reason_of(status),
                snippet(&bytes)
            ))),
            429 | 408 | 500..=599 => Ok(Attempt::Again(
                ErrorKind::Status,
                format!("HTTP {status}: {}", snippet(&bytes)),
                retry_after,
            )),
            _ => Ok(Attempt::Failed(
                ErrorKind::Status,
                format!("HTTP {status}: {}", snippet(&bytes)),
            )),
        }
    }
}

fn reason_of(status: u16) -> &'static str {
    match status {
        401 => "unauthorized: check the key in --api-key-env",
        403 => "forbidden: the key may not use this model",
        _ => "not found: check --endpoint and --model",
    }
}

/// Whether reading a body ended at the timeout: ureq wraps its own
/// timeout in the `io::Error` the body reader returns.
fn timed_out(error: &std::io::Error) -> bool {
    let wrapped = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<ureq::Error>());
    error.kind() == std::io::ErrorKind::TimedOut
        || wrapped.is_some_and(|e| matches!(e, ureq::Error::Timeout(_)))
}

/// `5 s`, `1.5 s`: a duration as `--timeout` takes it.
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

fn transport_failure(error: &ureq::Error, timeout: Duration) -> Attempt {
    match error {
        ureq::Error::Timeout(_) => Attempt::Again(
            ErrorKind::Timeout,
            format!("no answer within --timeout {}", seconds(timeout)),
            None,
        ),
        ureq::Error::BodyExceedsLimit(_) => Attempt::Failed(
            ErrorKind::InvalidReply,
            format!("the answer is larger than {} MiB", MAX_BODY >> 20),
        ),
        _ => Attempt::Again(
            ErrorKind::Connection,
            format!("connection failed: {error}"),
            None,
        ),
    }
}

/// Reads at most [`MAX_BODY`] bytes; more is an error.
fn read_bounded(reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_BODY + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BODY {
        return Err(std::io::Error::other(format!(
            "the answer is larger than {} MiB",
            MAX_BODY >> 20
        )));
    }
    Ok(bytes)
}

/// `Retry-After` in seconds (an HTTP date is left to the backoff).
fn parse_retry_after(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds).min(MAX_RETRY_AFTER))
}

/// The first 200 characters of a body, on one line.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<UsageIn>,
}

#[derive(Deserialize)]
struct Choice {
    message: MessageIn,
}

#[derive(Deserialize)]
struct MessageIn {
    #[serde(default)]
    content: Value,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallIn>>,
}

#[derive(Deserialize)]
struct ToolCallIn {
    #[serde(default)]
    id: Option<String>,
    function: FunctionIn,
}

#[derive(Deserialize)]
struct FunctionIn {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct UsageIn {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// A 2xx body read as a chat completion. A body that is not one is the
/// key's error; a last call whose arguments are not a JSON object keeps
/// the reply and is marked for the grader.
fn parse_completion(bytes: &[u8]) -> Attempt {
    let completion: Completion = match serde_json::from_slice(bytes) {
        Ok(completion) => completion,
        Err(error) => {
            return Attempt::Failed(
                ErrorKind::InvalidReply,
                format!(
                    "the answer is not a chat completion ({error}): {}",
                    snippet(bytes)
                ),
            );
        }
    };
    let usage = completion
        .usage
        .map(|u| Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        })
        .unwrap_or_default();
    let Some(choice) = completion.choices.into_iter().next() else {
        return Attempt::Failed(ErrorKind::InvalidReply, "the answer has no choices".into());
    };
    let reply = ReplyMessage {
        role: "assistant".into(),
        content: text_of(&choice.message.content),
        tool_calls: choice
            .message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, call)| ToolCall {
                id: call.id.unwrap_or_else(|| format!("call_{i}")),
                kind: "function".into(),
                function: FunctionCall {
                    name: call.function.name,
                    arguments: match call.function.arguments {
                        Value::String(text) => text,
                        Value::Null => String::new(),
                        // Some servers send an object; kept as JSON text.
                        other => other.to_string(),
                    },
                },
            })
            .collect(),
    };
    let error = reply.tool_calls.last().and_then(|call| {
        arguments_error(&call.function.arguments).map(|why| {
            (
                ErrorKind::BadArguments,
                format!("the arguments of {} {why}", call.function.name),
            )
        })
    });
    Attempt::Done(reply, usage, error)
}

/// Why `text` is not a JSON object of arguments, if it is not.
pub fn arguments_error(text: &str) -> Option<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => None,
        Ok(other) => Some(format!(
            "are JSON but not an object: {}",
            snippet(other.to_string().as_bytes())
        )),
        Err(error) => Some(format!(
            "do not parse as JSON ({error}): {}",
            snippet(text.as_bytes())
        )),
    }
}

/// A message's content: a string, or the text parts of a list.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// Sleeps `wait`, looking at `cancel` often; `false` when cancelled.
fn sleep(wait: Duration, cancel: &CancelToken) -> bool {
    let end = Instant::now() + wait;
    loop {
        if cancel.is_cancelled() {
            return false;
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_with_a_call_is_read_whole() {
        let body = br#"{"choices":[{"message":{"role":"assistant","content":"Done.","tool_calls":[{"id":"c1","type":"function","function":{"name":"fulfill","arguments":"{\"quantity\":1}"}}]}}],"usage":{"prompt_tokens":10,"completion_tokens":5}}"#;
        let Attempt::Done(reply, usage, error) = parse_completion(body) else {
            panic!("a valid completion");
        };
        assert_eq!(reply.content, "Done.");
        assert_eq!(reply.tool_calls[0].function.arguments, r#"{"quantity":1}"#);
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (10, 5));
        assert!(error.is_none());
    }

    #[test]
    fn unparsable_arguments_keep_the_reply_and_say_why() {
        let body = br#"{"choices":[{"message":{"content":null,"tool_calls":[{"function":{"name":"fulfill","arguments":"{quantity: 1"}}]}}]}"#;
        let Attempt::Done(reply, _, Some((kind, why))) = parse_completion(body) else {
            panic!("a reply marked for the grader");
        };
        assert_eq!(kind, ErrorKind::BadArguments);
        assert!(
            why.starts_with("the arguments of fulfill do not parse as JSON"),
            "{why}"
        );
        assert_eq!(reply.tool_calls[0].id, "call_0");
    }

    #[test]
    fn bodies_that_are_not_completions_are_errors() {
        for body in [
            &b"<html>oops"[..],
            br#"{"choices":[]}"#,
            br#"{"choices":[{}]}"#,
        ] {
            assert!(matches!(
                parse_completion(body),
                Attempt::Failed(ErrorKind::InvalidReply, _)
            ));
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("99999"), Some(MAX_RETRY_AFTER));
    }
}
