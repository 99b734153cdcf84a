//! A generation run: plan the files, hash what each will hold, decide which
//! to write and at which version, refuse before writing anything when a
//! target would be clobbered, then stream every file to disk atomically.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::atomic::{AtomicFile, remove_stale_temps};
use super::body::{LineHasher, generate_lines};
use super::document::{DocKind, DocWriter, Existing, read_existing};
use super::plan::{Format, Layout, OutputFile, manifest_path, plan};
use super::shard::{self, Shard};
use crate::contract::dataset::{DatasetDifficulty, DatasetMetadata};
use crate::contract::golden::GoldenMetadata;
use crate::contract::manifest::Manifest;
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{self, Behavior, Domain, Scenario};

/// What `coverage generate` was asked to do.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub selection: Selection,
    pub layouts: Vec<Layout>,
    pub seed: u64,
    pub format: Format,
    pub overwrite: bool,
    pub dry_run: bool,
    pub concurrency: usize,
    pub shard: Option<Shard>,
    pub resume: bool,
}

/// Why a run stopped.
#[derive(Debug)]
pub enum RunError {
    /// The request cannot be carried out as asked (existing targets, an
    /// unwritable directory, mismatched shards); nothing was written.
    Refused(String),
    /// Ctrl-C or SIGTERM; every file written so far is complete.
    Interrupted,
    Io(String, io::Error),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(message) => f.write_str(message),
            Self::Interrupted => f.write_str(
                "interrupted; files written so far are complete, run again with --resume to finish",
            ),
            Self::Io(what, error) => write!(f, "{what}: {error}"),
        }
    }
}

impl std::error::Error for RunError {}

/// An I/O failure about `what`; an interrupted write is a stop, not a failure.
pub(crate) fn io_error(what: impl fmt::Display) -> impl FnOnce(io::Error) -> RunError {
    move |error| {
        if error.kind() == io::ErrorKind::Interrupted {
            RunError::Interrupted
        } else {
            RunError::Io(what.to_string(), error)
        }
    }
}

/// The refusal when targets exist and may not be replaced: names the first.
pub(crate) fn refuse_existing(conflicts: &[String]) -> Result<(), RunError> {
    let Some(first) = conflicts.first() else {
        return Ok(());
    };
    let (more, verb) = match conflicts.len() {
        1 => (String::new(), "exists"),
        n => (
            format!(" and {} more file{}", n - 1, if n == 2 { "" } else { "s" }),
            "exist",
        ),
    };
    Err(RunError::Refused(format!(
        "{first}{more} already {verb}; nothing was written. Pass --overwrite to replace, --resume to finish an interrupted run of the same command, or choose another --out"
    )))
}

/// Told how much work a run has and how much is done (a progress bar, or
/// later an HTTP progress stream).
pub trait Observer {
    fn planned(&self, _conversations: u64) {}
    fn advanced(&self, _conversations: u64) {}
}

impl Observer for () {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Written,
    /// Already there with exactly this content; left alone.
    Unchanged,
    /// Dry run: would be written.
    WouldWrite,
    /// Dry run: exists, and a real run without --overwrite would refuse.
    WouldRefuse,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// The dataset file, relative to the output directory (its golden sits beside it).
    pub path: String,
    pub dataset_id: String,
    pub layout: Layout,
    pub conversations: usize,
    pub version: String,
    pub status: FileStatus,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayoutTotal {
    pub layout: Layout,
    pub files: usize,
    pub conversations: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub out: String,
    pub seed: u64,
    pub format: Format,
    pub shard: Option<String>,
    pub dry_run: bool,
    pub files: Vec<FileReport>,
    pub manifest: FileStatus,
    pub layouts: Vec<LayoutTotal>,
    /// Scenarios of the selection each rule excluded, in rule order.
    pub excluded: Vec<(String, usize)>,
    pub kept: usize,
}

/// The version of a document pair and what it replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioning {
    pub version: String,
    pub previous_version: Option<String>,
    pub previous_content_hash: Option<String>,
}

impl Versioning {
    pub fn first(version: &str) -> Self {
        Self {
            version: version.to_owned(),
            previous_version: None,
            previous_content_hash: None,
        }
    }

