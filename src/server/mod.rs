//! `coverage serve`: the HTTP API over the library (axum on tokio). It
//! writes to and serves files from one root directory only, starts
//! generation jobs through the job API and streams their events, and
//! answers every error as `application/problem+json`.
//!
//! `routes` builds the router; `handlers/` has one file per resource;
//! `error` maps the library's errors to problem responses; `request`
//! checks what clients send; `state` holds the jobs; `events` streams
//! them; `archive` packs a finished job's files into one tar; `listen` accepts connections and times them out; `openapi`
//! describes it all.

pub mod archive;
pub mod error;
pub mod events;
pub mod guard;
pub mod handlers;
pub mod listen;
pub mod openapi;
pub mod request;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use routes::router;
pub use state::AppState;

/// How a server is set up.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub root: PathBuf,
    pub token: Option<String>,
    /// Host names answered besides loopback names and IP addresses
    /// (`--allow-host`; see [`guard`]).
    pub allowed_hosts: Vec<String>,
    /// Worker threads per generation job.
    pub concurrency: usize,
    /// The most conversations one request may generate.
    pub max_conversations: usize,
    /// Prices for the cost estimate (`/coverage/cost` and the page).
    pub rates: crate::cost::Rates,
    /// How long a client has to send a request's head, counted from when
    /// its connection can take one (accepted, or its last response sent):
    /// a keep-alive connection idle that long is closed too.
    pub header_timeout: Duration,
    /// How long a connection may move no byte either way before it is
    /// closed: a response the client stopped reading, a body that stopped
    /// coming.
    pub idle_timeout: Duration,
}

/// The server's default ceiling: twelve default sets' worth of variants.
pub const DEFAULT_MAX_CONVERSATIONS: usize = 200_000;

/// A client on any working network sends a request head in well under a
/// second; ten seconds leaves room for a slow link, while a client that
/// opens connections and never finishes a head (slowloris) holds each for
/// ten seconds at most instead of for good.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// No handler computes for more than a few seconds without writing, and an
/// event stream sends at least a comment every `idle / 4` (15 s), so a
/// connection that has moved no byte for a minute has a client that
/// stopped reading or sending; closing it frees its socket and its task.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a server did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "refusing to listen on {0} without --token: only loopback addresses (127.0.0.1, ::1) may go without one"
    )]
    OpenWithoutToken(SocketAddr),
    #[error("--token must not be empty")]
    EmptyToken,
    #[error("{0} must be more than zero")]
    ZeroTimeout(&'static str),
    #[error("cannot use '{}' as the root: {source}", .root.display())]
    Root {
        root: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// An address to listen on, as `--addr` gives it: `IP:PORT`,
/// `[IPv6]:PORT` or `NAME:PORT`. `localhost` and names under `.localhost`
/// are 127.0.0.1 without asking DNS (RFC 6761 reserves them for loopback);
/// another name is resolved and its first address taken. The error says
/// what was wrong and what is valid, on one line.
pub fn resolve_addr(text: &str) -> Result<ListenAddr, String> {
    let valid = "expected HOST:PORT, e.g. 127.0.0.1:8080, localhost:8080 or [::1]:8080";
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(ListenAddr { addr, name: None });
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("'{text}' has no port; {valid}"));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("invalid port '{port}': expected 0 to 65535; {valid}"))?;
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    let valid_name = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid_name {
        return Err(format!("invalid host '{host}'; {valid}"));
    }
    if name == "localhost" || name.ends_with(".localhost") {
        let addr = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port));
        return Ok(ListenAddr { addr, name: None });
    }
    use std::net::ToSocketAddrs;
    let addr = (name.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve '{host}' ({e}); {valid}"))?
        .next()
        .ok_or_else(|| format!("'{host}' resolves to no address; {valid}"))?;
    Ok(ListenAddr {
        addr,
        name: Some(name),
    })
}

