//! `--metrics FILE`: a listener of the job's events that appends JSON lines
//! to FILE — one per batch of conversations, one per file, and a final
//! summary — with conversations, bytes, seconds, rates and peak RSS.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::json;

use coverage::job::Event;

pub struct Metrics {
    out: BufWriter<File>,
    started: Instant,
    last_batch: Instant,
    /// When each file's lines began, and how many it has.
    files: HashMap<String, (Instant, usize)>,
    /// When the last file began (rendering) or was done (writing).
    last_mark: Instant,
    conversations: u64,
    bytes: u64,
    failed: Option<std::io::Error>,
}

impl Metrics {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let now = Instant::now();
        Ok(Self {
            out: BufWriter::new(file),
            started: now,
            last_batch: now,
            files: HashMap::new(),
            last_mark: now,
            conversations: 0,
            bytes: 0,
            failed: None,
        })
    }

    pub fn on(&mut self, event: &Event) {
        let now = Instant::now();
        let line = match event {
            Event::Progress { conversations } => {
                let seconds = now.duration_since(self.last_batch).as_secs_f64();
                self.last_batch = now;
                self.conversations += conversations;
                Some(json!({
                    "kind": "batch",
                    "conversations": conversations,
                    "seconds": seconds,
                    "conversations_per_second": rate(*conversations as f64, seconds),
                    "peak_rss_bytes": peak_rss(),
                }))
            }
            Event::FileStarted {
                path,
                conversations,
                ..
            } => {
                self.files.insert(path.clone(), (now, *conversations));
                self.last_mark = now;
                None
            }
            Event::FileDone {
                path,
                status,
                bytes,
                ..
            } => {
                let (began, conversations) = self.files.get(path).copied().unwrap_or((now, 0));
                let write_seconds = now.duration_since(self.last_mark).as_secs_f64();
                self.last_mark = now;
                self.bytes += bytes;
                Some(json!({
                    "kind": "file",
                    "path": path,
                    "status": status.id(),
                    "conversations": conversations,
                    "bytes": bytes,
                    "seconds": now.duration_since(began).as_secs_f64(),
                    "write_seconds": write_seconds,
                    "peak_rss_bytes": peak_rss(),
                }))
            }
            Event::Finished { report } => {
                let seconds = now.duration_since(self.started).as_secs_f64();
                Some(json!({
                    "kind": "summary",
                    "files": report.files.len(),
                    "conversations": self.conversations,
                    "bytes": self.bytes,
                    "seconds": seconds,
                    "conversations_per_second": rate(self.conversations as f64, seconds),
                    "megabytes_per_second": rate(self.bytes as f64 / 1e6, seconds),
                    "peak_rss_bytes": peak_rss(),
                }))
            }
            Event::Planned { .. } => None,
        };
        if let Some(line) = line
            && self.failed.is_none()
            && let Err(error) = writeln!(self.out, "{line}")
        {
            self.failed = Some(error);
        }
    }

    /// Flushes; the first write error, if any.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        self.out.flush()
    }
}

fn rate(amount: f64, seconds: f64) -> f64 {
    if seconds > 0.0 { amount / seconds } else { 0.0 }
}

/// The process's peak resident set so far (VmHWM), where the OS says.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