    /// Keeps the old version when nothing changed; otherwise bumps the
    /// minor version when the scenario set changed, the patch when only
    /// text did, and records what it replaced.
    fn after(old: Option<(&Existing, &Existing)>, new: &Hashes) -> Self {
        let Some((dataset, golden)) = old else {
            return Self::first(crate::assemble::INITIAL_VERSION);
        };
        let Some(version) = dataset
            .field("version")
            .and_then(|v| semver::Version::parse(v).ok())
        else {
            return Self::first(crate::assemble::INITIAL_VERSION);
        };
        let unchanged = dataset.field("content_hash") == Some(&new.dataset)
            && golden.field("content_hash") == Some(&new.golden)
            && dataset.field("scenarios_hash") == Some(&new.scenarios);
        if unchanged {
            return Self {
                version: version.to_string(),
                previous_version: dataset.field("previous_version").map(str::to_owned),
                previous_content_hash: dataset.field("previous_content_hash").map(str::to_owned),
            };
        }
        let bumped = if dataset.field("scenarios_hash") == Some(&new.scenarios) {
            semver::Version::new(version.major, version.minor, version.patch + 1)
        } else {
            semver::Version::new(version.major, version.minor + 1, 0)
        };
        Self {
            version: bumped.to_string(),
            previous_version: Some(version.to_string()),
            previous_content_hash: dataset.field("content_hash").map(str::to_owned),
        }
    }
}

/// Content hashes of one document pair.
#[derive(Clone, Debug, Default)]
struct Hashes {
    dataset: String,
    golden: String,
    scenarios: String,
}

pub fn scenarios_hash(scenarios: &[Scenario]) -> String {
    let mut hasher = LineHasher::default();
    for scenario in scenarios {
        hasher.add(&scenario.id());
    }
    hasher.finish()
}

pub fn dataset_metadata(
    dataset_id: &str,
    scenarios: &[Scenario],
    seed: u64,
    content_hash: String,
    scenarios_hash: String,
    versioning: &Versioning,
) -> DatasetMetadata {
    let mut domains: Vec<Domain> = scenarios.iter().map(|s| s.domain).collect();
    domains.sort_unstable();
    domains.dedup();
    let mut behaviors: Vec<Behavior> = scenarios.iter().map(|s| s.behavior).collect();
    behaviors.sort_unstable();
    behaviors.dedup();
    DatasetMetadata {
        dataset_id: dataset_id.to_owned(),
        version: versioning.version.clone(),
        vertical: taxonomy::VERTICAL.to_owned(),
        difficulty: DatasetDifficulty::of(scenarios.iter().map(|s| s.behavior.difficulty())),
        seed,
        taxonomy_version: taxonomy::VERSION.to_owned(),
        taxonomy_hash: taxonomy::HASH.to_owned(),
        fixtures_hash: taxonomy::FIXTURES_HASH.to_owned(),
        domains,
        behaviors,
        conversation_count: scenarios.len(),
        content_hash,
        scenarios_hash,
        previous_version: versioning.previous_version.clone(),
        previous_content_hash: versioning.previous_content_hash.clone(),
        tools: crate::generate::tools(),
    }
}

pub fn golden_metadata(
    dataset_id: &str,
    entries: usize,
    seed: u64,
    content_hash: String,
    versioning: &Versioning,
) -> GoldenMetadata {
    GoldenMetadata {
        dataset_id: dataset_id.to_owned(),
        version: versioning.version.clone(),
        vertical: taxonomy::VERTICAL.to_owned(),
        seed,
        taxonomy_version: taxonomy::VERSION.to_owned(),
        taxonomy_hash: taxonomy::HASH.to_owned(),
        entry_count: entries,
        content_hash,
    }
}

/// Where the lines of each file come from.
pub(crate) enum Source {
    /// The generator, with this many workers.
    Generate { concurrency: usize },
    /// Shard outputs, in shard order.
    Parts(Vec<PathBuf>),
}

impl Source {
    fn stream(
        &self,
        file: &OutputFile,
        scenarios: &[Scenario],
        seed: u64,
        sink: &mut dyn FnMut(&str, &str) -> io::Result<()>,
    ) -> io::Result<()> {
        match self {
            Self::Generate { concurrency } => {
                generate_lines(scenarios, &file.dataset_id, seed, *concurrency, sink)
            }
            Self::Parts(dirs) => {
                let mut count = 0;
                shard::stream_parts(dirs, file, &mut |d, g| {
                    count += 1;
                    sink(d, g)
                })?;
                if count != scenarios.len() {
                    return Err(io::Error::other(format!(
                        "shards hold {count} of the {} conversations of {}",
                        scenarios.len(),
                        file.dataset_id
                    )));
                }
                Ok(())
            }
        }
    }
}

/// One planned file with its scenarios.
pub(crate) struct Planned {
    pub file: OutputFile,
    pub scenarios: Vec<Scenario>,
}

