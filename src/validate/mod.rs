//! `coverage validate`: datasets and goldens against their JSON Schemas,
//! each golden against its dataset, each file against its own content
//! hash, and a tree of files against itself (one seed, one taxonomy, one
//! format; combined files holding exactly what their per-behavior files
//! hold).
//!
//! Documents are streamed one item at a time, each item bounded in bytes,
//! and only a small summary of each identified item is kept, so memory
//! does not grow with a hostile file's size. Every problem names its file
//! and a JSON pointer; at most [`Options::problems_per_file`] are kept per
//! file, and a file's reading stops once it has that many. The schemas are
//! compiled into the binary; validation never touches the network.
//! Directory walks never follow a symbolic link.

mod checks;
mod content;
mod schema;
mod stream;
mod summary;
mod tree_checks;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub use schema::{Kind, Schemas};
use summary::{Summary, summarize};

use crate::tree::{self, Skipped};

/// One thing wrong with one document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    /// RFC 6901 pointer to the offending value; empty for the whole document.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{}: {pointer}: {}", self.file, self.message)
    }
}

/// How much to report.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Problems kept per file. A file's reading stops once it has this
    /// many (at least one); problems found after its reading (against
    /// other files) are only counted.
    pub problems_per_file: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            problems_per_file: 20,
        }
    }
}

/// What a validation found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Files checked.
    pub files: usize,
    /// The problems kept, sorted by file and pointer.
    pub problems: Vec<Problem>,
    /// Per file, how many more problems there were than were kept.
    pub omitted: BTreeMap<String, usize>,
    /// The files whose reading stopped at the limit of problems: the rest
    /// of each was not checked, so its count is a lower bound.
    pub stopped: BTreeSet<String>,
    /// What the directory walks passed over (symbolic links).
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// Every problem found, kept or not.
    pub fn total_problems(&self) -> usize {
        self.problems.len() + self.omitted.values().sum::<usize>()
    }
}

