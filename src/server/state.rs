//! What the server holds: its root, its token, and the jobs it started,
//! each with the history of its events so that a late listener sees the
//! whole run.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::ToSchema;

use super::ServerConfig;
use super::error::{ApiError, Problem};
use super::events::{Frame, KEEP_ALIVE};
use axum::body::Bytes;
use serde_json::value::RawValue;

use crate::contract::report::RunReport;
use crate::cost::Rates;
use crate::coverage::Coverage;
use crate::job::{CancelToken, Event, Format, Layout};
use crate::run::now_rfc3339;
use crate::taxonomy::{Behavior, Domain};

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
    /// How long a connection may move no byte (see `ServerConfig`); a
    /// request body must arrive within it.
    pub idle_timeout: Duration,
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
    /// The state of a server of `config` whose root, made and resolved, is
    /// `root`.
    pub fn new(root: PathBuf, config: &ServerConfig) -> Self {
        Self {
            root,
            token: config.token.clone(),
            allowed_hosts: config.allowed_hosts.clone(),
            concurrency: config.concurrency.max(1),
            max_conversations: config.max_conversations,
            rates: config.rates.clone(),
            idle_timeout: config.idle_timeout,
            page: std::sync::OnceLock::new(),
            jobs: Jobs::default(),
            coverages: Mutex::default(),
        }
    }

    /// How long an event stream stays quiet before it sends a comment:
    /// well inside the idle timeout, which would otherwise close a stream
    /// whose job is between events.
    pub fn keep_alive(&self) -> Duration {
        (self.idle_timeout / 4).min(KEEP_ALIVE)
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

/// One job the server started.
pub struct JobRecord {
    pub id: String,
    /// The `n` of its id `job-<epoch>-<n>`: the job list's order.
    sequence: u64,
    /// Its output directory, relative to the root.
    pub out: String,
    /// What it was asked to generate.
    pub spec: JobSpecSummary,
    pub cancel: CancelToken,
    /// When it started, RFC 3339 in UTC.
    started_at: String,
    state: Mutex<RecordState>,
    /// How many frames the history holds, for listeners waiting for more.
    frames: watch::Sender<usize>,
}

/// What a job was asked to generate: the request's essentials, with every
/// default filled in.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobSpecSummary {
    #[schema(value_type = i64, minimum = 0)]
    pub seed: u64,
    pub domains: Vec<Domain>,
    pub behaviors: Vec<Behavior>,
    pub layouts: Vec<Layout>,
    pub format: Format,
    pub variants: u32,
    /// The covering subset's strength, when only a subset was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<u32>,
    /// The subset's budget in scenarios, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u64>,
    pub overwrite: bool,
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
    /// When it ended, RFC 3339 in UTC.
    ended_at: Option<String>,
    /// Every event so far, as its stream sends it, for listeners to read
    /// at their own pace: a late one sees the whole run.
    history: Vec<Frame>,
    /// The report's JSON: a slice of the `finished` frame's bytes, so a
    /// full job's 2.4 MB report is held once.
    report: Option<Bytes>,
    error: Option<Problem>,
}

/// A job as `GET /coverage/jobs/{id}` shows it: its summary, and what
/// the list leaves out.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub metrics: JobMetrics,
    /// When it succeeded: the run's report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<RunReport>)]
    pub report: Option<Box<RawValue>>,
    /// When it failed or was cancelled: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Problem>,
}