pub(crate) fn planned_files(
    coverage: &Coverage,
    selection: &Selection,
    layouts: &[Layout],
) -> Vec<Planned> {
    plan(selection, layouts)
        .into_iter()
        .map(|file| {
            let scenarios = file.scenarios(coverage, selection).collect();
            Planned { file, scenarios }
        })
        .collect()
}

/// Runs `coverage generate` (all of it, or one shard's part).
pub fn generate_run(
    options: &GenerateOptions,
    observer: &dyn Observer,
) -> Result<Summary, RunError> {
    let coverage = Coverage::evaluate(options.seed);
    let files = planned_files(&coverage, &options.selection, &options.layouts);
    // Built once: written as manifest.json and summarised at the end.
    let manifest = Manifest::build(&coverage, &options.selection);
    let reports = match options.shard {
        Some(shard) => shard::write_shard(options, shard, &coverage, &files, observer)?,
        None => {
            let source = Source::Generate {
                concurrency: options.concurrency,
            };
            let target = Target::from(options);
            let (reports, status) = finalize(&target, &manifest, &files, &source, observer)?;
            return Ok(summary(options, &manifest, reports, status));
        }
    };
    Ok(summary(options, &manifest, reports, FileStatus::Unchanged))
}

/// Merges shard outputs into the files a one-machine run writes.
pub fn merge_run(
    out: &Path,
    shard_dirs: &[PathBuf],
    overwrite: bool,
    resume: bool,
    dry_run: bool,
    observer: &dyn Observer,
) -> Result<Summary, RunError> {
    let merged = shard::read_shards(shard_dirs)?;
    let coverage = Coverage::evaluate(merged.seed);
    let files = planned_files(&coverage, &merged.selection, &merged.layouts);
    let target = Target {
        out: out.to_owned(),
        format: merged.format,
        seed: merged.seed,
        overwrite,
        resume,
        dry_run,
    };
    let source = Source::Parts(merged.dirs);
    let manifest = Manifest::build(&coverage, &merged.selection);
    let (reports, status) = finalize(&target, &manifest, &files, &source, observer)?;
    let options = GenerateOptions {
        out: out.to_owned(),
        selection: merged.selection,
        layouts: merged.layouts,
        seed: merged.seed,
        format: merged.format,
        overwrite,
        dry_run,
        concurrency: 1,
        shard: None,
        resume,
    };
    Ok(summary(&options, &manifest, reports, status))
}

/// Where and how final files are written.
pub(crate) struct Target {
    pub out: PathBuf,
    pub format: Format,
    pub seed: u64,
    pub overwrite: bool,
    pub resume: bool,
    pub dry_run: bool,
}

impl From<&GenerateOptions> for Target {
    fn from(o: &GenerateOptions) -> Self {
        Self {
            out: o.out.clone(),
            format: o.format,
            seed: o.seed,
            overwrite: o.overwrite,
            resume: o.resume,
            dry_run: o.dry_run,
        }
    }
}

/// What to do with one document pair.
struct Decision {
    versioning: Versioning,
    hashes: Hashes,
    status: FileStatus,
    /// Existing files in the way (empty when the pair may be written).
    conflicts: Vec<String>,
}

fn finalize(
    target: &Target,
    manifest: &Manifest,
    files: &[Planned],
    source: &Source,
    observer: &dyn Observer,
) -> Result<(Vec<FileReport>, FileStatus), RunError> {
    if !target.dry_run {
        prepare_out_dir(&target.out)?;
    }
    let total: usize = files.iter().map(|p| p.scenarios.len()).sum();
    observer.planned(2 * total as u64);
    let mut decisions = Vec::with_capacity(files.len());
    for planned in files {
        let hashes = hash_pair(planned, target.seed, source, observer)?;
        decisions.push(decide(target, planned, hashes)?);
    }
    let manifest_bytes = manifest_json(manifest);
    let manifest_target = target.out.join(manifest_path());
    let manifest_unchanged =
        std::fs::read(&manifest_target).is_ok_and(|old| old == manifest_bytes.as_bytes());
    // The manifest is a summary, not data: an identical one is never in the way.
    let manifest_conflict = !manifest_unchanged && manifest_target.exists() && !target.overwrite;

    let mut conflicts: Vec<String> = decisions
        .iter()
        .flat_map(|d| d.conflicts.iter().cloned())
        .collect();
    if manifest_conflict {
        conflicts.push(manifest_target.display().to_string());
    }
    let mut reports: Vec<FileReport> = files
        .iter()
        .zip(&decisions)
        .map(|(p, d)| report(target, p, d))
        .collect();
    let mut manifest_status = if manifest_unchanged {
        FileStatus::Unchanged
    } else {
        FileStatus::Written
    };
    if target.dry_run {
        for (report, decision) in reports.iter_mut().zip(&decisions) {
            report.status = if !decision.conflicts.is_empty() {
                FileStatus::WouldRefuse
            } else {
                decision.status
            };
        }
        manifest_status = match (manifest_unchanged, manifest_conflict) {
            (true, _) => FileStatus::Unchanged,
            (false, true) => FileStatus::WouldRefuse,
            (false, false) => FileStatus::WouldWrite,
        };
        return Ok((reports, manifest_status));
    }
    refuse_existing(&conflicts)?;
    for (planned, decision) in files.iter().zip(&decisions) {
        if decision.status == FileStatus::Written {
            write_pair(target, planned, decision, source, observer)?;
        } else {
            observer.advanced(planned.scenarios.len() as u64);
        }
    }
    if !manifest_unchanged {
        let mut file =
            AtomicFile::create(&manifest_target).map_err(io_error(manifest_target.display()))?;
        file.write_all(manifest_bytes.as_bytes())
            .map_err(io_error(manifest_target.display()))?;
        file.commit().map_err(io_error(manifest_target.display()))?;
    }
    Ok((reports, manifest_status))
}

