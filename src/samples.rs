//! Samples (spec `evaluation.md` §1): every graded turn of the generated
//! conversations as one self-contained line, the chat messages up to the
//! reply graded, the tools and what grades the reply. Written one file per
//! dataset of the split layout (`<domain>/<behavior>.samples.jsonl`) beside
//! a sidecar (`….samples.meta.json`) with the dataset's metadata and the
//! file's hash. Generated from (selection, seed, variants, subset) exactly
//! as `generate` makes the conversations, so the same inputs give the same
//! bytes on any machine.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::contract::dataset::{Conversation, Role, Tool};
use crate::contract::golden::GoldenEntry;
use crate::contract::sample::{
    ExpectedSampleCall, Message, SAMPLE_SCHEMA_VERSION, Sample, SampleMetadata, SamplesSidecar,
};
use crate::coverage::{Coverage, Selection};
use crate::generate::{Deal, Generated, generate_in_run, tools};
use crate::job::versioning::INITIAL_VERSION;
use crate::job::{AtomicFile, JobError, JobTag, Layout, OutputLock, Planned, planned_files};
use crate::subset::SubsetSpec;
use crate::taxonomy;

/// Suffix of a samples file.
pub const SAMPLES_SUFFIX: &str = ".samples.jsonl";

/// Which samples to write.
#[derive(Clone, Debug)]
pub struct SamplesSpec {
    pub selection: Selection,
    pub seed: u64,
    /// Conversations per kept scenario, as `generate --variants`.
    pub variants: u32,
    /// Only a covering subset of the kept scenarios.
    pub subset: Option<SubsetSpec>,
}

/// What was written: each file with its sample count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamplesReport {
    pub files: Vec<(PathBuf, usize)>,
    pub conversations: usize,
    pub samples: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("cannot write '{}': {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Subset(#[from] crate::subset::SubsetError),
}

/// The samples of one generated conversation, one per graded turn, in turn
/// order. `variant` numbers the draw of the scenario.
pub fn samples_of(
    generated: &Generated,
    variant: u32,
    tools: &[Tool],
    dataset_version: &str,
    seed: u64,
) -> Vec<Sample> {
    let conversation = &generated.conversation;
    let golden = &generated.golden;
    golden
        .graded_turns
        .iter()
        .map(|graded| Sample {
            sample_id: sample_id(&conversation.scenario_id, variant, graded.turn),
            scenario_id: conversation.scenario_id.clone(),
            variant,
            turn: graded.turn,
            messages: messages_before(conversation, graded.turn),
            tools: tools.to_vec(),
            expected: ExpectedSampleCall {
                name: graded.expected_call.name.clone(),
                arguments: graded.expected_call.arguments.clone(),
                compare: graded.compare.clone(),
            },
            must_communicate: graded.must_communicate.clone(),
            must_not: graded.must_not.clone(),
            rubric: graded.rubric.clone(),
            metadata: metadata_of(
                conversation,
                golden,
                &graded.expected_call.name,
                dataset_version,
                seed,
            ),
        })
        .collect()
}

/// `<scenario_id>#v<variant>@t<turn>`.
pub fn sample_id(scenario_id: &str, variant: u32, turn: usize) -> String {
    format!("{scenario_id}#v{variant}@t{turn}")
}

/// The system prompt, then the conversation's turns before `turn`.
fn messages_before(conversation: &Conversation, turn: usize) -> Vec<Message> {
    let system = conversation.system_prompt.clone().unwrap_or_default();
    let history = conversation.turns[..turn].iter().map(|t| Message {
        role: match t.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
        .to_owned(),
        content: t.content.clone(),
    });
    std::iter::once(Message {
        role: "system".to_owned(),
        content: system,
    })
    .chain(history)
    .collect()
}

fn metadata_of(
    conversation: &Conversation,
    golden: &GoldenEntry,
    decision: &str,
    dataset_version: &str,
    seed: u64,
) -> SampleMetadata {
    SampleMetadata {
        domain: conversation.domain,
        behavior: conversation.behavior,
        axes: conversation.axes,
        decision: decision.to_owned(),
        difficulty: conversation.difficulty,
        trap: golden
            .trap
            .as_ref()
            .map(|t| t.kind.clone())
            .unwrap_or_default(),
        dataset_id: golden.dataset_id.clone(),
        dataset_version: dataset_version.to_owned(),
        seed,
    }
}

