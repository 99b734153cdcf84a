//! A score on the coverage grid (spec `evaluation.md` §3–5): [`grade_run`]
//! grades every key of a run and writes `grades.jsonl`, `summary.json`,
//! `results.html` and CSVs beside its transcripts; [`compare`] sets two
//! graded runs side by side and separates regressions from noise.
//! Deterministic and model-free: the same transcripts give the same bytes.

pub mod compare;
mod csv;
mod grading;
pub mod harness;
mod html;
pub mod stats;
mod summary;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::contract::run::{RUN_FILE, RunRecord, TRANSCRIPTS_FILE};
use crate::contract::score::{GRADES_FILE, RESULTS_FILE, SUMMARY_FILE, Summary};
use crate::job::{AtomicFile, JobError, JobTag, OutputLock};
use crate::run::for_each_sample;

pub use compare::{CompareSpec, compare};
pub use grading::{grade_reply, graded_turn};

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("{}: {message}", .path.display())]
    Read { path: PathBuf, message: String },
    #[error("cannot write '{}': {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(
        "the samples file '{}' changed since the run (its SHA-256 is {now}, the run sent {then}); pass the samples the run used with --samples",
        .path.display()
    )]
    SamplesChanged {
        path: PathBuf,
        then: String,
        now: String,
    },
}

impl ScoreError {
    pub fn read(path: &Path, message: impl Into<String>) -> Self {
        Self::Read {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// What `coverage grade` grades.
#[derive(Clone, Debug)]
pub struct GradeSpec {
    /// The run directory.
    pub run: PathBuf,
    /// The samples files, when not where `run.json` says.
    pub samples: Option<Vec<PathBuf>>,
}

/// A graded run: its summary and where the files went.
#[derive(Clone, Debug)]
pub struct Graded {
    pub summary: Summary,
    pub files: Vec<PathBuf>,
}

/// Grades the run of `spec` and writes its results beside it.
pub fn grade_run(spec: &GradeSpec) -> Result<Graded, ScoreError> {
    let record = read_record(&spec.run)?;
    let _lock = OutputLock::acquire(&spec.run)?;
    let files = sample_files(spec, &record)?;
    let mut samples = Vec::new();
    let mut index = HashMap::new();
    for path in &files {
        let mut hasher = Sha256::new();
        for_each_sample(path, &mut |sample: grading::GradedPart, line| {
            hasher.update(line);
            hasher.update(b"\n");
            let indexed = grading::Indexed::of(sample)?;
            index.insert(indexed.sample_id.clone(), samples.len());
            samples.push(indexed);
            Ok(std::ops::ControlFlow::Continue(()))
        })
        .map_err(|e| ScoreError::read(path, e.to_string()))?;
        let now = format!("{:x}", hasher.finalize());
        if !record.samples.files.iter().any(|f| f.sha256 == now) {
            let then = record
                .samples
                .files
                .iter()
                .find(|f| Path::new(&f.path) == path.as_path())
                .map_or_else(|| "another".to_owned(), |f| f.sha256.clone());
            return Err(ScoreError::SamplesChanged {
                path: path.clone(),
                then,
                now,
            });
        }
    }
    let transcripts = spec.run.join(TRANSCRIPTS_FILE);
    let trials = record.parameters.trials;
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let located = if transcripts.exists() {
        grading::locate(&transcripts, &index, trials, workers)?
    } else {
        vec![None; samples.len() * trials as usize]
    };
    let transcript_file = crate::input::open_for_reading(&transcripts).ok();
    let tag = JobTag::new();
    let grades_path = spec.run.join(GRADES_FILE);
    let mut grades =
        AtomicFile::create(&grades_path, &tag).map_err(|source| ScoreError::Write {
            path: grades_path.clone(),
            source,
        })?;
    let seed = samples
        .first()
        .map_or(crate::DEFAULT_SEED, |s| s.metadata.seed);
    let mut accumulator = summary::Accumulator::new(trials);
    let mut failing = Vec::new();
    let keys = grading::Keys {
        samples: &samples,
        located: &located,
        transcripts: transcript_file.as_ref().map(|f| (f, transcripts.as_path())),
        trials,
    };
    keys.grade_in_order(workers, &mut |batch| {
        grades
            .write_all(&batch.lines)
            .map_err(|source| ScoreError::Write {
                path: grades_path.clone(),
                source,
            })?;
        accumulator.merge(std::mem::replace(
            &mut batch.tally,
            summary::Accumulator::new(trials),
        ));
        let wanted = html::FAILING_SHOWN - failing.len();
        failing.extend(batch.failing.drain(..).take(wanted));
        Ok(failing.len() < html::FAILING_SHOWN)
    })?;
    let summary = accumulator.finish(&record, seed);
    let mut written = vec![grades_path.clone()];
    grades.commit().map_err(|source| ScoreError::Write {
        path: grades_path,
        source,
    })?;
    let mut summary_text = serde_json::to_string_pretty(&summary).expect("summaries serialize");
    summary_text.push('\n');
    written.push(write_file(
        &spec.run.join(SUMMARY_FILE),
        summary_text.as_bytes(),
        &tag,
    )?);
    let page = html::results_page(&summary, &record, &failing, samples.len());
    written.push(write_file(
        &spec.run.join(RESULTS_FILE),
        page.as_bytes(),
        &tag,
    )?);
    for (name, text) in csv::tables(&summary) {
        written.push(write_file(&spec.run.join(name), text.as_bytes(), &tag)?);
    }
    Ok(Graded {
        summary,
        files: written,
    })
}

/// `run.json` of `run`.
pub fn read_record(run: &Path) -> Result<RunRecord, ScoreError> {
    let path = run.join(RUN_FILE);
    let text = crate::input::read_to_string(&path, 16 << 20).map_err(|e| {
        ScoreError::read(
            &path,
            format!(
                "{e}; is '{}' a directory `coverage run` wrote?",
                run.display()
            ),
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| ScoreError::read(&path, format!("not a run record: {e}")))
}

fn sample_files(spec: &GradeSpec, record: &RunRecord) -> Result<Vec<PathBuf>, ScoreError> {
    match &spec.samples {
        Some(paths) => {
            crate::run::expand(paths).map_err(|e| ScoreError::read(&spec.run, e.to_string()))
        }
        None => Ok(record
            .samples
            .files
            .iter()
            .map(|f| PathBuf::from(&f.path))
            .collect()),
    }
}

fn write_file(path: &Path, bytes: &[u8], tag: &JobTag) -> Result<PathBuf, ScoreError> {
    let error = |source| ScoreError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = AtomicFile::create(path, tag).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.commit().map_err(error)?;
    Ok(path.to_owned())
}

/// Writes `bytes` to `path` whole or not at all (for `compare --html`).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ScoreError> {
    write_file(path, bytes, &JobTag::new()).map(|_| ())
}
