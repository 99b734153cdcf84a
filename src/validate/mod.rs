//! `coverage validate`: datasets and goldens against their JSON Schemas,
//! each golden against its dataset, each file against its own content
//! hash, and a tree of files against itself (one seed, one taxonomy, one
//! format; combined files holding exactly what their per-behavior files
//! hold).
//!
//! Documents are streamed one item at a time and only a small summary of
//! each item is kept, so memory does not grow with file size. Every
//! problem names its file and a JSON pointer; at most
//! [`Options::problems_per_file`] are kept per file, the rest counted. The
//! schemas are compiled into the binary; validation never touches the
//! network. Directory walks never follow a symbolic link.

mod checks;
mod content;
mod schema;
mod stream;
mod summary;
mod tree_checks;

use std::collections::BTreeMap;
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
    /// Problems kept per file; the rest are only counted.
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

/// Collects problems, keeping at most a fixed number per file.
pub(crate) struct Problems {
    limit: usize,
    kept: Vec<Problem>,
    per_file: BTreeMap<String, usize>,
}

impl Problems {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            kept: Vec::new(),
            per_file: BTreeMap::new(),
        }
    }

    pub fn push(&mut self, file: &str, pointer: impl Into<String>, message: impl Into<String>) {
        let seen = self.per_file.entry(file.to_owned()).or_default();
        *seen += 1;
        if *seen <= self.limit {
            self.kept.push(Problem {
                file: file.to_owned(),
                pointer: pointer.into(),
                message: message.into(),
            });
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
        let loaded;
        let dataset = match summaries
            .iter()
            .find(|s| s.kind == Kind::Dataset && s.path.to_string_lossy() == twin)
        {
            Some(dataset) => dataset,
            None => {
                // Its own problems are not this run's to report.
                let mut ignored = Problems::new(0);
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
