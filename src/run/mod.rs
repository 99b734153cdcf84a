//! `coverage run` as a library job (spec `evaluation.md` §2): send every
//! sample of a sample set, `trials` times, to an OpenAI-compatible chat
//! completions endpoint and record each reply in `transcripts.jsonl`.
//!
//! Samples stream through a bounded queue to `concurrency` worker threads,
//! so memory does not grow with the set; each (sample, trial) is a key
//! written once, in one append, when its reply (or its error, after the
//! retries) is in. A stopped or killed run is completed by running it again
//! with `resume`: finished keys are never sent again, and a run directory
//! never mixes models, endpoints or sample sets unless told. The key is
//! read by the caller from the environment and lives only in the
//! `Authorization` header.

mod client;
mod journal;
mod limits;
mod sample_set;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::contract::run::{
    RUN_FILE, RUN_SCHEMA_VERSION, RunParameters, RunRecord, RunTotals, SampleSet, TRANSCRIPTS_FILE,
    Transcript,
};
use crate::contract::sample::Sample;
use crate::cost::Rate;
use crate::job::{AtomicFile, CancelToken, JobError, JobTag, OutputLock};

pub use client::{MAX_BODY, arguments_error};
pub use sample_set::{expand, for_each_sample, survey};

/// What to run and how.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Samples files, or directories of them.
    pub samples: Vec<PathBuf>,
    /// The API base, e.g. `http://127.0.0.1:8080/v1`; requests go to
    /// `{endpoint}/chat/completions`.
    pub endpoint: String,
    pub model: String,
    pub out: PathBuf,
    pub parameters: RunParameters,
    /// The key, read from `parameters.api_key_env` by the caller.
    pub api_key: Option<String>,
    /// The first backoff between retries.
    pub backoff: Duration,
    /// The model's price, when the rates know it.
    pub rate: Option<Rate>,
    /// Stop before the real cost would pass this many dollars.
    pub max_cost: Option<f64>,
    /// Complete the run already under `out`.
    pub resume: bool,
    /// Resume even though the model, endpoint or sample set differ.
    pub force: bool,
    /// On resume, send again the keys that ended in an error.
    pub retry_errors: bool,
}

/// What a run tells its listener.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// Before the first request: the keys of the run and how many are
    /// finished already.
    Started {
        keys: usize,
        already_done: usize,
        estimated_cost_usd: Option<f64>,
        estimated_tokens: u64,
    },
    /// A key is written.
    Finished {
        sample_id: String,
        trial: u32,
        done: usize,
        keys: usize,
        errors: usize,
        error: String,
        cost_usd: Option<f64>,
    },
    /// A key waits before its next attempt.
    Retrying {
        sample_id: String,
        trial: u32,
        attempt: u32,
        wait_ms: u64,
        reason: String,
    },
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutcome {
    pub record: RunRecord,
    pub out: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}: {message}", .path.display())]
    Samples { path: PathBuf, message: String },
    #[error("cannot write '{}': {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("'{}' already holds a run; pass --resume to complete it, or choose another --out", .out.display())]
    Exists { out: PathBuf },
    #[error("nothing to resume in '{}': it holds no {RUN_FILE}", .out.display())]
    NothingToResume { out: PathBuf },
    #[error("'{}' holds a run of {what} {old}, not {new}; pass --force to mix them, or choose another --out", .out.display())]
    Mismatch {
        out: PathBuf,
        what: &'static str,
        old: String,
        new: String,
    },
    #[error(
        "--max-cost needs a price for model '{model}': name one in the rates file (--rates) or price it as another model (--price-as)"
    )]
    NoPrice { model: String },
    #[error("stopped: {0}")]
    Fatal(String),
    #[error("the endpoint '{0}' is not an http:// or https:// URL")]
    Endpoint(String),
}

