//! `coverage export` (spec `evaluation.md` §6): samples as the files the
//! harnesses evaluation engineers already run read, with no glue:
//! inspect_ai, promptfoo, OpenAI evals, OpenAI chat fine-tuning and a
//! Hugging Face dataset directory. One module per target; this one reads
//! the samples once, in sample-set order, and writes every file of the
//! target whole or not at all. The same samples give the same bytes.

mod chat;
mod evals;
mod hf;
mod inspect;
mod promptfoo;

use std::io::{self, Write};
use std::path::PathBuf;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use crate::contract::dataset::Tool;
use crate::contract::sample::{Sample, SampleMetadata};
use crate::job::{AtomicFile, JobError, JobTag, OutputLock};
use crate::run::{RunError, expand, for_each_sample};

/// The Python grader the inspect scorer and the promptfoo fact
/// assertions call: the checks of spec §3, kept in one file.
pub const GRADER_PY: &str = include_str!("assets/grader.py");
/// The promptfoo assertions on the reply's call.
pub const CHECKS_JS: &str = include_str!("assets/checks.js");

/// A harness the samples can be exported for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Inspect,
    Promptfoo,
    OpenaiEvals,
    OpenaiChat,
    Hf,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Self::Inspect,
        Self::Promptfoo,
        Self::OpenaiEvals,
        Self::OpenaiChat,
        Self::Hf,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inspect => "inspect",
            Self::Promptfoo => "promptfoo",
            Self::OpenaiEvals => "openai-evals",
            Self::OpenaiChat => "openai-chat",
            Self::Hf => "hf",
        }
    }

    /// The files the target writes under the output directory, relative.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            Self::Inspect => inspect::FILES,
            Self::Promptfoo => promptfoo::FILES,
            Self::OpenaiEvals => evals::FILES,
            Self::OpenaiChat => chat::FILES,
            Self::Hf => hf::FILES,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--to` that names no target.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown export target '{0}'; valid: inspect, promptfoo, openai-evals, openai-chat, hf")]
pub struct UnknownTarget(pub String);

impl FromStr for Target {
    type Err = UnknownTarget;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| UnknownTarget(text.to_owned()))
    }
}

/// What to export, and where.
#[derive(Clone, Debug)]
pub struct ExportSpec {
    /// Samples files, or directories of them.
    pub samples: Vec<PathBuf>,
    pub target: Target,
    pub out: PathBuf,
    pub overwrite: bool,
    /// promptfoo's provider id for the config (`openai:chat:<model>`).
    pub provider: String,
}

/// The provider a promptfoo export names when none is given.
pub const DEFAULT_PROVIDER: &str = "openai:chat:gpt-4o-mini";

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportReport {
    pub files: Vec<PathBuf>,
    pub samples: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Samples(#[from] RunError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("cannot write '{}': {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("the samples hold no sample; nothing was written")]
    Empty,
    #[error(
        "samples '{first}' and '{other}' offer different tools, and a {target} export runs one set of tools; export them separately"
    )]
    MixedTools {
        target: Target,
        first: String,
        other: String,
    },
}

/// Sums the targets that write a summary file need.
#[derive(Clone, Debug, Default)]
pub(crate) struct Totals {
    pub samples: usize,
}

/// One target's writer: it sees every sample in order, then finishes.
pub(crate) trait Writer {
    fn add(&mut self, sample: &Sample, out: &mut Outputs) -> Result<(), ExportError>;
    /// The files written whole at the end, by name, and their bytes.
    fn finish(
        self: Box<Self>,
        totals: &Totals,
    ) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError>;
}

/// The files a target writes line by line, open until the export ends.
pub(crate) struct Outputs {
    dir: PathBuf,
    tag: JobTag,
    open: Vec<(PathBuf, AtomicFile)>,
}

impl Outputs {
    /// Appends `bytes` to the file `name` (opened on first use).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let path = self.dir.join(name);
        let index = match self.open.iter().position(|(p, _)| *p == path) {
            Some(i) => i,
            None => {
                let io = |source| ExportError::Io {
                    path: path.clone(),
                    source,
                };
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let file = AtomicFile::create(&path, &self.tag).map_err(io)?;
                self.open.push((path.clone(), file));
                self.open.len() - 1
            }
        };
        let (path, file) = &mut self.open[index];
        file.write_all(bytes).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })
    }

    /// Writes `value` as one JSON line of `name`.
    pub fn line(&mut self, name: &str, value: &impl serde::Serialize) -> Result<(), ExportError> {
        let mut line = serde_json::to_vec(value).expect("export lines serialize");
        line.push(b'\n');
        self.write(name, &line)
    }
}

/// The one set of tools every sample offers, for the targets that run one.
pub(crate) struct OneToolSet {
    target: Target,
    first: Option<(String, Vec<Tool>)>,
}

impl OneToolSet {
    pub fn new(target: Target) -> Self {
        Self {
            target,
            first: None,
        }
    }

    pub fn check(&mut self, sample: &Sample) -> Result<(), ExportError> {
        match &self.first {
            None => {
                self.first = Some((sample.sample_id.clone(), sample.tools.clone()));
                Ok(())
            }
            Some((_, tools)) if *tools == sample.tools => Ok(()),
            Some((first, _)) => Err(ExportError::MixedTools {
                target: self.target,
                first: first.clone(),
                other: sample.sample_id.clone(),
            }),
        }
    }

    pub fn tools(&self) -> &[Tool] {
        self.first.as_ref().map_or(&[], |(_, t)| t)
    }
}

/// Writes the export of `spec`: refuses to replace any file unless
/// `overwrite`, holds the output directory's lock, and commits every file
/// only once all are written.
pub fn export(spec: &ExportSpec) -> Result<ExportReport, ExportError> {
    let files = expand(&spec.samples)?;
    let targets: Vec<PathBuf> = spec
        .target
        .files()
        .iter()
        .map(|f| spec.out.join(f))
        .collect();
    if !spec.overwrite {
        let existing: Vec<PathBuf> = targets.iter().filter(|t| t.exists()).cloned().collect();
        if !existing.is_empty() {
            return Err(JobError::TargetsExist { paths: existing }.into());
        }
    }
    let _lock = OutputLock::acquire(&spec.out)?;
    let mut writer: Box<dyn Writer> = match spec.target {
        Target::Inspect => Box::new(inspect::Inspect::new()),
        Target::Promptfoo => Box::new(promptfoo::Promptfoo::new(&spec.provider)),
        Target::OpenaiEvals => Box::new(evals::Evals),
        Target::OpenaiChat => Box::new(chat::Chat),
        Target::Hf => Box::new(hf::Hf),
    };
    let mut outputs = Outputs {
        dir: spec.out.clone(),
        tag: JobTag::new(),
        open: Vec::new(),
    };
    let mut totals = Totals::default();
    let mut failed = None;
    for path in &files {
        for_each_sample(path, &mut |sample: Sample, _| {
            totals.samples += 1;
            match writer.add(&sample, &mut outputs) {
                Ok(()) => Ok(std::ops::ControlFlow::Continue(())),
                Err(error) => {
                    failed = Some(error);
                    Ok(std::ops::ControlFlow::Break(()))
                }
            }
        })?;
        if let Some(error) = failed.take() {
            return Err(error);
        }
    }
    if totals.samples == 0 {
        return Err(ExportError::Empty);
    }
    for (name, bytes) in writer.finish(&totals)? {
        outputs.write(name, &bytes)?;
    }
    let mut written = Vec::new();
    for (path, file) in outputs.open {
        file.commit().map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    written.sort();
    Ok(ExportReport {
        files: written,
        samples: totals.samples,
    })
}

/// The expected call as OpenAI writes a tool call: arguments as a JSON
/// string.
pub(crate) fn expected_tool_call(sample: &Sample) -> Value {
    serde_json::json!({
        "id": "call_0",
        "type": "function",
        "function": {
            "name": sample.expected.name,
            "arguments": Value::Object(sample.expected.arguments.clone()).to_string(),
        }
    })
}

/// What the graders read of a sample, for the exports that carry it in
/// their own records.
pub(crate) fn grading_record(sample: &Sample) -> Value {
    serde_json::json!({
        "expected": sample.expected,
        "must_communicate": sample.must_communicate,
        "must_not": sample.must_not,
    })
}

/// A text file's bytes with `{{NAME}}` placeholders filled in.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> Vec<u8> {
    let mut text = template.to_owned();
    for (name, value) in values {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text.into_bytes()
}

/// A JSON document as written to a file: pretty, with a final newline.
pub(crate) fn pretty(value: &impl serde::Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("export files serialize");
    bytes.push(b'\n');
    bytes
}

/// The grid fields a harness groups results by, flat and in one order for
/// every target: domain, behavior, each variation axis (as the taxonomy
/// orders them), then decision, difficulty, trap and the dataset.
fn grid_fields(m: &SampleMetadata) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("domain".into(), json!(m.domain));
    fields.insert("behavior".into(), json!(m.behavior));
    if let Value::Object(axes) = json!(m.axes) {
        fields.extend(axes);
    }
    for (name, value) in [
        ("decision", json!(m.decision)),
        ("difficulty", json!(m.difficulty)),
        ("trap", json!(m.trap)),
        ("dataset_id", json!(m.dataset_id)),
        ("dataset_version", json!(m.dataset_version)),
    ] {
        fields.insert(name.into(), value);
    }
    fields
}
