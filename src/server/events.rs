//! A job's event stream as Server-Sent Events. Each event is serialized
//! once, when it happens, into the frame that every listener sends; each
//! listener reads the job's history at its own pace. So the job does the
//! same work for a hundred listeners as for one, and a listener that stops
//! reading holds back nothing but its own connection (which the idle
//! timeout then closes).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::error::Problem;
use super::state::JobRecord;
use crate::job::Event;

/// One event as it goes on the wire (`event: KIND`, `data: JSON`, a blank
/// line). Clones share the bytes.
#[derive(Clone, Debug)]
pub struct Frame {
    bytes: Bytes,
    /// `finished` or `error`: nothing follows.
    last: bool,
}

impl Frame {
    pub fn event(event: &Event) -> Self {
        let data = serde_json::to_string(event).expect("events serialize");
        Self::new(kind(event), &data, matches!(event, Event::Finished { .. }))
    }

    /// The report's JSON in a `finished` frame, sharing its bytes: serde
    /// writes the event `{"event":"finished","report":REPORT}`.
    pub fn report(&self) -> Option<Bytes> {
        let head = FINISHED_HEAD.len();
        let tail = FINISHED_TAIL.len();
        let whole = self.bytes.starts_with(FINISHED_HEAD.as_bytes())
            && self.bytes.ends_with(FINISHED_TAIL.as_bytes())
            && self.bytes.len() >= head + tail;
        whole.then(|| self.bytes.slice(head..self.bytes.len() - tail))
    }

    /// The job failed or was cancelled.
    pub fn failure(problem: &Problem) -> Self {
        let data = serde_json::to_string(problem).expect("problems serialize");
        Self::new("error", &data, true)
    }

    // Compact JSON has no line breaks, so the data is one `data:` line.
    fn new(kind: &str, data: &str, last: bool) -> Self {
        let bytes = Bytes::from(format!("event: {kind}\ndata: {data}\n\n"));
        Self { bytes, last }
    }
}

/// What comes before and after the report in a `finished` frame.
const FINISHED_HEAD: &str = "event: finished\ndata: {\"event\":\"finished\",\"report\":";
const FINISHED_TAIL: &str = "}\n\n";

/// The event's name on the stream: its `event` tag.
fn kind(event: &Event) -> &'static str {
    match event {
        Event::Planned { .. } => "planned",
        Event::FileStarted { .. } => "file_started",
        Event::Progress { .. } => "progress",
        Event::FileDone { .. } => "file_done",
        Event::Finished { .. } => "finished",
    }
}

/// Frames one listener may have waiting for its connection: a few, since
/// the rest wait in the job's history at no cost to anyone.
const QUEUED: usize = 16;

/// The longest a stream stays quiet before it sends a comment, so that
/// proxies and clients do not take a job between events for a dead one
/// (shorter with a short idle timeout; see `AppState::keep_alive`).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

const KEEP_ALIVE_COMMENT: &[u8] = b":\n\n";

/// `job`'s events from the first, then each as it happens, to the last;
/// a comment every `keep_alive` that passes without one.
pub fn stream(job: Arc<JobRecord>, keep_alive: Duration) -> Body {
    let (sender, receiver) = mpsc::channel(QUEUED);
    tokio::spawn(feed(job, sender, keep_alive));
    Body::from_stream(ReceiverStream::new(receiver))
}

/// Sends the job's frames from its history, waiting for the next when it
/// has sent them all, until the last frame or until the client has gone.
async fn feed(
    job: Arc<JobRecord>,
    sender: mpsc::Sender<Result<Bytes, Infallible>>,
    keep_alive: Duration,
) {
    // Subscribed before the first read of the history, so no event can
    // fall between the read and the wait.
    let mut changes = job.changes();
    let mut next = 0;
    loop {
        let frames = job.frames_from(next);
        next += frames.len();
        for frame in frames {
            if sender.send(Ok(frame.bytes)).await.is_err() || frame.last {
                return;
            }
        }
        let alive = tokio::select! {
            changed = changes.changed() => changed.is_ok(),
            () = tokio::time::sleep(keep_alive) => {
                sender.send(Ok(Bytes::from_static(KEEP_ALIVE_COMMENT))).await.is_ok()
            }
        };
        if !alive {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_one_server_sent_event_named_by_the_events_tag() {
        let event = Event::Planned {
            files: 2,
            conversations: 64,
        };
        let frame = Frame::event(&event);
        assert_eq!(
            frame.bytes,
            "event: planned\ndata: {\"event\":\"planned\",\"files\":2,\"conversations\":64}\n\n"
        );
        assert!(!frame.last);
        assert_eq!(frame.report(), None);
        let finished = Frame::new(
            "finished",
            r#"{"event":"finished","report":{"kept":1}}"#,
            true,
        );
        assert_eq!(finished.report().unwrap(), r#"{"kept":1}"#);
        let progress = Frame::event(&Event::Progress { conversations: 3 });
        assert!(
            progress
                .bytes
                .starts_with(b"event: progress\ndata: {\"event\":\"progress\"")
        );
    }
}