/// Writes the samples of `spec` under `out`, refusing to replace any file
/// unless `overwrite`; each file appears whole or not at all.
pub fn write_samples(
    spec: &SamplesSpec,
    out: &Path,
    overwrite: bool,
) -> Result<SamplesReport, SamplesError> {
    let coverage = Coverage::evaluate(spec.seed);
    let subset = spec
        .subset
        .as_ref()
        .map(|subset| crate::subset::select_in(&coverage, &spec.selection, subset));
    let planned: Vec<Planned> = planned_files(
        &coverage,
        &spec.selection,
        &[Layout::Split],
        spec.variants,
        subset.as_ref(),
    )
    .into_iter()
    .filter(|p| !p.scenarios.is_empty())
    .collect();
    let targets: Vec<PathBuf> = planned
        .iter()
        .flat_map(|p| {
            let body = out.join(format!("{}{SAMPLES_SUFFIX}", p.file.stem));
            [sidecar_path(&body), body]
        })
        .collect();
    if !overwrite {
        let existing: Vec<PathBuf> = targets.iter().filter(|t| t.exists()).cloned().collect();
        if !existing.is_empty() {
            return Err(JobError::TargetsExist { paths: existing }.into());
        }
    }
    let _lock = OutputLock::acquire(out)?;
    let deal = Deal::new(&coverage);
    let tools = tools();
    let tag = JobTag::new();
    let mut report = SamplesReport {
        files: Vec::new(),
        conversations: 0,
        samples: 0,
    };
    for file in &planned {
        let body = out.join(format!("{}{SAMPLES_SUFFIX}", file.file.stem));
        let (conversations, samples) = write_file(file, &deal, &tools, spec, &body, &tag)?;
        report.conversations += conversations;
        report.samples += samples;
        report.files.push((body, samples));
    }
    Ok(report)
}

/// `x.samples.jsonl` → `x.samples.meta.json`.
pub fn sidecar_path(body: &Path) -> PathBuf {
    crate::job::sidecar_of(body)
}

fn write_file(
    file: &Planned,
    deal: &Deal,
    tools: &[Tool],
    spec: &SamplesSpec,
    body: &Path,
    tag: &JobTag,
) -> Result<(usize, usize), SamplesError> {
    let io_error = |source| SamplesError::Io {
        path: body.to_owned(),
        source,
    };
    let dir = body.parent().expect("a file under the output directory");
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let mut writer = AtomicFile::create(body, tag).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let (mut conversations, mut samples) = (0, 0);
    for scenario in &file.scenarios {
        for variant in 0..spec.variants {
            let generated = generate_in_run(
                deal,
                scenario,
                variant,
                spec.variants,
                &file.file.dataset_id,
            );
            conversations += 1;
            for sample in samples_of(&generated, variant, tools, INITIAL_VERSION, spec.seed) {
                let mut line = serde_json::to_vec(&sample).expect("samples serialize");
                line.push(b'\n');
                hasher.update(&line);
                writer.write_all(&line).map_err(io_error)?;
                samples += 1;
            }
        }
    }
    let sidecar = SamplesSidecar {
        sample_schema_version: SAMPLE_SCHEMA_VERSION,
        dataset_id: file.file.dataset_id.clone(),
        dataset_version: INITIAL_VERSION.to_owned(),
        vertical: taxonomy::VERTICAL.to_owned(),
        seed: spec.seed,
        variants: spec.variants,
        taxonomy_version: taxonomy::VERSION.to_owned(),
        taxonomy_hash: taxonomy::HASH.to_owned(),
        conversation_count: conversations,
        sample_count: samples,
        content_hash: format!("{:x}", hasher.finalize()),
        generator: format!("coverage {}", env!("CARGO_PKG_VERSION")),
    };
    let sidecar_path = sidecar_path(body);
    let mut side = AtomicFile::create(&sidecar_path, tag).map_err(|source| SamplesError::Io {
        path: sidecar_path.clone(),
        source,
    })?;
    let mut text = serde_json::to_string_pretty(&sidecar).expect("sidecar serializes");
    text.push('\n');
    side.write_all(text.as_bytes()).map_err(io_error)?;
    writer.commit().map_err(io_error)?;
    side.commit().map_err(io_error)?;
    Ok((conversations, samples))
}
