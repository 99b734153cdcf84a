//! What the server holds: its root, its token, and the jobs it started,
//! each with the history of its events so that a late listener sees the
//! whole run.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use crate::contract::report::RunReport;
use crate::cost::Rates;
use crate::coverage::Coverage;
use crate::job::{CancelToken, Event};

/// How many finished jobs the server remembers.
const RECENT_JOBS: usize = 100;

pub struct AppState {
    /// The only directory the server writes to or serves files from.
    pub root: PathBuf,
    pub token: Option<String>,
    /// Host names answered besides loopback names and IP addresses.
    pub allowed_hosts: Vec<String>,
    /// Worker threads per generation job.
    pub concurrency: usize,
    /// The most conversations one request may generate.
    pub max_conversations: usize,
    /// Prices for the cost estimate.
    pub rates: Rates,
    /// The page at `/`, rendered on first request (it depends on nothing
    /// but the taxonomy and the rates).
    pub page: std::sync::OnceLock<String>,
    pub jobs: Jobs,
    /// The rule engine's answer for the seeds asked for last: a page
    /// polling dry runs asks the same one again and again.
    pub coverages: Mutex<VecDeque<(u64, Arc<Coverage>)>>,
}

/// How many seeds' coverages the server keeps.
const CACHED_SEEDS: usize = 4;

impl AppState {
    pub fn new(
        root: PathBuf,
        token: Option<String>,
        allowed_hosts: Vec<String>,
        concurrency: usize,
        max_conversations: usize,
        rates: Rates,
    ) -> Self {
        Self {
            root,
            token,
            allowed_hosts,
            concurrency,
            max_conversations,
            rates,
            page: std::sync::OnceLock::new(),
            jobs: Jobs::default(),
            coverages: Mutex::default(),
        }
    }

    /// Refuses work of more than `max_conversations` conversations (a 422
    /// naming both figures).
    pub fn within_ceiling(&self, planned: usize) -> Result<(), ApiError> {
        if planned <= self.max_conversations {
            return Ok(());
        }
        let error = crate::job::JobError::TooManyConversations {
            planned,
            limit: self.max_conversations,
        };
        Err(ApiError::from_job(error, &self.root))
    }

    /// The coverage of `seed`, evaluated once and kept for the next asks.
    pub async fn coverage(&self, seed: u64) -> Result<Arc<Coverage>, ApiError> {
        let cached = |this: &Self| {
            let cache = this.coverages.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .iter()
                .find(|(s, _)| *s == seed)
                .map(|(_, c)| c.clone())
        };
        if let Some(coverage) = cached(self) {
            return Ok(coverage);
        }
        let coverage = tokio::task::spawn_blocking(move || Arc::new(Coverage::evaluate(seed)))
            .await
            .map_err(|e| {
                ApiError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    format!("a worker failed: {e}"),
                )
            })?;
        let mut cache = self.coverages.lock().unwrap_or_else(|p| p.into_inner());
        if !cache.iter().any(|(s, _)| *s == seed) {
            cache.push_back((seed, coverage.clone()));
            if cache.len() > CACHED_SEEDS {
                cache.pop_front();
            }
        }
        Ok(coverage)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn id(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a listener of a job's event stream receives.
#[derive(Clone, Debug)]
pub enum Message {
    Event(Event),
    /// The job failed or was cancelled; nothing follows.
    Failed(Problem),
}

/// One job the server started.
pub struct JobRecord {
    pub id: String,
    /// Its output directory, relative to the root.
    pub out: String,
    pub cancel: CancelToken,
    state: Mutex<RecordState>,
}

struct RecordState {
    status: JobStatus,
    total: u64,
    done: u64,
    /// Bytes of the files done so far.
    bytes: u64,
    started: std::time::Instant,
    /// Seconds from start to end, once ended.
    seconds: Option<f64>,
    history: Vec<Message>,
    report: Option<RunReport>,
    error: Option<Problem>,
    listeners: Vec<mpsc::UnboundedSender<Message>>,
}

/// A job as `GET /coverage/jobs/{id}` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub status: JobStatus,
    /// The output directory, relative to the server's root.
    pub out: String,
    pub progress: Progress,
    pub metrics: JobMetrics,
    /// When it succeeded: the run's report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<RunReport>,
    /// When it failed or was cancelled: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Problem>,
    pub links: JobLinks,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    /// Conversations done.
    pub done: u64,
    /// Conversations in all.
    pub total: u64,
}

/// What `--metrics` records for a CLI run, for a server job so far.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobMetrics {
    /// Seconds since it started, or from start to end once it ended.
    pub seconds: f64,
    pub conversations_per_second: f64,
    /// Bytes of the files done so far.
    pub bytes: u64,
    pub megabytes_per_second: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub events: String,
}

