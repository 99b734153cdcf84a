//! `POST /coverage/generate` and `GET /coverage/generate?dry_run=true`: a
//! dry run's counts, a saving job, or the documents streamed as NDJSON.

use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::ToSchema;

use crate::contract::files::Layout;
use crate::contract::manifest::{Manifest, PairSummary, RuleSummary, Totals};
use crate::contract::subset::Subset;
use crate::coverage::Coverage;
use crate::generate::{Deal, generate_in_run};
use crate::job::{
    self, CancelToken, GenerateSpec, Guardrails, JobError, JobSpec, Work, WritePolicy,
};
use crate::server::error::{ApiError, Problem};
use crate::server::request::{Generate, GenerateRequest, Mode};
use crate::server::state::{AppState, JobSpecSummary, JobView};
use crate::tree;

/// The largest request body the API reads.
pub const BODY_LIMIT: usize = 64 * 1024;

/// `dry_run` on `GET /coverage/generate`: only `true` is answered.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DryRunFlag {
    True,
}

/// What a dry run answers: the counts and the files, nothing written.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DryRun {
    pub seed: u64,
    /// The output directory, relative to the server's root.
    pub out: String,
    pub totals: Totals,
    /// Kept and excluded per selected (domain, behavior).
    pub pairs: Vec<PairSummary>,
    /// Every rule with its rationale and what it removed in this selection.
    pub rules: Vec<RuleSummary>,
    /// The files a save would write, and whether each is there already.
    pub files: Vec<PlannedFile>,
    /// Each conversation once, however many layouts hold it: the kept
    /// scenarios (or the subset's) × variants.
    pub unique_conversations: usize,
    /// What a save would write: every file's conversations (a scenario
    /// counts once per layout), variants included.
    pub conversations: usize,
    /// The most conversations this server writes for one request: a save
    /// of more is refused with 422.
    pub max_conversations: usize,
    /// The covering subset a save would write (`strength`), with its
    /// coverage and cost; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<Subset>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PlannedFile {
    /// The dataset, relative to `out`; its golden is `golden_path`.
    pub path: String,
    pub golden_path: String,
    pub dataset_id: String,
    pub layout: Layout,
    pub conversations: usize,
    /// The dataset or its golden exists already (a save without
    /// `overwrite` would be refused).
    pub exists: bool,
}

/// Generate: a dry run, a job that saves, or a stream.
#[utoipa::path(
    post,
    path = "/coverage/generate",
    tag = "coverage",
    request_body(content = Option<GenerateRequest>, description = "every field optional, the body too; defaults as the CLI"),
    responses(
        (status = 200, description = "dry_run: the counts and files (JSON); save false: one {dataset_id, layout, conversation, golden} per line (NDJSON)", content(
            (DryRun = "application/json"),
            (String = "application/x-ndjson"),
        )),
        (status = 202, description = "save: the job started", body = JobView),
        (status = 400, description = "the body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "the body did not arrive within the idle timeout", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "files exist, or another job holds the directory", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "an unknown id or a bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post(State(state): State<Arc<AppState>>, body: Body) -> Result<Response, ApiError> {
    let bytes = read_body(body, state.idle_timeout).await?;
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        crate::strict_json::from_slice(&bytes).map_err(
            |e| match crate::strict_json::duplicate_key(&e) {
                Some(key) => ApiError::invalid(
                    &key,
                    Value::String(key.clone()),
                    format!("the body names '{key}' more than once"),
                    "each field once",
                ),
                None => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("the body is not JSON: {e}"),
                ),
            },
        )?
    };
    let request = Generate::from_json(&value)?;
    respond(state, request).await
}

/// The body, at most [`BODY_LIMIT`] bytes, in full within `timeout`: the
/// connection counts as busy while its handler runs, so a body that stops
/// coming is timed here, not by the idle timeout.
async fn read_body(body: Body, timeout: std::time::Duration) -> Result<Bytes, ApiError> {
    tokio::time::timeout(timeout, axum::body::to_bytes(body, BODY_LIMIT))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not arrive within {timeout:?}"),
            )
        })?
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {BODY_LIMIT} bytes"),
            )
        })
}