fn report(target: &Target, planned: &Planned, decision: &Decision) -> FileReport {
    FileReport {
        path: planned
            .file
            .dataset_path(target.format)
            .display()
            .to_string(),
        dataset_id: planned.file.dataset_id.clone(),
        layout: planned.file.layout,
        conversations: planned.scenarios.len(),
        version: decision.versioning.version.clone(),
        status: decision.status,
    }
}

/// A manifest's file, as `coverage manifest --json` prints it.
pub fn manifest_json(manifest: &Manifest) -> String {
    let mut json = serde_json::to_string_pretty(manifest).expect("manifests serialize");
    json.push('\n');
    json
}

/// The output directory exists and takes files; stale temporary files of a
/// killed run are gone.
pub(crate) fn prepare_out_dir(out: &Path) -> Result<(), RunError> {
    let refuse = |error: io::Error| {
        RunError::Refused(format!("cannot write to '{}': {error}", out.display()))
    };
    std::fs::create_dir_all(out).map_err(refuse)?;
    let probe = AtomicFile::create(&out.join(".coverage-write-probe")).map_err(refuse)?;
    drop(probe);
    remove_stale_temps(out).map_err(io_error(out.display()))?;
    Ok(())
}

fn hash_pair(
    planned: &Planned,
    seed: u64,
    source: &Source,
    observer: &dyn Observer,
) -> Result<Hashes, RunError> {
    let mut dataset = LineHasher::default();
    let mut golden = LineHasher::default();
    source
        .stream(&planned.file, &planned.scenarios, seed, &mut |d, g| {
            dataset.add(d);
            golden.add(g);
            observer.advanced(1);
            Ok(())
        })
        .map_err(io_error(&planned.file.dataset_id))?;
    Ok(Hashes {
        dataset: dataset.finish(),
        golden: golden.finish(),
        scenarios: scenarios_hash(&planned.scenarios),
    })
}

fn decide(target: &Target, planned: &Planned, hashes: Hashes) -> Result<Decision, RunError> {
    let dataset_path = target.out.join(planned.file.dataset_path(target.format));
    let golden_path = target.out.join(planned.file.golden_path(target.format));
    let dataset = read_existing(&dataset_path, DocKind::Dataset, target.format)
        .map_err(io_error(dataset_path.display()))?;
    let golden = read_existing(&golden_path, DocKind::Golden, target.format)
        .map_err(io_error(golden_path.display()))?;
    let versioning = Versioning::after(dataset.as_ref().zip(golden.as_ref()), &hashes);
    let expected = expected_metadata(target, planned, &hashes, &versioning);
    let states = [
        (
            dataset_path.as_path(),
            on_disk(&dataset_path, dataset.as_ref(), &expected.0),
        ),
        (
            golden_path.as_path(),
            on_disk(&golden_path, golden.as_ref(), &expected.1),
        ),
    ];
    // Identical files are left alone when replacing is allowed anyway
    // (--overwrite) or when finishing an interrupted run (--resume).
    let identical = states.iter().all(|(_, state)| *state == OnDisk::Identical);
    let keep = identical && (target.overwrite || target.resume);
    let conflicts = if target.overwrite || keep {
        Vec::new()
    } else {
        blocking(&states, target.resume)
    };
    Ok(Decision {
        versioning,
        hashes,
        status: if keep {
            FileStatus::Unchanged
        } else if target.dry_run {
            FileStatus::WouldWrite
        } else {
            FileStatus::Written
        },
        conflicts,
    })
}