/// Where `--addr` says to listen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenAddr {
    pub addr: SocketAddr,
    /// The host name it was given as, when not an IP address or a loopback
    /// name: requests naming it in `Host` are answered, as `--allow-host`
    /// would (the name the server was told to listen on is not a
    /// rebinding attacker's).
    pub name: Option<String>,
}

/// The checks that need nothing on disk or on the network: the token and
/// the timeouts, and that an address other than loopback has a token.
pub fn check(config: &ServerConfig) -> Result<(), ServeError> {
    if config.token.as_deref() == Some("") {
        return Err(ServeError::EmptyToken);
    }
    if !config.addr.ip().is_loopback() && config.token.is_none() {
        return Err(ServeError::OpenWithoutToken(config.addr));
    }
    // Zero would close every connection at once, and spin event streams.
    if config.header_timeout.is_zero() {
        return Err(ServeError::ZeroTimeout("--header-timeout"));
    }
    if config.idle_timeout.is_zero() {
        return Err(ServeError::ZeroTimeout("--idle-timeout"));
    }
    Ok(())
}

/// The state a server starts with: the root made and resolved, the
/// address and token checked.
pub fn state(config: &ServerConfig) -> Result<Arc<AppState>, ServeError> {
    check(config)?;
    let root_error = |source| ServeError::Root {
        root: config.root.clone(),
        source,
    };
    std::fs::create_dir_all(&config.root).map_err(root_error)?;
    let root = std::fs::canonicalize(&config.root).map_err(root_error)?;
    Ok(Arc::new(AppState::new(root, config)))
}

/// Serves until `shutdown` resolves; then stops accepting, cancels running
/// jobs and waits for them (their directories hold only complete files).
/// `on_listening` is told the bound address (port 0 picks one).
pub async fn serve(
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    check(&config)?;
    // Bound before the root is made: a server that cannot listen leaves
    // nothing behind.
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    let state = state(&config)?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, root = %state.root.display(), token = state.token.is_some(), "listening");
    on_listening(addr);
    let jobs = state.clone();
    let stop = async move {
        shutdown.await;
        tracing::info!("shutting down: cancelling running jobs");
        for job in jobs.jobs.all() {
            job.cancel.cancel();
        }
    };
    let timeouts = listen::Timeouts {
        header: config.header_timeout,
        idle: config.idle_timeout,
    };
    listen::accept(listener, router(state.clone()), timeouts, stop).await;
    // Event streams have ended with their jobs (a client that stopped
    // reading one, at the idle timeout); wait for the jobs themselves to
    // clean up.
    while state
        .jobs
        .all()
        .iter()
        .any(|j| j.status() == state::JobStatus::Running)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::resolve_addr;

    #[test]
    fn addresses_take_ips_and_loopback_names() {
        let loopback = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        for (text, port) in [
            ("127.0.0.1:8080", 8080),
            ("localhost:8080", 8080),
            ("LocalHost.:9", 9),
            ("app.localhost:0", 0),
        ] {
            let listen = resolve_addr(text).unwrap();
            assert_eq!((listen.addr, listen.name), (loopback(port), None), "{text}");
        }
        assert!(resolve_addr("[::1]:8080").unwrap().addr.ip().is_loopback());
    }

    #[test]
    fn bad_addresses_name_the_bad_part_and_the_valid_forms() {
        for (text, said) in [
            ("localhost", "'localhost' has no port"),
            ("localhost:http", "invalid port 'http'"),
            ("localhost:65536", "invalid port '65536'"),
            (":8080", "invalid host ''"),
            ("a b:1", "invalid host 'a b'"),
        ] {
            let error = resolve_addr(text).unwrap_err();
            assert!(error.contains(said), "{text}: {error}");
            assert!(
                error.ends_with("e.g. 127.0.0.1:8080, localhost:8080 or [::1]:8080"),
                "{error}"
            );
        }
    }
}
