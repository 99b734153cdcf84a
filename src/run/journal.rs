//! `transcripts.jsonl`: one line per finished (sample, trial), appended with
//! one write each so that a crash leaves at most a torn last line, which
//! [`Journal::open`] finds and cuts off before anything is appended.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Seek, Write};
use std::path::{Path, PathBuf};

use super::RunError;
use crate::contract::run::{ErrorKind, Transcript};
use crate::input::{Line, MAX_LINE};

/// What the lines already written say about each key: the latest line's
/// error kind (`None` for a reply) and the sums they add to the totals.
#[derive(Debug, Default)]
pub struct Finished {
    pub keys: HashMap<(String, u32), Option<ErrorKind>>,
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Finished {
    pub fn add(&mut self, line: &Transcript) {
        self.requests += u64::from(line.attempts);
        self.prompt_tokens += line.usage.prompt_tokens;
        self.completion_tokens += line.usage.completion_tokens;
        self.keys.insert(
            (line.sample_id.clone(), line.trial),
            ErrorKind::parse(&line.error_kind),
        );
    }

    /// Keys whose latest line is an error that left nothing to grade.
    pub fn errors(&self) -> usize {
        self.keys
            .values()
            .filter(|kind| kind.is_some_and(|k| !k.is_gradable()))
            .count()
    }
}

/// The transcripts file, open for appending.
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens (or creates) `path`, reads what it holds and cuts off a torn
    /// last line. A damaged line anywhere else is an error: the file is
    /// not this tool's, or was edited.
    pub fn open(path: &Path) -> Result<(Self, Finished), RunError> {
        let io = |source: std::io::Error| RunError::Io {
            path: path.to_owned(),
            source,
        };
        if let Ok(meta) = std::fs::symlink_metadata(path)
            && !meta.is_file()
        {
            return Err(RunError::Samples {
                path: path.to_owned(),
                message: "is not a regular file".into(),
            });
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let (finished, good) = read_lines(&mut file, path)?;
        let length = file.metadata().map_err(io)?.len();
        if good < length {
            file.set_len(good).map_err(io)?;
        }
        file.seek(std::io::SeekFrom::End(0)).map_err(io)?;
        Ok((
            Self {
                file,
                path: path.to_owned(),
            },
            finished,
        ))
    }

    /// Appends one line in one write.
    pub fn append(&mut self, line: &Transcript) -> Result<(), RunError> {
        let mut bytes = serde_json::to_vec(line).expect("transcripts serialize");
        bytes.push(b'\n');
        self.file.write_all(&bytes).map_err(|source| RunError::Io {
            path: self.path.clone(),
            source,
        })
    }

    pub fn sync(&self) -> Result<(), RunError> {
        self.file.sync_data().map_err(|source| RunError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Every whole line of `file` and the length up to the last one.
fn read_lines(file: &mut File, path: &Path) -> Result<(Finished, u64), RunError> {
    let mut finished = Finished::default();
    let mut reader = BufReader::with_capacity(1 << 16, &mut *file);
    let mut line = Vec::new();
    let (mut good, mut number) = (0u64, 0usize);
    loop {
        let read = crate::input::next_line(&mut reader, &mut line, MAX_LINE).map_err(|source| {
            RunError::Io {
                path: path.to_owned(),
                source,
            }
        })?;
        number += 1;
        match read {
            // A line without its newline can only be the last, cut short
            // by a crash: it is redone.
            Line::End | Line::Unended => return Ok((finished, good)),
            // Longer than any line `coverage run` writes: not a torn last
            // line to cut off (which would drop every line after it).
            Line::TooLong => {
                return Err(RunError::Samples {
                    path: path.to_owned(),
                    message: format!(
                        "line {number} is longer than {} MiB; it was not written by `coverage run`",
                        MAX_LINE >> 20
                    ),
                });
            }
            Line::Whole => {}
        }
        let transcript: Transcript = serde_json::from_slice(&line).map_err(|error| RunError::Samples {
            path: path.to_owned(),
            message: format!(
                "line {number} is not a transcript line ({error}); it was not written by `coverage run`"
            ),
        })?;
        finished.add(&transcript);
        good += line.len() as u64;
    }
}
