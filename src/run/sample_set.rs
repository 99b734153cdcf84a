//! The samples a run sends: files and directories as given, expanded to
//! `*.samples.jsonl` files in a stable order, hashed, and read one line at
//! a time so that memory does not grow with the set.

use std::collections::HashSet;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::RunError;
use crate::contract::run::{SampleFile, SampleSet};
use crate::contract::sample::Sample;
use crate::input::{Line, MAX_LINE};
use crate::samples::SAMPLES_SUFFIX;

/// `paths` expanded: a file as is, a directory to the samples files under
/// it (sorted, links never followed).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RunError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::symlink_metadata(path).map_err(|source| RunError::Samples {
            path: path.clone(),
            message: source.to_string(),
        })?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files)?;
            if files.len() == before {
                return Err(RunError::Samples {
                    path: path.clone(),
                    message: format!(
                        "holds no *{SAMPLES_SUFFIX} file; write some with `coverage samples`"
                    ),
                });
            }
        } else if meta.is_file() {
            files.push(path.clone());
        } else {
            return Err(RunError::Samples {
                path: path.clone(),
                message: "is not a regular file or directory".into(),
            });
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), RunError> {
    let error = |source: std::io::Error| RunError::Samples {
        path: dir.to_owned(),
        message: source.to_string(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(error)?
        .collect::<Result<_, _>>()
        .map_err(error)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type().map_err(error)?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, files)?;
        } else if kind.is_file() && path.to_string_lossy().ends_with(SAMPLES_SUFFIX) {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads every sample of `files` once: checks each line, that no id
/// repeats, and hashes the set. `each` sees every sample.
pub fn survey(files: &[PathBuf], each: &mut dyn FnMut(&Sample)) -> Result<SampleSet, RunError> {
    let mut seen = HashSet::new();
    let mut records = Vec::new();
    for path in files {
        let mut hasher = Sha256::new();
        let mut count = 0;
        for_each_sample(path, &mut |sample: Sample, line| {
            hasher.update(line);
            hasher.update(b"\n");
            if !seen.insert(sample.sample_id.clone()) {
                return Err(format!(
                    "sample '{}' appears twice in the sample set",
                    sample.sample_id
                ));
            }
            count += 1;
            each(&sample);
            Ok(ControlFlow::Continue(()))
        })?;
        records.push(SampleFile {
            // Absolute, so the run grades from any directory.
            path: std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.clone())
                .display()
                .to_string(),
            sha256: format!("{:x}", hasher.finalize()),
            samples: count,
        });
    }
    let mut hashes: Vec<&str> = records.iter().map(|r| r.sha256.as_str()).collect();
    hashes.sort_unstable();
    let mut set = Sha256::new();
    for hash in hashes {
        set.update(hash.as_bytes());
    }
    Ok(SampleSet {
        sample_count: records.iter().map(|r| r.samples).sum(),
        files: records,
        hash: format!("{:x}", set.finalize()),
    })
}

/// What [`for_each_sample`] calls: `Break` stops the reading, `Err` is a
/// message about the line.
pub type SampleVisitor<'a, T = Sample> =
    dyn FnMut(T, &[u8]) -> Result<ControlFlow<()>, String> + 'a;

/// Calls `each` with every sample of `path` and its line's bytes, in
/// order, until it breaks. `T` is [`Sample`], or a part of it: grading
/// reads no messages or tools, and serde skips them without allocating.
pub fn for_each_sample<T: DeserializeOwned>(
    path: &Path,
    each: &mut SampleVisitor<T>,
) -> Result<(), RunError> {
    let error = |line: usize, message: String| RunError::Samples {
        path: path.to_owned(),
        message: if line == 0 {
            message
        } else {
            format!("line {line}: {message}")
        },
    };
    let file = crate::input::open_regular(path).map_err(|e| error(0, e.to_string()))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        let read = crate::input::next_line(&mut reader, &mut line, MAX_LINE)
            .map_err(|e| error(number + 1, e.to_string()))?;
        number += 1;
        match read {
            Line::End => return Ok(()),
            Line::TooLong => {
                return Err(error(number, format!("longer than {} MiB", MAX_LINE >> 20)));
            }
            Line::Whole | Line::Unended => {}
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let sample: T = serde_json::from_slice(text)
            .map_err(|e| error(number, format!("not a sample: {e}")))?;
        if each(sample, text)
            .map_err(|message| error(number, message))?
            .is_break()
        {
            return Ok(());
        }
    }
}