impl JobRecord {
    fn new(id: String, out: String, cancel: CancelToken) -> Self {
        Self {
            id,
            out,
            cancel,
            state: Mutex::new(RecordState {
                status: JobStatus::Running,
                total: 0,
                done: 0,
                bytes: 0,
                started: std::time::Instant::now(),
                seconds: None,
                history: Vec::new(),
                report: None,
                error: None,
                listeners: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecordState> {
        // A listener that panicked mid-update leaves data that is still
        // consistent enough to show.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an event and hands it to every listener.
    pub fn push(&self, event: Event) {
        let mut state = self.lock();
        match &event {
            Event::Planned { conversations, .. } => state.total = *conversations,
            Event::Progress { conversations } => state.done += conversations,
            Event::FileDone { bytes, .. } => state.bytes += bytes,
            Event::Finished { report } => {
                state.status = JobStatus::Succeeded;
                state.seconds = Some(state.started.elapsed().as_secs_f64());
                state.report = Some((**report).clone());
            }
            _ => {}
        }
        let message = Message::Event(event);
        state.listeners.retain(|l| l.send(message.clone()).is_ok());
        state.history.push(message);
        if state.status != JobStatus::Running {
            state.listeners.clear();
        }
    }

    /// Ends the job with an error.
    pub fn fail(&self, problem: Problem, cancelled: bool) {
        let mut state = self.lock();
        state.status = if cancelled {
            JobStatus::Cancelled
        } else {
            JobStatus::Failed
        };
        state.error = Some(problem.clone());
        state.seconds = Some(state.started.elapsed().as_secs_f64());
        let message = Message::Failed(problem);
        for listener in state.listeners.drain(..) {
            let _ = listener.send(message.clone());
        }
        state.history.push(message);
    }

    pub fn status(&self) -> JobStatus {
        self.lock().status
    }

    /// Everything so far, and (while the job runs) a receiver of the rest.
    pub fn subscribe(&self) -> (Vec<Message>, Option<mpsc::UnboundedReceiver<Message>>) {
        let mut state = self.lock();
        let history = state.history.clone();
        if state.status != JobStatus::Running {
            return (history, None);
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        state.listeners.push(sender);
        (history, Some(receiver))
    }

    pub fn view(&self) -> JobView {
        let state = self.lock();
        JobView {
            id: self.id.clone(),
            status: state.status,
            out: self.out.clone(),
            progress: Progress {
                done: state.done,
                total: state.total,
            },
            metrics: {
                let seconds = state
                    .seconds
                    .unwrap_or_else(|| state.started.elapsed().as_secs_f64());
                let per_second = |amount: f64| if seconds > 0.0 { amount / seconds } else { 0.0 };
                JobMetrics {
                    seconds,
                    conversations_per_second: per_second(state.done as f64),
                    bytes: state.bytes,
                    megabytes_per_second: per_second(state.bytes as f64 / 1e6),
                }
            },
            report: state.report.clone(),
            error: state.error.clone(),
            links: JobLinks {
                this: format!("/coverage/jobs/{}", self.id),
                events: format!("/coverage/jobs/{}/events", self.id),
            },
        }
    }
}

/// The jobs this server started, newest last.
#[derive(Default)]
pub struct Jobs {
    inner: Mutex<JobsInner>,
}

struct JobsInner {
    /// This server's start, in milliseconds since the Unix epoch, in base
    /// 36: ids of jobs of an earlier run of the server never come back.
    epoch: String,
    next: u64,
    order: VecDeque<String>,
    records: HashMap<String, Arc<JobRecord>>,
}

impl Default for JobsInner {
    fn default() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Self {
            epoch: base36(millis),
            next: 0,
            order: VecDeque::new(),
            records: HashMap::new(),
        }
    }
}

fn base36(mut n: u128) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut text = Vec::new();
    loop {
        text.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    text.reverse();
    String::from_utf8(text).expect("ASCII digits")
}

impl Jobs {
    /// Registers a new running job.
    pub fn add(&self, out: String, cancel: CancelToken) -> Arc<JobRecord> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.next += 1;
        let id = format!("job-{}-{}", inner.epoch, inner.next);
        let record = Arc::new(JobRecord::new(id.clone(), out, cancel));
        inner.order.push_back(id.clone());
        inner.records.insert(id, record.clone());
        // Forget the oldest finished jobs beyond the limit.
        while inner.order.len() > RECENT_JOBS {
            let Some(position) = inner
                .order
                .iter()
                .position(|id| inner.records[id].status() != JobStatus::Running)
            else {
                break;
            };
            if let Some(old) = inner.order.remove(position) {
                inner.records.remove(&old);
            }
        }
        record
    }

    pub fn get(&self, id: &str) -> Option<Arc<JobRecord>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.records.get(id).cloned()
    }

    /// Every remembered job, oldest first.
    pub fn all(&self) -> Vec<Arc<JobRecord>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .order
            .iter()
            .map(|id| inner.records[id].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids restarted at `job-1` with every server, so an id kept from an
    /// earlier run could name another job.
    #[test]
    fn job_ids_of_two_server_runs_never_collide() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(36 * 36 + 35), "10z");
        let first = Jobs::default();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = Jobs::default();
        let a = first.add("a".into(), CancelToken::new());
        let b = second.add("b".into(), CancelToken::new());
        assert_ne!(a.id, b.id);
        assert!(a.id.starts_with("job-") && a.id.ends_with("-1"), "{}", a.id);
        let a2 = first.add("a".into(), CancelToken::new());
        assert!(a2.id.ends_with("-2"), "{}", a2.id);
    }
}