/// Runs `spec` on the calling thread until every key is written, the cost
/// limit is reached or `cancel` is triggered (in-flight requests are let
/// finish and written). `run.json` says which.
pub fn run(
    spec: &RunSpec,
    cancel: &CancelToken,
    listener: &mut (dyn FnMut(RunEvent) + Send),
) -> Result<RunOutcome, RunError> {
    let endpoint = endpoint_without_credentials(&spec.endpoint)?;
    if spec.max_cost.is_some() && spec.rate.is_none() {
        return Err(RunError::NoPrice {
            model: spec.model.clone(),
        });
    }
    let files = expand(&spec.samples)?;
    let mut input_tokens = 0u64;
    let set = sample_set::survey(&files, &mut |sample| {
        input_tokens += estimate_tokens(sample)
    })?;
    let record_path = spec.out.join(RUN_FILE);
    let previous = check_out_dir(spec, &endpoint, &set, &record_path)?;
    let _lock = OutputLock::acquire(&spec.out)?;
    let (mut journal, finished) = journal::Journal::open(&spec.out.join(TRANSCRIPTS_FILE))?;
    let trials = spec.parameters.trials;
    let keys = set.sample_count * trials as usize;
    let output_per_request = u64::from(
        spec.parameters
            .max_tokens
            .unwrap_or(crate::cost::DEFAULT_FINAL_REPLY_TOKENS),
    );
    let estimated_tokens =
        (input_tokens + output_per_request * set.sample_count as u64) * u64::from(trials);
    let estimated_cost = spec.rate.as_ref().map(|rate| {
        price(
            rate,
            input_tokens * u64::from(trials),
            output_per_request * keys as u64,
        )
    });
    let redo = |kind: &Option<crate::contract::run::ErrorKind>| {
        spec.retry_errors && kind.is_some_and(|k| !k.is_gradable())
    };
    let already_done = finished.keys.values().filter(|k| !redo(k)).count();
    let mut record = RunRecord {
        run_schema_version: RUN_SCHEMA_VERSION,
        tool: format!("coverage {}", env!("CARGO_PKG_VERSION")),
        model: spec.model.clone(),
        endpoint: endpoint.clone(),
        parameters: spec.parameters.clone(),
        samples: set.clone(),
        started_at: previous.map_or_else(now_rfc3339, |p| p.started_at),
        ended_at: String::new(),
        status: "running".into(),
        totals: RunTotals {
            keys,
            estimated_cost_usd: estimated_cost,
            ..RunTotals::default()
        },
    };
    write_record(&record_path, &record)?;
    listener(RunEvent::Started {
        keys,
        already_done,
        estimated_cost_usd: estimated_cost,
        estimated_tokens,
    });
    let average_input = input_tokens / set.sample_count.max(1) as u64;
    let shared = Shared {
        progress: Mutex::new(Progress {
            done: already_done,
            finished,
            journal,
            fatal: None,
            stopped_for_cost: false,
        }),
        keys,
        spec,
        client: client::Client::new(client::ClientConfig {
            url: format!("{}/chat/completions", spec.endpoint.trim_end_matches('/')),
            authorization: spec.api_key.as_ref().map(|key| format!("Bearer {key}")),
            timeout: Duration::from_secs_f64(spec.parameters.timeout_seconds),
            retries: spec.parameters.retries,
            backoff: spec.backoff,
        }),
        limiter: limits::Limiter::new(
            spec.parameters.requests_per_minute,
            spec.parameters.tokens_per_minute,
        ),
        expected_per_request: average_input + output_per_request,
        in_flight: Mutex::new(0),
        cancel: cancel.clone(),
        listener: Mutex::new(listener),
    };
    dispatch(&shared, &files, &redo)?;
    let progress = shared.progress.into_inner().expect("progress lock");
    journal = progress.journal;
    journal.sync()?;
    let finished = progress.finished;
    record.totals.done = finished.keys.len();
    record.totals.errors = finished.errors();
    record.totals.requests = finished.requests;
    record.totals.prompt_tokens = finished.prompt_tokens;
    record.totals.completion_tokens = finished.completion_tokens;
    record.totals.cost_usd = spec
        .rate
        .as_ref()
        .map(|rate| price(rate, finished.prompt_tokens, finished.completion_tokens));
    record.ended_at = now_rfc3339();
    record.status = match (
        &progress.fatal,
        progress.stopped_for_cost,
        cancel.is_cancelled(),
    ) {
        (Some(_), _, _) => "failed",
        (_, true, _) => "max_cost",
        (_, _, true) => "interrupted",
        _ if record.totals.done == keys => "complete",
        _ => "interrupted",
    }
    .into();
    write_record(&record_path, &record)?;
    if let Some(message) = progress.fatal {
        return Err(RunError::Fatal(message));
    }
    Ok(RunOutcome {
        record,
        out: spec.out.clone(),
    })
}

