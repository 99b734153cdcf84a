//! `coverage serve`: the HTTP API (see docs/api.md).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use coverage::server::{self, ListenAddr, ServeError, ServerConfig};

/// Serve the HTTP API: dry runs, generation jobs, manifests, scenarios, files.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on: IP:PORT, [IPv6]:PORT or NAME:PORT (localhost
    /// is 127.0.0.1; another name is resolved, and requests naming it are
    /// answered). Anything but loopback needs --token.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT", value_parser = server::resolve_addr)]
    addr: ListenAddr,
    /// The only directory the server writes to or serves files from.
    #[arg(long, default_value = "datasets", value_name = "DIR")]
    root: PathBuf,
    /// Require `Authorization: Bearer TOKEN` on every request.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "COVERAGE_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Also answer requests whose `Host` is NAME (repeatable). Loopback names
    /// and IP addresses are always answered; other names are refused so that
    /// a hostile web page cannot reach the server through DNS rebinding.
    #[arg(long = "allow-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// Worker threads per generation job. Default: all cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: Option<u16>,
    /// The most conversations one request may generate (variants included).
    #[arg(long, value_name = "N", default_value_t = server::DEFAULT_MAX_CONVERSATIONS)]
    max_conversations: usize,
    /// Rates file for the cost estimate (default: the shipped rates).
    #[arg(long, value_name = "FILE")]
    rates: Option<PathBuf>,
    /// Seconds a client has to send a request's head, from when its
    /// connection can take one: a half-sent head, or a keep-alive connection
    /// idle this long, is closed.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = server::DEFAULT_HEADER_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    header_timeout: u64,
    /// Seconds a connection may move no byte, while no handler works on it,
    /// before it is closed: a response nobody reads, a body that stopped.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = server::DEFAULT_IDLE_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    idle_timeout: u64,
}

impl ServeArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        // One structured line per request and per job event, on stderr.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .compact()
            .try_init();
        let mut allowed_hosts = self.allowed_hosts;
        allowed_hosts.extend(self.addr.name);
        let config = ServerConfig {
            addr: self.addr.addr,
            root: self.root,
            token: self.token,
            allowed_hosts,
            concurrency: self
                .concurrency
                .map(usize::from)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
            max_conversations: self.max_conversations,
            rates: super::cost::load_rates(self.rates.as_deref())?,
            header_timeout: Duration::from_secs(self.header_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
        };
        let runtime = tokio::runtime::Runtime::new()?;
        let result = runtime.block_on(server::serve(config, server::signal(), |addr| {
            // The address goes to stdout at once, for scripts that asked for port 0.
            let _ = writeln!(out, "coverage serve listening on http://{addr}");
            let _ = out.flush();
        }));
        match result {
            Ok(()) => Ok(()),
            Err(
                error @ (ServeError::OpenWithoutToken(_)
                | ServeError::EmptyToken
                | ServeError::ZeroTimeout(_)
                | ServeError::Root { .. }
                | ServeError::Bind { .. }),
            ) => Err(super::UsageError(error.to_string()).into()),
            Err(error) => Err(error.into()),
        }
    }
}