/// The dry-run counts of a selection (what a page polls as it changes).
#[utoipa::path(
    get,
    path = "/coverage/generate",
    tag = "coverage",
    params(
        ("dry_run" = DryRunFlag, Query, description = "must be true"),
        ("domains" = Option<Vec<crate::taxonomy::Domain>>, Query, description = "domain ids, repeated or comma-separated (default all)"),
        ("behaviors" = Option<Vec<crate::taxonomy::Behavior>>, Query, description = "behavior ids, repeated or comma-separated (default all)"),
        ("seed" = Option<i64>, Query, minimum = 0, maximum = 9007199254740991.0),
        ("layouts" = Option<Vec<Layout>>, Query, description = "split, combined, global (default all three)"),
        ("combined" = Option<bool>, Query),
        ("format" = Option<crate::contract::files::Format>, Query),
        ("out" = Option<String>, Query, description = "relative directory under the root"),
        ("strength" = Option<u32>, Query, minimum = 2, maximum = 3, description = "only a covering subset: every combination of 2 or 3 factor values the kept set holds"),
        ("budget" = Option<u64>, Query, minimum = 1, description = "with strength: at most this many scenarios"),
    ),
    responses(
        (status = 200, body = DryRun),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = Generate::from_query(query.as_deref().unwrap_or_default())?;
    if request.mode != Mode::DryRun {
        return Err(ApiError::invalid(
            "dry_run",
            Value::Bool(false),
            "GET answers dry runs only; POST /coverage/generate to save or stream",
            "true",
        ));
    }
    respond(state, request).await
}

async fn respond(state: Arc<AppState>, request: Generate) -> Result<Response, ApiError> {
    let out = tree::inside(&state.root, &request.out).map_err(|e| {
        let mut error = ApiError::invalid(
            "out",
            Value::String(request.out.display().to_string()),
            format!("'{}' {}", request.out.display(), e.what),
            "a relative path of plain directories under the server's root",
        );
        error.1.paths = vec![
            e.path
                .strip_prefix(&state.root)
                .unwrap_or(&e.path)
                .display()
                .to_string(),
        ];
        error
    })?;
    match request.mode {
        Mode::DryRun => {
            let coverage = state.coverage(request.seed).await?;
            let limit = state.max_conversations;
            let dry = blocking(move || dry_run(&coverage, &request, &out, limit)).await?;
            Ok(Json(dry).into_response())
        }
        Mode::Save { overwrite } => save(state, request, out, overwrite).await,
        Mode::Stream => {
            // The same ceiling as a saving job, before the first line.
            let coverage = state.coverage(request.seed).await?;
            state.within_ceiling(request.conversations(&coverage))?;
            Ok(stream(request))
        }
    }
}

/// A directory relative to the root as clients see it: `.` for the root.
fn shown(out: &Path) -> String {
    match out.as_os_str().is_empty() {
        true => ".".into(),
        false => out.display().to_string(),
    }
}

/// Runs `work` on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("a worker failed: {e}"),
        )
    })
}

fn dry_run(coverage: &Coverage, request: &Generate, out: &Path, limit: usize) -> DryRun {
    let manifest = Manifest::build(coverage, &request.selection);
    let subset = request.subset.as_ref().map(|spec| {
        let mut subset = crate::subset::select_in(coverage, &request.selection, spec);
        subset.cost = Some(crate::cost::subset_cost(
            coverage,
            &request.selection,
            &subset,
        ));
        subset
    });
    let only = subset.as_ref().map(crate::subset::scenarios_of);
    let kept_in = |file: &job::OutputFile| match &only {
        Some(scenarios) => scenarios.iter().filter(|s| file.holds(s)).count(),
        None => file.kept_in(&manifest.pairs),
    };
    let files = job::plan(&request.selection, &request.layouts)
        .into_iter()
        .map(|file| {
            let path = file.dataset_path(request.format);
            let golden_path = file.golden_path(request.format);
            let exists = out.join(&path).symlink_metadata().is_ok()
                || out.join(&golden_path).symlink_metadata().is_ok();
            PlannedFile {
                conversations: kept_in(&file) * request.variants as usize,
                path: path.display().to_string(),
                golden_path: golden_path.display().to_string(),
                dataset_id: file.dataset_id,
                layout: file.layout,
                exists,
            }
        })
        .collect::<Vec<_>>();
    let scenarios = only.as_ref().map_or(manifest.totals.kept, Vec::len);
    DryRun {
        unique_conversations: scenarios * request.variants as usize,
        conversations: files.iter().map(|f| f.conversations).sum(),
        max_conversations: limit,
        seed: request.seed,
        out: shown(&request.out),
        totals: manifest.totals,
        pairs: manifest.pairs,
        rules: manifest.rules,
        files,
        subset,
    }
}