/// Why validation could not start.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("no such file or directory: {}", .0.display())]
    NoSuchPath(PathBuf),
    #[error("'{}' is {kind}, not a regular file or directory; give dataset or golden files, or directories of them", .path.display())]
    NotFileOrDirectory { path: PathBuf, kind: &'static str },
    #[error("cannot read '{}': {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The file names looked for in directories.
const DOCUMENT_SUFFIXES: [&str; 4] = [
    ".dataset.json",
    ".golden.json",
    ".dataset.jsonl",
    ".golden.jsonl",
];

fn is_document(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    // A killed run's leftovers are not documents; the next run removes them.
    !name.starts_with(crate::job::TEMP_PREFIX)
        && DOCUMENT_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// The longest message kept whole; a longer one (a schema message quoting
/// a huge value) is cut here, so each problem stays a readable line.
const MAX_MESSAGE_BYTES: usize = 1000;

/// `message`, cut to [`MAX_MESSAGE_BYTES`] on a character boundary.
fn shorten(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut end = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let cut = message.len() - end;
        message.truncate(end);
        message.push_str(&format!("… ({cut} more bytes)"));
    }
    message
}

/// Collects problems, keeping at most a fixed number per file.
pub(crate) struct Problems {
    limit: usize,
    /// A file's reading stops once it has this many problems.
    stop_at: usize,
    kept: Vec<Problem>,
    per_file: BTreeMap<String, usize>,
    /// Files read only in part: left out of the pairing.
    partial: BTreeSet<String>,
    /// Of those, the ones whose stop is reported.
    stopped: BTreeSet<String>,
}

impl Problems {
    /// Keeps `limit` problems per file and stops a file's reading there.
    fn new(limit: usize) -> Self {
        Self {
            limit,
            stop_at: limit.max(1),
            kept: Vec::new(),
            per_file: BTreeMap::new(),
            partial: BTreeSet::new(),
            stopped: BTreeSet::new(),
        }
    }

    /// Keeps none, only counts; a file's reading stops at `stop_at`.
    fn counter(stop_at: usize) -> Self {
        Self {
            stop_at,
            ..Self::new(0)
        }
    }

    pub fn push(&mut self, file: &str, pointer: impl Into<String>, message: impl Into<String>) {
        let seen = self.per_file.entry(file.to_owned()).or_default();
        *seen += 1;
        if *seen <= self.limit {
            self.kept.push(Problem {
                file: file.to_owned(),
                pointer: pointer.into(),
                message: shorten(message.into()),
            });
        }
    }

    /// Problems of `file` so far.
    pub fn count(&self, file: &str) -> usize {
        self.per_file.get(file).copied().unwrap_or(0)
    }

    /// Whether `file` has as many problems as its reading may find.
    pub fn full(&self, file: &str) -> bool {
        self.count(file) >= self.stop_at
    }

    /// `file`'s reading stopped at the limit: the rest was not checked.
    /// `reported` unless its one problem already says all there is.
    pub fn stop(&mut self, file: &str, reported: bool) {
        self.partial.insert(file.to_owned());
        if reported {
            self.stopped.insert(file.to_owned());
        }
    }

    fn into_report(mut self, files: usize, skipped: Vec<Skipped>) -> Report {
        self.kept.sort();
        let limit = self.limit;
        let omitted = self
            .per_file
            .into_iter()
            .filter(|(_, n)| *n > limit)
            .map(|(file, n)| (file, n - limit))
            .collect();
        Report {
            files,
            problems: self.kept,
            omitted,
            stopped: self.stopped,
            skipped,
        }
    }
}

/// Validates every dataset and golden under `paths` (files, or directories
/// searched for `*.dataset.json[l]` and `*.golden.json[l]`). Each path is
/// one tree for the tree checks.
pub fn validate_paths(paths: &[PathBuf], options: Options) -> Result<Report, ValidateError> {
    let mut skipped = Vec::new();
    let mut trees: Vec<Vec<PathBuf>> = Vec::new();
    for path in paths {
        let Ok(meta) = std::fs::metadata(path) else {
            return Err(ValidateError::NoSuchPath(path.clone()));
        };
        if !meta.is_file() && !meta.is_dir() {
            return Err(ValidateError::NotFileOrDirectory {
                path: path.clone(),
                kind: crate::input::describe(meta.file_type()),
            });
        }
        let files = tree::files(path, &is_document, &mut skipped).map_err(|source| {
            ValidateError::Unreadable {
                path: path.clone(),
                source,
            }
        })?;
        trees.push(files);
    }
    let schemas = Schemas::load();
    let mut problems = Problems::new(options.problems_per_file);
    let mut seen = std::collections::BTreeSet::new();
    let mut count = 0;
    for files in &trees {
        let mut summaries = Vec::new();
        for path in files {
            // A file named twice (or under two named directories) counts once.
            let first = seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()));
            if let Some(summary) = summarize(path, &schemas, &mut problems) {
                summaries.push(summary);
            }
            count += usize::from(first);
        }
        cross_check(&summaries, &schemas, &mut problems);
        tree_checks::check(&summaries, &mut problems);
    }
    Ok(problems.into_report(count, skipped))
}

/// Each golden against its dataset: found among the summaries, or read
/// from beside the golden.
fn cross_check(summaries: &[Summary], schemas: &Schemas, problems: &mut Problems) {
    for golden in summaries.iter().filter(|s| s.kind == Kind::Golden) {
        let twin = golden
            .path
            .to_string_lossy()
            .replace(".golden.json", ".dataset.json");
        if problems.partial.contains(&twin) {
            // Read only in part: what it lacks says nothing of the golden.
            continue;
        }
        let loaded;
        let dataset = match summaries
            .iter()
            .find(|s| s.kind == Kind::Dataset && s.path.to_string_lossy() == twin)
        {
            Some(dataset) => dataset,
            None => {
                // Its own problems are not this run's to report.
                let mut ignored = Problems::counter(usize::MAX);
                match summarize(Path::new(&twin), schemas, &mut ignored) {
                    Some(summary) if summary.kind == Kind::Dataset => {
                        loaded = summary;
                        &loaded
                    }
                    _ => {
                        problems.push(
                            &golden.file,
                            "",
                            format!("no dataset to check against: expected {twin}"),
                        );
                        continue;
                    }
                }
            }
        };
        checks::golden_against_dataset(golden, dataset, problems);
        content::check_pair(golden, dataset, problems);
    }
}
