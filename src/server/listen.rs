//! The accept loop: each connection served by hyper's HTTP/1 with a
//! header-read timeout and an idle timeout, and all of them drained on
//! shutdown. (`axum::serve` has neither timeout, so 200 connections that
//! sent half a request head stayed open for good.)

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

/// How long a connection waits on its client before it is closed.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From the moment a connection can take a request (accepted, or its
    /// last response sent) to the end of the request's head.
    pub header: Duration,
    /// With no byte read or written while no handler works on a response.
    pub idle: Duration,
}

/// Serves `app` on every connection `listener` accepts until `shutdown`
/// resolves; then stops accepting and waits for the open connections to
/// finish what they are answering.
pub async fn accept(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let (stopping, stop) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, _)) => {
                serve_connection(stream, app.clone(), timeouts, &graceful, stop.clone())
            }
            Err(error) => accept_failed(error).await,
        }
    }
    drop(listener);
    // A connection that never sent a whole request head is owed nothing:
    // closed now rather than at its header timeout. The others finish
    // what they are answering.
    stopping.send_replace(true);
    graceful.shutdown().await;
}

/// A connection reset before it was accepted is the client's business;
/// anything else (out of file descriptors) is waited out, as axum does,
/// rather than spun on.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::error!(%error, "accepting a connection failed; retrying in 1 s");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Serves one connection on a task of its own, closing it when its head
/// is late (hyper's timer), when it has moved no byte for the idle timeout
/// (the watchdog; hyper has no such timer for HTTP/1), or when the server
/// stops before it sent a request.
fn serve_connection(
    stream: TcpStream,
    app: Router,
    timeouts: Timeouts,
    graceful: &GracefulShutdown,
    stop: watch::Receiver<bool>,
) {
    limit_unsent(&stream);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = Marked {
        app: TowerToHyperService::new(app),
        activity: activity.clone(),
    };
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header)
        .serve_connection(io, service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        tokio::select! {
            result = connection => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection closed");
                }
            }
            () = activity.idle_for(timeouts.idle) => {
                tracing::debug!(idle = ?timeouts.idle, "closed a connection that moved no byte");
            }
            () = stopped_before_a_request(stop, &activity) => {
                tracing::debug!("closed, at shutdown, a connection that sent no request");
            }
        }
    });
}

/// Resolves when the server stops before the connection of `activity`
/// has sent a whole request head; never otherwise.
async fn stopped_before_a_request(mut stop: watch::Receiver<bool>, activity: &Activity) {
    let stopped = stop.wait_for(|stopping| *stopping).await.is_ok();
    if !stopped || activity.asked.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
}

/// Unsent bytes a connection may queue in the kernel before a write waits.
/// Without a limit the kernel takes megabytes for a client that does not
/// read: 100 event streams that never read held 2.5 MB each, the report of
/// a full job, and copying those 250 MB when the job finished stalled
/// other requests. A reading client is refilled as the queue drains.
const UNSENT_BYTES: libc::c_int = 128 * 1024;

#[cfg(any(target_os = "linux", target_os = "android"))]
fn limit_unsent(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let value = UNSENT_BYTES;
    // SAFETY: the descriptor is an open TCP socket for the call's length,
    // and the option is a c_int read by its size.
    let result = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NOTSENT_LOWAT,
            (&raw const value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result != 0 {
        let error = io::Error::last_os_error();
        tracing::debug!(%error, "cannot limit a connection's unsent bytes");
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn limit_unsent(_: &TcpStream) {}

/// The router, marking its connection busy while a handler works on a
/// response: a cost estimate of a large selection computes for tens of
/// seconds without a byte to send, and its client is not idle.
struct Marked {
    app: TowerToHyperService<Router>,
    activity: Arc<Activity>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Marked {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<Incoming>) -> Answer {
        let working = Working::start(self.activity.clone());
        let answer = self.app.call(request);
        Box::pin(async move {
            let response = answer.await;
            drop(working);
            response
        })
    }
}

/// A handler at work on a connection, from its request's head to its
/// response's head.
struct Working(Arc<Activity>);

impl Working {
    fn start(activity: Arc<Activity>) -> Self {
        activity.asked.store(true, Ordering::SeqCst);
        activity.working.fetch_add(1, Ordering::SeqCst);
        Self(activity)
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        // The idle time counts from the answer, not from the request.
        self.0.touch();
        self.0.working.fetch_sub(1, Ordering::SeqCst);
    }
}

/// When a connection last moved a byte either way, whether a handler is
/// working on it, and whether it ever sent a request.
struct Activity {
    since: Instant,
    /// Milliseconds from `since` to the last byte.
    last: AtomicU64,
    /// Handlers working on a response.
    working: AtomicUsize,
    /// A request head has come whole.
    asked: AtomicBool,
}

impl Activity {
    fn new() -> Self {
        Self {
            since: Instant::now(),
            last: AtomicU64::new(0),
            working: AtomicUsize::new(0),
            asked: AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        let now = self.since.elapsed().as_millis();
        self.last
            .store(u64::try_from(now).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Resolves once no byte has moved for `limit` and no handler works.
    async fn idle_for(&self, limit: Duration) {
        loop {
            // `working` before `last`: a handler that has just ended
            // touched `last` before it stopped counting.
            if self.working.load(Ordering::SeqCst) > 0 {
                tokio::time::sleep(limit).await;
                continue;
            }
            let last = Duration::from_millis(self.last.load(Ordering::SeqCst));
            let deadline = self.since + last + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A TCP stream that records when bytes move.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    /// Records progress when `poll` moved some bytes.
    fn note(&self, poll: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if let Poll::Ready(Ok(n)) = poll
            && n > 0
        {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        self.note(poll.map_ok(|()| read)).map_ok(|_| ())
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.note(poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.note(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