/// A job as the job list shows it: no report, no problem, no metrics
/// (those are at its `self` link), so that a page of the list stays small
/// however large the jobs' reports are.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobSummary {
    pub id: String,
    pub status: JobStatus,
    /// The output directory, relative to the server's root.
    pub out: String,
    pub spec: JobSpecSummary,
    /// When it started, RFC 3339 in UTC, to the second.
    pub started_at: String,
    /// When it ended, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    pub progress: Progress,
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
    fn new(
        (id, sequence): (String, u64),
        out: String,
        spec: JobSpecSummary,
        cancel: CancelToken,
    ) -> Self {
        Self {
            id,
            sequence,
            out,
            spec,
            cancel,
            started_at: now_rfc3339(),
            state: Mutex::new(RecordState {
                status: JobStatus::Running,
                total: 0,
                done: 0,
                bytes: 0,
                started: std::time::Instant::now(),
                seconds: None,
                ended_at: None,
                history: Vec::new(),
                report: None,
                error: None,
            }),
            frames: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecordState> {
        // A listener that panicked mid-update leaves data that is still
        // consistent enough to show.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an event for its listeners. The lock is held for
    /// bookkeeping only: the event is serialized before, and listeners
    /// are woken after.
    pub fn push(&self, event: Event) {
        let frame = Frame::event(&event);
        let mut state = self.lock();
        match event {
            Event::Planned { conversations, .. } => state.total = conversations,
            Event::Progress { conversations } => state.done += conversations,
            Event::FileDone { bytes, .. } => state.bytes += bytes,
            Event::Finished { .. } => {
                state.status = JobStatus::Succeeded;
                state.end();
                state.report = frame.report();
            }
            Event::FileStarted { .. } => {}
        }
        self.record(state, frame);
    }

    /// Ends the job with an error.
    pub fn fail(&self, problem: Problem, cancelled: bool) {
        let frame = Frame::failure(&problem);
        let mut state = self.lock();
        state.status = if cancelled {
            JobStatus::Cancelled
        } else {
            JobStatus::Failed
        };
        state.error = Some(problem);
        state.end();
        self.record(state, frame);
    }

    /// Adds `frame` to the history, then wakes the listeners.
    fn record(&self, mut state: std::sync::MutexGuard<'_, RecordState>, frame: Frame) {
        state.history.push(frame);
        let count = state.history.len();
        drop(state);
        self.frames.send_replace(count);
    }

    pub fn status(&self) -> JobStatus {
        self.lock().status
    }

    /// The history's frames from the `next`th on (shared, not copied).
    pub fn frames_from(&self, next: usize) -> Vec<Frame> {
        let state = self.lock();
        state.history.get(next..).unwrap_or_default().to_vec()
    }

    /// Changes when a frame is added to the history.
    pub fn changes(&self) -> watch::Receiver<usize> {
        self.frames.subscribe()
    }

    /// The job without its report, as the job list shows it.
    pub fn summary(&self) -> JobSummary {
        self.summary_of(&self.lock())
    }

    fn summary_of(&self, state: &RecordState) -> JobSummary {
        JobSummary {
            id: self.id.clone(),
            status: state.status,
            out: self.out.clone(),
            spec: self.spec.clone(),
            started_at: self.started_at.clone(),
            ended_at: state.ended_at.clone(),
            progress: state.progress(),
            links: self.links(),
        }
    }

    fn links(&self) -> JobLinks {
        JobLinks {
            this: format!("/coverage/jobs/{}", self.id),
            events: format!("/coverage/jobs/{}/events", self.id),
        }
    }

    /// The report of a job that succeeded; `None` while it runs and when it
    /// failed or was cancelled.
    pub fn report(&self) -> Option<RunReport> {
        let json = self.lock().report.clone()?;
        Some(serde_json::from_slice(&json).expect("the report this server serialized"))
    }

    pub fn view(&self) -> JobView {
        let (mut view, report) = self.view_without_report();
        // Outside the lock: checking 2.4 MB of JSON takes milliseconds.
        view.report = report.map(|json| {
            let text = String::from_utf8(json.to_vec()).expect("serde_json writes UTF-8");
            RawValue::from_string(text).expect("serde_json writes JSON")
        });
        view
    }

    /// The view with `report` unset, and the report's JSON.
    fn view_without_report(&self) -> (JobView, Option<Bytes>) {
        let state = self.lock();
        let view = JobView {
            summary: self.summary_of(&state),
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
            report: None,
            error: state.error.clone(),
        };
        (view, state.report.clone())
    }
}

impl RecordState {
    /// Marks the job ended now.
    fn end(&mut self) {
        self.seconds = Some(self.started.elapsed().as_secs_f64());
        self.ended_at = Some(now_rfc3339());
    }

    fn progress(&self) -> Progress {
        Progress {
            done: self.done,
            total: self.total,
        }
    }
}

/// One page of the job list: the jobs after a cursor, oldest first.
pub struct JobPage {
    pub jobs: Vec<Arc<JobRecord>>,
    /// Every job the server remembers.
    pub total: usize,
    /// More jobs follow the last of this page.
    pub more: bool,
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
    pub fn add(&self, out: String, spec: JobSpecSummary, cancel: CancelToken) -> Arc<JobRecord> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.next += 1;
        let id = format!("job-{}-{}", inner.epoch, inner.next);
        let record = Arc::new(JobRecord::new((id.clone(), inner.next), out, spec, cancel));
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

    /// The job ids of this server run are `job-<epoch>-<n>`; `n` of `id`,
    /// or `None` when `id` is not one (whether or not the job is still
    /// remembered: a cursor outlives the job it names).
    pub fn sequence(&self, id: &str) -> Option<u64> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let n = id
            .strip_prefix("job-")?
            .strip_prefix(inner.epoch.as_str())?;
        n.strip_prefix('-')?.parse().ok()
    }

    /// What an id of this server run looks like, for messages.
    pub fn id_pattern(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        format!("job-{}-N", inner.epoch)
    }

    /// At most `limit` jobs, oldest first, from the one after job number
    /// `after` (from the first without it).
    pub fn page(&self, after: Option<u64>, limit: usize) -> JobPage {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let after = after.unwrap_or(0);
        // Jobs are numbered in the order they are added, so `order` is
        // sorted by number.
        let start = inner
            .order
            .partition_point(|id| inner.records[id].sequence <= after);
        let jobs: Vec<_> = inner
            .order
            .iter()
            .skip(start)
            .take(limit)
            .map(|id| inner.records[id].clone())
            .collect();
        JobPage {
            more: start + jobs.len() < inner.order.len(),
            total: inner.order.len(),
            jobs,
        }
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
        let a = first.add("a".into(), spec(), CancelToken::new());
        let b = second.add("b".into(), spec(), CancelToken::new());
        assert_ne!(a.id, b.id);
        assert!(a.id.starts_with("job-") && a.id.ends_with("-1"), "{}", a.id);
        let a2 = first.add("a".into(), spec(), CancelToken::new());
        assert!(a2.id.ends_with("-2"), "{}", a2.id);
    }

    fn spec() -> JobSpecSummary {
        JobSpecSummary {
            seed: 42,
            domains: Domain::ALL.to_vec(),
            behaviors: Behavior::ALL.to_vec(),
            layouts: Layout::ALL.to_vec(),
            format: Format::Json,
            variants: 1,
            strength: None,
            budget: None,
            overwrite: false,
        }
    }

    /// A cursor names a job by its number, so a page after a job the
    /// server has since forgotten still starts at the right place.
    #[test]
    fn pages_follow_the_cursor_even_past_forgotten_jobs() {
        let jobs = Jobs::default();
        let ids: Vec<String> = (0..RECENT_JOBS + 5)
            .map(|_| {
                let job = jobs.add("a".into(), spec(), CancelToken::new());
                job.fail(*ApiError::not_found("cancelled").1, true);
                job.id.clone()
            })
            .collect();
        let first = jobs.page(None, 3);
        let shown: Vec<&str> = first.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(
            shown,
            [&ids[5], &ids[6], &ids[7]],
            "the oldest five are forgotten"
        );
        assert_eq!((first.total, first.more), (RECENT_JOBS, true));
        let forgotten = jobs.sequence(&ids[1]);
        assert_eq!(forgotten, Some(2));
        assert_eq!(jobs.page(forgotten, 1).jobs[0].id, ids[5]);
        let last = jobs.page(jobs.sequence(&ids[RECENT_JOBS + 2]), 10);
        assert_eq!(last.jobs.len(), 2);
        assert!(!last.more);
        assert_eq!(jobs.sequence("job-0-1"), None, "another server run's id");
        assert_eq!(jobs.sequence("job-"), None);
    }
}
