//! `/coverage/jobs`: the jobs this server started, their state, their
//! event streams, and cancelling them.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use serde_json::Value;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_stream::{Stream, StreamExt};

use crate::server::error::{ApiError, Problem};
use crate::server::state::{AppState, JobRecord, JobStatus, JobView, Message};

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

/// Recent jobs, oldest first.
#[utoipa::path(get, path = "/coverage/jobs", tag = "jobs", responses((status = 200, body = Vec<JobView>)))]
pub async fn list(State(state): State<Arc<AppState>>) -> Json<Vec<JobView>> {
    Json(state.jobs.all().iter().map(|job| job.view()).collect())
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
        (status = 200, description = "planned, file_started, progress, file_done, then finished or error; `data` is the event (or the problem) as JSON", content_type = "text/event-stream", body = SseMessage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn events(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let job = find(&state, &id)?;
    let (history, live) = job.subscribe();
    // A job that has ended has nothing live: a receiver whose sender is gone.
    let live = live.unwrap_or_else(|| tokio::sync::mpsc::unbounded_channel().1);
    let stream = tokio_stream::iter(history)
        .chain(UnboundedReceiverStream::new(live))
        .map(|message| Ok(sse_event(&message)));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn sse_event(message: &Message) -> SseEvent {
    match message {
        Message::Event(event) => {
            let value = serde_json::to_value(event).expect("events serialize");
            let kind = value["event"].as_str().unwrap_or("event").to_owned();
            SseEvent::default().event(kind).data(value.to_string())
        }
        Message::Failed(problem) => SseEvent::default()
            .event("error")
            .data(serde_json::to_string(problem).expect("problems serialize")),
    }
}
