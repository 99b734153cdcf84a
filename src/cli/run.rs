//! `coverage run`: send a sample set to an OpenAI-compatible endpoint and
//! record the replies (docs/evaluate.md). The work is the library's
//! [`coverage::run`] job; this module reads the key from the environment,
//! shows progress, cancels on Ctrl-C and prints the outcome.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use coverage::contract::run::RunParameters;
use coverage::job::CancelToken;
use coverage::run::{RunError, RunEvent, RunSpec, run};

use super::UsageError;

/// Send samples to a model and record its replies (one line per sample ×
/// trial in transcripts.jsonl).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Samples files or directories (written by `coverage samples`).
    #[arg(required = true, value_name = "SAMPLES")]
    samples: Vec<PathBuf>,
    /// The API base URL; requests go to URL/chat/completions
    /// (e.g. https://api.openai.com/v1, http://127.0.0.1:8080/v1).
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// The model name sent with every request.
    #[arg(long, value_name = "NAME")]
    model: String,
    /// The run directory. Default: runs/<model>.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Send each sample K times (pass^k needs K > 1).
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    trials: u32,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=512))]
    concurrency: u16,
    /// At most N requests a minute.
    #[arg(long = "rpm", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    requests_per_minute: Option<u32>,
    /// At most N tokens a minute (estimated before each request).
    #[arg(long = "tpm", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    tokens_per_minute: Option<u32>,
    /// Seconds one request may take before it is retried.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0, value_parser = parse_seconds)]
    timeout: f64,
    /// Retries of a request after a 429, 5xx, timeout or broken connection.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=20))]
    retries: u32,
    /// The first wait before a retry, doubled each time (with jitter);
    /// a Retry-After header takes precedence.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    backoff_ms: u64,
    /// Whether the model must call a tool.
    #[arg(long, value_enum, default_value_t = ToolChoice::Required)]
    tool_choice: ToolChoice,
    /// Sampling temperature (sent only when given).
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    temperature: Option<f64>,
    /// Sampling seed (sent only when given; trial t sends SEED + t).
    #[arg(long, value_name = "SEED", value_parser = super::parse_seed)]
    seed: Option<u64>,
    /// Most tokens of one reply (sent only when given).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_tokens: Option<u32>,
    /// The environment variable that holds the API key. The key is never
    /// written to a file or a log; without it no Authorization is sent.
    #[arg(long, value_name = "VAR", default_value = "OPENAI_API_KEY")]
    api_key_env: String,
    /// Rates file for the cost (default: the shipped rates).
    #[arg(long, value_name = "FILE")]
    rates: Option<PathBuf>,
    /// Price the run as this model of the rates file (for a model the
    /// rates do not name).
    #[arg(long, value_name = "MODEL")]
    price_as: Option<String>,
    /// Stop before the cost would pass this many US dollars.
    #[arg(long, value_name = "USD", value_parser = parse_cost)]
    max_cost: Option<f64>,
    /// Complete the run under --out: finished keys are not sent again.
    #[arg(long)]
    resume: bool,
    /// With --resume, send again the keys that ended in an error.
    #[arg(long, requires = "resume")]
    retry_errors: bool,
    /// With --resume, accept another model, endpoint or sample set.
    #[arg(long, requires = "resume")]
    force: bool,
    /// Append the run's events as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ToolChoice {
    /// The model must call one of the tools.
    Required,
    /// The model may answer in words only.
    Auto,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err(format!(
            "invalid timeout '{text}': expected seconds above 0, at most 3600"
        )),
    }
}

fn parse_temperature(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if (0.0..=2.0).contains(&t) => Ok(t),
        _ => Err(format!(
            "invalid temperature '{text}': expected a number from 0 to 2"
        )),
    }
}

fn parse_cost(text: &str) -> Result<f64, String> {
    match text.trim_start_matches('$').parse::<f64>() {
        Ok(c) if c.is_finite() && c >= 0.0 => Ok(c),
        _ => Err(format!(
            "invalid cost '{text}': expected US dollars, e.g. 5 or 0.50"
        )),
    }
}