/// How a target file on disk compares with what the run would write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnDisk {
    Missing,
    /// Complete, and exactly what the run would write.
    Identical,
    /// Anything else: other content, or not ours.
    Different,
}

fn on_disk(path: &Path, existing: Option<&Existing>, expected: &Value) -> OnDisk {
    match existing {
        Some(file) if file.is_intact() && file.metadata == *expected => OnDisk::Identical,
        _ if path.exists() => OnDisk::Different,
        _ => OnDisk::Missing,
    }
}

/// The existing files that stop a run without --overwrite: all of them, or
/// with --resume only those that differ from what the run would write (an
/// interrupted run may have finished one file of a pair but not the other).
pub(crate) fn blocking(states: &[(&Path, OnDisk)], resume: bool) -> Vec<String> {
    states
        .iter()
        .filter(|(_, state)| {
            if resume {
                *state == OnDisk::Different
            } else {
                *state != OnDisk::Missing
            }
        })
        .map(|(path, _)| path.display().to_string())
        .collect()
}

fn expected_metadata(
    target: &Target,
    planned: &Planned,
    hashes: &Hashes,
    versioning: &Versioning,
) -> (Value, Value) {
    let id = &planned.file.dataset_id;
    let dataset = dataset_metadata(
        id,
        &planned.scenarios,
        target.seed,
        hashes.dataset.clone(),
        hashes.scenarios.clone(),
        versioning,
    );
    let golden = golden_metadata(
        id,
        planned.scenarios.len(),
        target.seed,
        hashes.golden.clone(),
        versioning,
    );
    (
        serde_json::to_value(dataset).expect("metadata serializes"),
        serde_json::to_value(golden).expect("metadata serializes"),
    )
}

fn write_pair(
    target: &Target,
    planned: &Planned,
    decision: &Decision,
    source: &Source,
    observer: &dyn Observer,
) -> Result<(), RunError> {
    let (dataset_meta, golden_meta) =
        expected_metadata(target, planned, &decision.hashes, &decision.versioning);
    let dataset_path = target.out.join(planned.file.dataset_path(target.format));
    let golden_path = target.out.join(planned.file.golden_path(target.format));
    let what = dataset_path.display().to_string();
    let dataset_file =
        AtomicFile::create(&dataset_path).map_err(io_error(dataset_path.display()))?;
    let golden_file = AtomicFile::create(&golden_path).map_err(io_error(golden_path.display()))?;
    let mut dataset =
        DocWriter::begin(dataset_file, DocKind::Dataset, target.format, &dataset_meta)
            .map_err(io_error(&what))?;
    let mut golden = DocWriter::begin(golden_file, DocKind::Golden, target.format, &golden_meta)
        .map_err(io_error(&what))?;
    source
        .stream(
            &planned.file,
            &planned.scenarios,
            target.seed,
            &mut |d, g| {
                dataset.line(d)?;
                golden.line(g)?;
                observer.advanced(1);
                Ok(())
            },
        )
        .map_err(io_error(&what))?;
    let dataset_file = dataset.finish().map_err(io_error(&what))?;
    let golden_file = golden.finish().map_err(io_error(&what))?;
    // The golden goes first: a dataset on disk always has its golden.
    golden_file
        .commit()
        .map_err(io_error(golden_path.display()))?;
    dataset_file
        .commit()
        .map_err(io_error(dataset_path.display()))
}

fn summary(
    options: &GenerateOptions,
    built: &Manifest,
    files: Vec<FileReport>,
    manifest: FileStatus,
) -> Summary {
    let mut layouts: BTreeMap<Layout, LayoutTotal> = BTreeMap::new();
    for file in &files {
        let total = layouts.entry(file.layout).or_insert(LayoutTotal {
            layout: file.layout,
            files: 0,
            conversations: 0,
        });
        total.files += 1;
        total.conversations += file.conversations;
    }
    Summary {
        out: options.out.display().to_string(),
        seed: options.seed,
        format: options.format,
        shard: options.shard.map(|s| s.to_string()),
        dry_run: options.dry_run,
        files,
        manifest,
        layouts: layouts.into_values().collect(),
        excluded: built
            .rules
            .iter()
            .map(|r| (r.id.clone(), r.removed))
            .collect(),
        kept: built.totals.kept,
    }
}
