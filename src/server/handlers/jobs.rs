//! `/coverage/jobs`: the jobs this server started, their state, their
//! event streams, cancelling them, and a finished job's files as one
//! archive.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::contract::report::RunReport;
use crate::server::archive::Entry;
use crate::server::error::{ApiError, Problem};
use crate::server::events;
use crate::server::handlers::files::FILES_CSP;
use crate::server::request::pairs;
use crate::server::state::{AppState, JobRecord, JobStatus, JobSummary, JobView};
use crate::tree;

/// Jobs on a page of the list when `limit` is not given.
pub const DEFAULT_PAGE: usize = 20;
/// The most jobs one page may hold: every job the server remembers.
pub const MAX_PAGE: usize = 100;

fn find(state: &AppState, id: &str) -> Result<Arc<JobRecord>, ApiError> {
    state.jobs.get(id).ok_or_else(|| {
        let mut error = ApiError::not_found(format!("no job '{id}' on this server"));
        error.1.field = Some("id".into());
        error.1.value = Some(Value::String(id.to_owned()));
        error
    })
}

/// One Server-Sent Event of a job's stream.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SseMessage {
    /// `planned`, `file_started`, `progress`, `file_done`, `finished` or `error`.
    pub event: String,
    /// The event as JSON (see `Event`), or for `error` the problem.
    pub data: String,
}

/// One page of the job list.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JobList {
    /// Oldest first; each without its report (see its `links.self`).
    pub jobs: Vec<JobSummary>,
    /// Every job the server remembers (the last 100 ended ones and all
    /// running ones), on all pages.
    pub total: usize,
    /// The page size used.
    pub limit: usize,
    /// The next page, or null on the last one.
    pub next: Option<String>,
}

/// Recent jobs, oldest first, a page at a time and without their reports:
/// `GET /coverage/jobs/{id}` has a job's report.
#[utoipa::path(
    get,
    path = "/coverage/jobs",
    tag = "jobs",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "jobs per page (default 20)"),
        ("after" = Option<String>, Query, description = "a job id of this server: list the jobs started after it (what `next` links to)"),
    ),
    responses(
        (status = 200, body = JobList),
        (status = 400, description = "a bad `limit` or `after`, an unknown parameter, or one given twice", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<JobList>, ApiError> {
    let (after, limit) = page_query(&state, query.as_deref().unwrap_or_default())?;
    let page = state.jobs.page(after, limit);
    let next = match page.jobs.last() {
        Some(last) if page.more => Some(format!("/coverage/jobs?limit={limit}&after={}", last.id)),
        _ => None,
    };
    Ok(Json(JobList {
        jobs: page.jobs.iter().map(|job| job.summary()).collect(),
        total: page.total,
        limit,
        next,
    }))
}

/// The list's `after` (as a job number) and `limit`, each checked.
fn page_query(state: &AppState, query: &str) -> Result<(Option<u64>, usize), ApiError> {
    let bad = |key: &str, value: String, detail: String, valid: String| {
        ApiError::invalid(key, Value::String(value), detail, valid)
            .with_status(StatusCode::BAD_REQUEST)
    };
    let (mut after, mut limit) = (None, DEFAULT_PAGE);
    for (key, value) in pairs(query)? {
        match key.as_str() {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        let detail = format!(
                            "'limit' must be a whole number from 1 to {MAX_PAGE}, not '{value}'"
                        );
                        bad("limit", value.clone(), detail, format!("1 to {MAX_PAGE}"))
                    })?
            }
            "after" => {
                let pattern = state.jobs.id_pattern();
                after = Some(state.jobs.sequence(&value).ok_or_else(|| {
                    let detail = format!(
                        "'after' must be a job id of this server ({pattern}), not '{value}'"
                    );
                    let valid = format!("an id from this server's job list, {pattern}");
                    bad("after", value.clone(), detail, valid)
                })?)
            }
            _ => {
                let detail = format!("unknown parameter '{key}'");
                return Err(bad(&key, value, detail, "limit, after".into()));
            }
        }
    }
    Ok((after, limit))
}

/// A job's state and progress, and its report once it succeeded.
#[utoipa::path(
    get,
    path = "/coverage/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = JobView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(find(&state, &id)?.view()))
}