impl RunArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let rates = super::cost::load_rates(self.rates.as_deref())?;
        let priced = self.price_as.clone().unwrap_or_else(|| self.model.clone());
        let rate = match rates.rate(&priced) {
            Ok(rate) => Some(*rate),
            Err(_) if self.price_as.is_none() => None,
            Err(error) => return Err(UsageError(error.to_string()).into()),
        };
        let api_key = std::env::var(&self.api_key_env)
            .ok()
            .filter(|k| !k.is_empty());
        let out_dir = self
            .out
            .clone()
            .unwrap_or_else(|| Path::new("runs").join(self.model.replace(['/', '\\', ':'], "_")));
        let spec = RunSpec {
            samples: self.samples,
            endpoint: self.endpoint,
            model: self.model,
            out: out_dir.clone(),
            parameters: RunParameters {
                trials: self.trials,
                tool_choice: match self.tool_choice {
                    ToolChoice::Required => "required",
                    ToolChoice::Auto => "auto",
                }
                .into(),
                temperature: self.temperature,
                seed: self.seed,
                max_tokens: self.max_tokens,
                concurrency: usize::from(self.concurrency),
                timeout_seconds: self.timeout,
                retries: self.retries,
                requests_per_minute: self.requests_per_minute,
                tokens_per_minute: self.tokens_per_minute,
                api_key_env: self.api_key_env.clone(),
            },
            api_key,
            backoff: Duration::from_millis(self.backoff_ms),
            rate,
            max_cost: self.max_cost,
            resume: self.resume,
            force: self.force,
            retry_errors: self.retry_errors,
        };
        if spec.api_key.is_none() {
            eprintln!(
                "note: ${} is not set; requests carry no Authorization header",
                self.api_key_env
            );
        }
        let cancel = CancelToken::new();
        let on_signal = cancel.clone();
        let _ = ctrlc::set_handler(move || on_signal.cancel());
        let mut metrics = match &self.metrics {
            Some(path) => Some(open_metrics(path)?),
            None => None,
        };
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} requests ({per_sec}, eta {eta}) {msg}",
            )
            .expect("a valid template"),
        );
        let result = run(&spec, &cancel, &mut |event| {
            on_event(&bar, &event);
            if let Some(metrics) = metrics.as_mut() {
                let _ = serde_json::to_writer(&mut *metrics, &event)
                    .map_err(std::io::Error::from)
                    .and_then(|()| metrics.write_all(b"\n"));
            }
        });
        bar.finish_and_clear();
        if let Some(mut metrics) = metrics {
            metrics.flush()?;
        }
        let outcome = result.map_err(run_error)?;
        let record = &outcome.record;
        let totals = &record.totals;
        let cost =
            |c: Option<f64>| c.map_or_else(|| "not priced".to_owned(), |c| format!("${c:.4}"));
        writeln!(
            out,
            "{}: {} of {} requests done, {} errors; {} prompt + {} completion tokens; cost {} (estimated {})",
            record.status,
            totals.done,
            totals.keys,
            totals.errors,
            coverage::figures::thousands(totals.prompt_tokens),
            coverage::figures::thousands(totals.completion_tokens),
            cost(totals.cost_usd),
            cost(totals.estimated_cost_usd),
        )?;
        writeln!(
            out,
            "transcripts: {}",
            out_dir.join("transcripts.jsonl").display()
        )?;
        match record.status.as_str() {
            "complete" if totals.errors == 0 => {
                writeln!(out, "next: coverage grade {}", out_dir.display())?;
                Ok(())
            }
            "complete" => Err(anyhow::anyhow!(
                "{} of {} requests ended in an error (see transcripts.jsonl); grading shows them as gaps; send them again with --resume --retry-errors",
                totals.errors,
                totals.keys
            )),
            "max_cost" => Err(anyhow::anyhow!(
                "stopped before passing --max-cost; --resume with a higher --max-cost completes the run"
            )),
            _ => Err(super::Interrupted.into()),
        }
    }
}

fn on_event(bar: &ProgressBar, event: &RunEvent) {
    match event {
        RunEvent::Started {
            keys, already_done, ..
        } => {
            bar.set_length(*keys as u64);
            bar.set_position(*already_done as u64);
        }
        RunEvent::Finished { errors, .. } => {
            bar.inc(1);
            if *errors > 0 {
                bar.set_message(format!("{errors} errors"));
            }
        }
        RunEvent::Retrying {
            sample_id,
            attempt,
            wait_ms,
            reason,
            ..
        } => {
            bar.println(format!(
                "retry {attempt} of {sample_id} in {:.1} s: {reason}",
                *wait_ms as f64 / 1000.0
            ));
        }
    }
}

fn open_metrics(path: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            UsageError(format!(
                "cannot append metrics to '{}': {e}",
                path.display()
            ))
        })?;
    Ok(std::io::BufWriter::new(file))
}

/// The run's error, as a usage error where the command line was at fault.
fn run_error(error: RunError) -> anyhow::Error {
    match error {
        RunError::Exists { .. }
        | RunError::NothingToResume { .. }
        | RunError::Mismatch { .. }
        | RunError::NoPrice { .. }
        | RunError::Endpoint(_)
        | RunError::Samples { .. } => UsageError(error.to_string()).into(),
        RunError::Job(error) if error.is_refusal() => UsageError(error.to_string()).into(),
        other => other.into(),
    }
}