/// State the workers share.
struct Shared<'a> {
    progress: Mutex<Progress>,
    keys: usize,
    spec: &'a RunSpec,
    client: client::Client,
    limiter: limits::Limiter,
    /// Tokens one request is expected to cost, for the limits and the
    /// cost ceiling.
    expected_per_request: u64,
    in_flight: Mutex<u64>,
    cancel: CancelToken,
    listener: Mutex<&'a mut (dyn FnMut(RunEvent) + Send)>,
}

struct Progress {
    done: usize,
    finished: journal::Finished,
    journal: journal::Journal,
    fatal: Option<String>,
    stopped_for_cost: bool,
}

/// One key to send: the sample (shared by its trials) and the trial.
type Key = (Arc<Sample>, u32);

/// Streams the keys still to do through a bounded queue to the workers.
fn dispatch(
    shared: &Shared,
    files: &[PathBuf],
    redo: &dyn Fn(&Option<crate::contract::run::ErrorKind>) -> bool,
) -> Result<(), RunError> {
    let workers = shared.spec.parameters.concurrency.max(1);
    let (sender, receiver): (SyncSender<Key>, Receiver<Key>) = sync_channel(workers * 2);
    let receiver = Mutex::new(receiver);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| work(shared, &receiver));
        }
        let result = feed(shared, files, redo, &sender);
        drop(sender);
        result
    })
}

fn feed(
    shared: &Shared,
    files: &[PathBuf],
    redo: &dyn Fn(&Option<crate::contract::run::ErrorKind>) -> bool,
    sender: &SyncSender<Key>,
) -> Result<(), RunError> {
    let trials = shared.spec.parameters.trials;
    for path in files {
        for_each_sample(path, &mut |sample: Sample, _| {
            if shared.stopping() {
                return Ok(ControlFlow::Break(()));
            }
            let todo: Vec<u32> = {
                let progress = shared.progress.lock().expect("progress lock");
                (0..trials)
                    .filter(|trial| {
                        progress
                            .finished
                            .keys
                            .get(&(sample.sample_id.clone(), *trial))
                            .is_none_or(redo)
                    })
                    .collect()
            };
            let sample = Arc::new(sample);
            for trial in todo {
                if sender.send((Arc::clone(&sample), trial)).is_err() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            Ok(ControlFlow::Continue(()))
        })?;
    }
    Ok(())
}

impl Shared<'_> {
    fn stopping(&self) -> bool {
        if self.cancel.is_cancelled() {
            return true;
        }
        let progress = self.progress.lock().expect("progress lock");
        progress.fatal.is_some() || progress.stopped_for_cost
    }

    /// Whether one more request stays under the cost ceiling, counting
    /// what is spent and what is in flight; books it when it does.
    fn within_cost(&self) -> bool {
        let (Some(limit), Some(rate)) = (self.spec.max_cost, self.spec.rate.as_ref()) else {
            return true;
        };
        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
        let mut progress = self.progress.lock().expect("progress lock");
        let spent = price(
            rate,
            progress.finished.prompt_tokens,
            progress.finished.completion_tokens,
        );
        let output = u64::from(
            self.spec
                .parameters
                .max_tokens
                .unwrap_or(crate::cost::DEFAULT_FINAL_REPLY_TOKENS),
        );
        let next = price(
            rate,
            self.expected_per_request - output.min(self.expected_per_request),
            output,
        );
        let pending = next * (*in_flight as f64);
        if spent + pending + next > limit {
            progress.stopped_for_cost = true;
            return false;
        }
        *in_flight += 1;
        true
    }
}