/// Cancels a running job; files it finished stay whole.
#[utoipa::path(
    delete,
    path = "/coverage/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path)),
    responses(
        (status = 202, description = "cancellation asked; the job stops between conversations", body = JobView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the job has ended already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let job = find(&state, &id)?;
    let status = job.status();
    if status != JobStatus::Running {
        let mut error = ApiError::new(
            StatusCode::CONFLICT,
            format!("job '{id}' has ended ({}); nothing to cancel", status.id()),
        );
        error.1.field = Some("id".into());
        error.1.value = Some(Value::String(id));
        return Err(error);
    }
    job.cancel.cancel();
    tracing::info!(job = %id, "cancel requested");
    Ok((StatusCode::ACCEPTED, Json(job.view())))
}

/// The job's events as Server-Sent Events, from its first (`planned`) to
/// its last: `finished` with the report, or `error` with the problem.
#[utoipa::path(
    get,
    path = "/coverage/jobs/{id}/events",
    tag = "jobs",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "planned, file_started, progress, file_done, then finished or error; `data` is the event (or the problem) as JSON; a comment line (`:`) when the job has been quiet for a while", content_type = "text/event-stream", body = SseMessage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn events(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    let headers = [
        (header::CONTENT_TYPE, "text/event-stream"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    Ok((headers, events::stream(job, state.keep_alive())).into_response())
}

/// Every file a finished job wrote (datasets, goldens, sidecars, the
/// manifest and the lock file with the run's settings) as one tar
/// archive: its paths are relative to the job's output directory, so
/// `tar -xf` gives that directory's tree.
#[utoipa::path(
    get,
    path = "/coverage/jobs/{id}/archive",
    tag = "jobs",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "a POSIX tar (ustar) of the files the job's report lists and its lock file, paths relative to its `out`; `Content-Disposition: attachment`", content_type = "application/x-tar", body = String),
        (status = 404, description = "no such job, or one of its files is no longer a regular file under the root", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the job is still running, failed or was cancelled: only a finished job's files make an archive", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn archive(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = find(&state, &id)?;
    let report = job.report().ok_or_else(|| {
        let detail = match job.status() {
            JobStatus::Running => {
                format!("job '{id}' is still running; its archive is ready once it has finished")
            }
            status => format!(
                "job '{id}' {}: only a finished job's files make an archive",
                status.id()
            ),
        };
        let mut error = ApiError::new(StatusCode::CONFLICT, detail);
        error.1.field = Some("id".into());
        error.1.value = Some(Value::String(id.clone()));
        error
    })?;
    let entries = archive_entries(&state.root, &job.out, &report).await?;
    let headers = [
        (header::CONTENT_TYPE, "application/x-tar".to_owned()),
        (
            header::CONTENT_LENGTH,
            crate::server::archive::length(&entries).to_string(),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CONTENT_SECURITY_POLICY, FILES_CSP.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            // Job ids are `job-<base 36>-<n>`: safe in a header as they are.
            format!("attachment; filename=\"coverage-{id}.tar\""),
        ),
    ];
    Ok((headers, crate::server::archive::body(entries)).into_response())
}

/// The files of `report` as archive entries, each checked to be a regular
/// file reached under `root` through real directories only (no link
/// followed), and measured.
async fn archive_entries(
    root: &std::path::Path,
    out: &str,
    report: &RunReport,
) -> Result<Vec<Entry>, ApiError> {
    // Collected first: an iterator of closures held across the awaits
    // below would make the handler's future not `Send`.
    let names: Vec<String> = report
        .files
        .iter()
        .flat_map(|f| [&f.path, &f.golden_path].into_iter().chain(&f.meta_paths))
        .chain([&report.manifest_path])
        .cloned()
        .collect();
    // The lock file too, when the job left one: it records the run's
    // settings, which `--resume` of the unpacked tree checks.
    let files = names.into_iter().map(|name| (name, true));
    let lock = (crate::job::LOCK_FILE.to_owned(), false);
    let mut entries = Vec::new();
    for (name, required) in files.chain([lock]) {
        let gone = || {
            ApiError::not_found(format!(
                "'{name}' of this job is no longer a file under '{out}'; generate it again"
            ))
        };
        let path = tree::inside(root, &std::path::Path::new(out).join(&name));
        let meta = match &path {
            Ok(path) => tokio::fs::symlink_metadata(path).await.ok(),
            Err(_) => None,
        };
        let (Ok(path), Some(meta)) = (path, meta.filter(std::fs::Metadata::is_file)) else {
            if required {
                return Err(gone());
            }
            continue;
        };
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let entry = Entry::new(name, path, meta.len(), mtime)
            .map_err(|reason| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, reason))?;
        entries.push(entry);
    }
    Ok(entries)
}