async fn save(
    state: Arc<AppState>,
    request: Generate,
    out: std::path::PathBuf,
    overwrite: bool,
) -> Result<Response, ApiError> {
    let summary = summary(&request, overwrite);
    let spec = JobSpec {
        out,
        work: Work::Generate(GenerateSpec {
            selection: request.selection,
            seed: request.seed,
            layouts: request.layouts,
            format: request.format,
            shard: None,
            variants: request.variants,
            subset: request.subset,
        }),
        policy: if overwrite {
            WritePolicy::Overwrite
        } else {
            WritePolicy::Refuse
        },
        dry_run: false,
        concurrency: state.concurrency,
        batch_size: job::DEFAULT_BATCH,
        guardrails: Guardrails {
            max_conversations: Some(state.max_conversations),
            ..Guardrails::half_of_memory()
        },
    };
    // Refusals (files in the way, a directory in use) answer this request.
    let started = blocking(move || job::start(spec))
        .await?
        .map_err(|e| ApiError::from_job(e, &state.root))?;
    let cancel = CancelToken::new();
    let record = state.jobs.add(shown(&request.out), summary, cancel.clone());
    tracing::info!(job = %record.id, out = %record.out, conversations = started.conversations(), "job started");
    let running = record.clone();
    let root = state.root.clone();
    tokio::task::spawn_blocking(move || {
        let result = started.run(&cancel, &mut |mut event| {
            log_event(&running.id, &event);
            // Clients see paths relative to the root, never the server's own.
            if let crate::job::Event::Finished { report } = &mut event {
                report.out = running.out.clone();
            }
            running.push(event);
        });
        if let Err(error) = result {
            let cancelled = matches!(error, JobError::Cancelled);
            tracing::info!(job = %running.id, error = %error, "job ended");
            running.fail(*ApiError::from_job(error, &root).1, cancelled);
        }
    });
    let view = record.view();
    let mut response = (StatusCode::ACCEPTED, Json(view)).into_response();
    if let Ok(location) = header::HeaderValue::from_str(&format!("/coverage/jobs/{}", record.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// What the job list shows of a saving request.
fn summary(request: &Generate, overwrite: bool) -> JobSpecSummary {
    let subset = request.subset.as_ref();
    JobSpecSummary {
        seed: request.seed,
        domains: request.selection.domains().to_vec(),
        behaviors: request.selection.behaviors().to_vec(),
        layouts: request.layouts.clone(),
        format: request.format,
        variants: request.variants,
        strength: subset.map(|s| s.strength.get() as u32),
        budget: subset.and_then(|s| s.budget).map(|b| b.get() as u64),
        overwrite,
    }
}

/// One structured log line per job event (progress is summed, not logged).
fn log_event(job: &str, event: &crate::job::Event) {
    use crate::job::Event;
    match event {
        Event::Planned {
            files,
            conversations,
        } => tracing::info!(job, files, conversations, "planned"),
        Event::FileStarted { path, .. } => tracing::info!(job, path, "file started"),
        Event::Progress { .. } => {}
        Event::FileDone { path, status, .. } => {
            tracing::info!(job, path, status = status.id(), "file done")
        }
        Event::Finished { report } => tracing::info!(
            job,
            kept = report.kept,
            files = report.files.len(),
            "finished"
        ),
    }
}

/// Every document of the request as NDJSON, one conversation with its
/// golden entry per line, generated as the client reads.
fn stream(request: Generate) -> Response {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::task::spawn_blocking(move || {
        let coverage = Coverage::evaluate(request.seed);
        let deal = Deal::new(&coverage);
        let only: Option<std::collections::BTreeSet<crate::Scenario>> =
            request.subset.as_ref().map(|spec| {
                let subset = crate::subset::select_in(&coverage, &request.selection, spec);
                crate::subset::scenarios_of(&subset).into_iter().collect()
            });
        for file in job::plan(&request.selection, &request.layouts) {
            let variants = request.variants;
            let units = file
                .scenarios(&coverage, &request.selection)
                .filter(|s| only.as_ref().is_none_or(|only| only.contains(s)))
                .flat_map(|scenario| (0..variants).map(move |variant| (scenario, variant)));
            for (scenario, variant) in units {
                let generated =
                    generate_in_run(&deal, &scenario, variant, variants, &file.dataset_id);
                let line = serde_json::json!({
                    "dataset_id": file.dataset_id,
                    "layout": file.layout,
                    "conversation": generated.conversation,
                    "golden": generated.golden,
                });
                let mut bytes = serde_json::to_vec(&line).expect("documents serialize");
                bytes.push(b'\n');
                // The client went away: stop generating.
                if sender.blocking_send(Ok(Bytes::from(bytes))).is_err() {
                    return;
                }
            }
        }
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-ndjson"),
    );
    (headers, Body::from_stream(ReceiverStream::new(receiver))).into_response()
}