fn work(shared: &Shared, receiver: &Mutex<Receiver<Key>>) {
    loop {
        let next = receiver.lock().expect("queue lock").recv();
        let Ok((sample, trial)) = next else { return };
        if shared.stopping() || !shared.within_cost() {
            continue;
        }
        let sent = send_one(shared, &sample, trial);
        if shared.spec.max_cost.is_some() {
            *shared.in_flight.lock().expect("in-flight lock") -= 1;
        }
        if let Err(message) = sent {
            let mut progress = shared.progress.lock().expect("progress lock");
            progress.fatal.get_or_insert(message);
        }
    }
}

/// Sends one key and writes its line; `Err` stops the run.
fn send_one(shared: &Shared, sample: &Sample, trial: u32) -> Result<(), String> {
    let body = request_body(shared.spec, sample, trial);
    let request_hash = format!("{:x}", Sha256::digest(&body));
    if !shared
        .limiter
        .admit(shared.expected_per_request, &shared.cancel)
    {
        return Ok(());
    }
    let jitter_seed = u64::from_le_bytes(Sha256::digest(&body)[..8].try_into().expect("8 bytes"));
    let mut retrying = |retry: client::Retry| {
        let event = RunEvent::Retrying {
            sample_id: sample.sample_id.clone(),
            trial,
            attempt: retry.attempt,
            wait_ms: retry.wait.as_millis() as u64,
            reason: retry.reason,
        };
        (shared.listener.lock().expect("listener lock"))(event);
    };
    let outcome = match shared
        .client
        .send(&body, jitter_seed, &shared.cancel, &mut retrying)
    {
        Ok(Some(outcome)) => outcome,
        // Cancelled while waiting to retry: the key is left to a resume.
        Ok(None) => return Ok(()),
        Err(fatal) => return Err(fatal.0),
    };
    let (error_kind, error) = outcome
        .error
        .map(|(kind, message)| (kind.as_str().to_owned(), message))
        .unwrap_or_default();
    let line = Transcript {
        sample_id: sample.sample_id.clone(),
        trial,
        request_hash,
        reply: outcome.reply,
        usage: outcome.usage,
        latency_ms: outcome.latency.as_millis() as u64,
        attempts: outcome.attempts,
        error,
        error_kind,
    };
    let event = {
        let mut progress = shared.progress.lock().expect("progress lock");
        progress.journal.append(&line).map_err(|e| e.to_string())?;
        progress.finished.add(&line);
        progress.done += 1;
        RunEvent::Finished {
            sample_id: line.sample_id,
            trial,
            done: progress.done,
            keys: shared.keys,
            errors: progress.finished.errors(),
            error: line.error,
            cost_usd: shared.spec.rate.as_ref().map(|rate| {
                price(
                    rate,
                    progress.finished.prompt_tokens,
                    progress.finished.completion_tokens,
                )
            }),
        }
    };
    (shared.listener.lock().expect("listener lock"))(event);
    Ok(())
}

/// The request body of `sample`'s trial `trial`: the same bytes for the
/// same inputs.
pub fn request_body(spec: &RunSpec, sample: &Sample, trial: u32) -> Vec<u8> {
    let parameters = &spec.parameters;
    let mut body = json!({
        "model": spec.model,
        "messages": sample.messages,
        "tools": sample.tools,
        "tool_choice": parameters.tool_choice,
    });
    let object = body.as_object_mut().expect("an object");
    if let Some(temperature) = parameters.temperature {
        object.insert("temperature".into(), json!(temperature));
    }
    if let Some(seed) = parameters.seed {
        object.insert("seed".into(), json!(seed.wrapping_add(u64::from(trial))));
    }
    if let Some(max_tokens) = parameters.max_tokens {
        object.insert("max_tokens".into(), Value::from(max_tokens));
    }
    serde_json::to_vec(&body).expect("request bodies serialize")
}

/// Tokens of a sample's request, roughly (four bytes a token): for the
/// estimate and the limits, never for the bill.
fn estimate_tokens(sample: &Sample) -> u64 {
    let text: usize = sample.messages.iter().map(|m| m.content.len() + 4).sum();
    let tools = serde_json::to_vec(&sample.tools).map_or(0, |t| t.len());
    ((text + tools) / 4) as u64
}

fn price(rate: &Rate, input: u64, output: u64) -> f64 {
    (input as f64 * rate.input_per_million + output as f64 * rate.output_per_million) / 1e6
}

/// Refuses a run directory that holds another run, or (on resume) a run
/// of another model, endpoint or sample set; returns the earlier record.
fn check_out_dir(
    spec: &RunSpec,
    endpoint: &str,
    set: &SampleSet,
    record_path: &Path,
) -> Result<Option<RunRecord>, RunError> {
    let exists = std::fs::symlink_metadata(record_path).is_ok();
    match (exists, spec.resume) {
        (false, false) => return Ok(None),
        (true, false) => {
            return Err(RunError::Exists {
                out: spec.out.clone(),
            });
        }
        (false, true) => {
            return Err(RunError::NothingToResume {
                out: spec.out.clone(),
            });
        }
        (true, true) => {}
    }
    let text =
        crate::input::read_to_string(record_path, 16 << 20).map_err(|e| RunError::Samples {
            path: record_path.to_owned(),
            message: e.to_string(),
        })?;
    let old: RunRecord = serde_json::from_str(&text).map_err(|e| RunError::Samples {
        path: record_path.to_owned(),
        message: format!("not a run record: {e}"),
    })?;
    if spec.force {
        return Ok(Some(old));
    }
    let mismatch = |what, old: &str, new: &str| RunError::Mismatch {
        out: spec.out.clone(),
        what,
        old: format!("'{old}'"),
        new: format!("'{new}'"),
    };
    if old.model != spec.model {
        return Err(mismatch("model", &old.model, &spec.model));
    }
    if old.endpoint != endpoint {
        return Err(mismatch("endpoint", &old.endpoint, endpoint));
    }
    if old.samples.hash != set.hash {
        return Err(mismatch(
            "sample set",
            &old.samples.hash[..12],
            &set.hash[..12],
        ));
    }
    Ok(Some(old))
}

/// The endpoint as recorded: scheme, host, port and path, without any
/// user, password, query or fragment.
pub fn endpoint_without_credentials(endpoint: &str) -> Result<String, RunError> {
    let bad = || RunError::Endpoint(endpoint_for_message(endpoint));
    let (scheme, rest) = endpoint.split_once("://").ok_or_else(bad)?;
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() {
        return Err(bad());
    }
    Ok(format!("{scheme}://{host}{}", path.trim_end_matches('/')))
}

/// An endpoint as an error may show it: credentials replaced.
fn endpoint_for_message(endpoint: &str) -> String {
    match endpoint.split_once('@') {
        Some((_, rest)) => format!("…@{rest}"),
        None => endpoint.to_owned(),
    }
}

fn write_record(path: &Path, record: &RunRecord) -> Result<(), RunError> {
    let io = |source| RunError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = AtomicFile::create(path, &JobTag::new()).map_err(io)?;
    let mut text = serde_json::to_string_pretty(record).expect("records serialize");
    text.push('\n');
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io)?;
    file.commit().map_err(io)
}

/// Now as RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's days-to-civil: the date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_record() {
        assert_eq!(
            endpoint_without_credentials("https://user:sk-secret@api.example.com/v1/?key=sk-2#x")
                .unwrap(),
            "https://api.example.com/v1"
        );
        assert_eq!(
            endpoint_without_credentials("http://127.0.0.1:8080/v1").unwrap(),
            "http://127.0.0.1:8080/v1"
        );
        let error = endpoint_without_credentials("ftp://u:sk-secret@x")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("sk-secret"), "{error}");
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_790), (2026, 12, 3));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
