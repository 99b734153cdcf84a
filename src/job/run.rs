//! A job from start to report: lock the output directory, plan the files,
//! check every directory can take them, clear what killed jobs left, then
//! take the shared path to disk ([`super::target`]) and finish with the
//! run's summary file: `manifest.json`, or a shard's manifest.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::atomic::{AtomicFile, JobTag, remove_stale_temps};
use super::error::JobError;
use super::guard;
use super::lock::{OutputLock, RunRecord};
use super::plan::{Planned, manifest_path, planned_files};
use super::shard::{self, Shard};
use super::source::Source;
use super::target::{self, Form, Prepared, Target};
use super::{CancelToken, JobSpec, Work, WritePolicy};
use crate::contract::event::Event;
use crate::contract::files::{Format, Layout};
use crate::contract::manifest::Manifest;
use crate::contract::report::{FileReport, FileStatus, LayoutTotal, RuleExclusion, RunReport};
use crate::contract::shard::{PartRecord, ShardManifest};
use crate::coverage::{Coverage, Selection};
use crate::generate::Deal;
use crate::taxonomy;

/// Runs `spec` to the end, telling `events` as it goes.
pub fn run(
    spec: &JobSpec,
    cancel: &CancelToken,
    events: &mut dyn FnMut(Event),
) -> Result<RunReport, JobError> {
    start(spec.clone())?.run(cancel, events)
}

/// A job that holds its output directory and has passed every check that
/// needs no generation: ready to run, here or on another thread.
pub struct StartedJob {
    spec: JobSpec,
    plan: JobPlan,
    tag: JobTag,
    // Held to the end: one writer per output directory, and only the
    // holder clears temporary files.
    lock: Option<OutputLock>,
}

/// Plans the job, makes the checks that need nothing on disk (the
/// conversation, memory and disk limits, a subset with a shard) before
/// creating anything, then takes the output directory and makes the checks
/// that refuse it before any work: a directory in use, one that cannot
/// take files, a link on the way, and (under [`WritePolicy::Refuse`])
/// files in the way. Clears what killed jobs left.
pub fn start(spec: JobSpec) -> Result<StartedJob, JobError> {
    let tag = JobTag::new();
    // Spans for the phases (plan, check, render, write): no-ops unless
    // the caller installed a tracing subscriber, as `coverage serve` does.
    let plan =
        tracing::info_span!("plan", out = %spec.out.display()).in_scope(|| JobPlan::new(&spec))?;
    // A refused run creates nothing: not the directory, not the lock.
    if !spec.dry_run {
        let estimate = guard::estimate(&plan.files, &plan.deal, spec.concurrency, spec.batch_size);
        guard::check(&estimate, &spec.guardrails, &spec.out)?;
    }
    let lock = if spec.dry_run {
        None
    } else {
        Some(OutputLock::acquire(&spec.out)?)
    };
    if spec.policy == WritePolicy::Resume
        && let Some(previous) = lock.as_ref().and_then(OutputLock::previous)
    {
        let differences = previous.differences(&plan.record());
        if !differences.is_empty() {
            return Err(JobError::ResumeMismatch {
                dir: spec.out.clone(),
                differences,
            });
        }
    }
    tracing::info_span!("check").in_scope(|| plan.check(&spec, &tag))?;
    Ok(StartedJob {
        spec,
        plan,
        tag,
        lock,
    })
}

impl StartedJob {
    /// The conversations the job will generate or copy.
    pub fn conversations(&self) -> usize {
        self.plan.files.iter().map(Planned::conversations).sum()
    }

    /// Runs the job to the end.
    pub fn run(
        self,
        cancel: &CancelToken,
        events: &mut dyn FnMut(Event),
    ) -> Result<RunReport, JobError> {
        let mut lock = self.lock;
        self.plan
            .execute(&self.spec, &self.tag, lock.as_mut(), cancel, events)
    }
}

impl JobPlan {
    fn new(spec: &JobSpec) -> Result<Self, JobError> {
        Ok(match &spec.work {
            Work::Generate(generate) => {
                if let (Some(subset), Some(_)) = (&generate.subset, generate.shard) {
                    return Err(JobError::SubsetWithShard {
                        strength: subset.strength.get(),
                    });
                }
                let coverage = Coverage::evaluate(generate.seed);
                let deal = Arc::new(Deal::new(&coverage));
                let subset = generate.subset.as_ref().map(|spec| {
                    let mut subset = crate::subset::select_in(&coverage, &generate.selection, spec);
                    subset.cost = Some(crate::cost::subset_cost(
                        &coverage,
                        &generate.selection,
                        &subset,
                    ));
                    subset
                });
                let files = planned_files(
                    &coverage,
                    &generate.selection,
                    &generate.layouts,
                    generate.variants,
                    subset.as_ref(),
                );
                let manifest = Manifest::build(&coverage, &generate.selection)
                    .with_variants(generate.variants)
                    .with_subset(subset);
                let source = Source::Generate {
                    deal: Arc::clone(&deal),
                    concurrency: spec.concurrency,
                    batch: spec.batch_size,
                };
                let (files, form) = match generate.shard {
                    Some(shard) => (
                        shard.slice(&coverage, &generate.selection, files),
                        Form::Part,
                    ),
                    None => (files, Form::Document(generate.format)),
                };
                JobPlan {
                    seed: generate.seed,
                    deal,
                    format: generate.format,
                    layouts: generate.layouts.clone(),
                    selection: generate.selection.clone(),
                    shard: generate.shard,
                    variants: generate.variants,
                    files,
                    form,
                    manifest,
                    source,
                }
            }
            Work::Merge { shards } => {
                let merged = shard::read_shards(shards)?;
                let coverage = Coverage::evaluate(merged.seed);
                let deal = Arc::new(Deal::new(&coverage));
                let files = planned_files(
                    &coverage,
                    &merged.selection,
                    &merged.layouts,
                    merged.variants,
                    None,
                );
                let manifest =
                    Manifest::build(&coverage, &merged.selection).with_variants(merged.variants);
                JobPlan {
                    seed: merged.seed,
                    deal,
                    format: merged.format,
                    layouts: merged.layouts,
                    selection: merged.selection,
                    shard: None,
                    variants: merged.variants,
                    files,
                    form: Form::Document(merged.format),
                    manifest,
                    source: Source::Parts(merged.dirs),
                }
            }
        })
    }
}

/// A job with its plan made.
struct JobPlan {
    seed: u64,
    /// Made from the coverage the plan evaluated; every conversation the
    /// job renders (and every sample of its estimate) is dealt from it.
    deal: Arc<Deal>,
    format: Format,
    layouts: Vec<Layout>,
    selection: Selection,
    shard: Option<Shard>,
    files: Vec<Planned>,
    form: Form,
    manifest: Manifest,
    source: Source,
    variants: u32,
}

impl JobPlan {
    fn target<'a>(&self, spec: &'a JobSpec, tag: &'a JobTag) -> Target<'a> {
        Target {
            out: &spec.out,
            form: self.form,
            seed: self.seed,
            policy: spec.policy,
            dry_run: spec.dry_run,
            tag,
            progress_step: spec.batch_size.max(1) as u64,
        }
    }

    /// The settings that decide which files this job writes.
    fn record(&self) -> RunRecord {
        RunRecord {
            seed: self.seed,
            format: self.format,
            layouts: self.layouts.clone(),
            domains: self.selection.domains().to_vec(),
            behaviors: self.selection.behaviors().to_vec(),
            variants: self.variants,
            shard: self.shard.map(|s| s.to_string()),
        }
    }

    fn summary_path(&self) -> PathBuf {
        match self.shard {
            Some(shard) => shard.manifest_path(),
            None => manifest_path(),
        }
    }

    /// The checks that need no generation; see [`start`].
    fn check(&self, spec: &JobSpec, tag: &JobTag) -> Result<(), JobError> {
        let target = self.target(spec, tag);
        let summary_path = self.summary_path();
        if spec.dry_run {
            target.refuse_irregular(&self.files, &summary_path)?;
        } else {
            let dirs = target.preflight(&self.files, &summary_path)?;
            if spec.policy == WritePolicy::Refuse {
                // Under refuse every existing target is a conflict: say so
                // before any work.
                let existing = target.existing(&self.files);
                if !existing.is_empty() {
                    return Err(JobError::TargetsExist { paths: existing });
                }
            }
            let mut sweep = dirs;
            sweep.push(spec.out.clone());
            remove_stale_temps(&sweep).map_err(JobError::io(&spec.out))?;
        }
        Ok(())
    }

    fn execute(
        self,
        spec: &JobSpec,
        tag: &JobTag,
        lock: Option<&mut OutputLock>,
        cancel: &CancelToken,
        events: &mut dyn FnMut(Event),
    ) -> Result<RunReport, JobError> {
        let target = self.target(spec, tag);
        let summary_path = self.summary_path();
        let conversations: usize = self.files.iter().map(Planned::conversations).sum();
        events(Event::Planned {
            files: self.files.len(),
            conversations: conversations as u64,
        });
        let prepared = tracing::info_span!("render", conversations)
            .in_scope(|| target::prepare(&target, &self.files, &self.source, cancel, events))?;
        let summary_bytes = self.summary_bytes(&prepared);
        let summary = SummaryFile::new(spec.out.join(&summary_path), summary_bytes, spec.policy);
        let mut conflicts: Vec<PathBuf> = prepared.conflicts().cloned().collect();
        conflicts.extend(summary.conflict());
        if !spec.dry_run && !conflicts.is_empty() {
            return Err(JobError::TargetsExist { paths: conflicts });
        }
        // Recorded before the first file, so that a `--resume` of this run
        // can tell it from a run with other settings.
        if let Some(lock) = lock {
            lock.record(&self.record())?;
        }
        let reports = tracing::info_span!("write")
            .in_scope(|| prepared.write(&target, &self.files, cancel, events))?;
        let summary_status = if spec.dry_run {
            summary.dry_status()
        } else {
            summary.write(tag)?
        };
        let report = self.report(spec, reports, &summary_path, summary_status);
        events(Event::Finished {
            report: Box::new(report.clone()),
        });
        Ok(report)
    }

    /// `manifest.json`, or for a shard the shard manifest that lets a merge
    /// check it has every piece.
    fn summary_bytes(&self, prepared: &Prepared) -> String {
        let Some(shard) = self.shard else {
            return self.manifest.to_json();
        };
        let mut json = serde_json::to_string_pretty(&ShardManifest {
            shard: shard.to_string(),
            seed: self.seed,
            taxonomy_hash: taxonomy::HASH.to_owned(),
            fixtures_hash: taxonomy::FIXTURES_HASH.to_owned(),
            format: self.format,
            layouts: self.layouts.clone(),
            domains: self.selection.domains().to_vec(),
            behaviors: self.selection.behaviors().to_vec(),
            variants: self.variants,
            parts: prepared
                .pairs
                .iter()
                .map(|pair| PartRecord {
                    dataset_id: pair.report.dataset_id.clone(),
                    lines: pair.report.conversations,
                    dataset_hash: pair.hashes.dataset.clone(),
                    golden_hash: pair.hashes.golden.clone(),
                })
                .collect(),
        })
        .expect("shard manifests serialize");
        json.push('\n');
        json
    }

    fn report(
        self,
        spec: &JobSpec,
        files: Vec<FileReport>,
        summary_path: &Path,
        summary: FileStatus,
    ) -> RunReport {
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
        RunReport {
            out: spec.out.display().to_string(),
            seed: self.seed,
            format: self.format,
            shard: self.shard.map(|s| s.to_string()),
            dry_run: spec.dry_run,
            files,
            manifest_path: summary_path.display().to_string(),
            manifest_status: summary,
            layouts: layouts.into_values().collect(),
            excluded: self
                .manifest
                .rules
                .iter()
                .map(|r| RuleExclusion {
                    rule: r.id.clone(),
                    removed: r.removed,
                })
                .collect(),
            kept: self.manifest.totals.kept,
            manifest: self.manifest,
        }
    }
}

/// The run's summary file. It is a summary, not data: an identical one is
/// never in the way.
struct SummaryFile {
    path: PathBuf,
    bytes: String,
    unchanged: bool,
    conflict: bool,
}

impl SummaryFile {
    fn new(path: PathBuf, bytes: String, policy: WritePolicy) -> Self {
        let old = crate::input::open_for_reading(&path).and_then(std::io::read_to_string);
        let unchanged = old.is_ok_and(|old| old == bytes);
        let conflict =
            !unchanged && path.symlink_metadata().is_ok() && policy != WritePolicy::Overwrite;
        Self {
            path,
            bytes,
            unchanged,
            conflict,
        }
    }

    fn conflict(&self) -> Option<PathBuf> {
        self.conflict.then(|| self.path.clone())
    }

    fn dry_status(&self) -> FileStatus {
        match (self.unchanged, self.conflict) {
            (true, _) => FileStatus::Unchanged,
            (false, true) => FileStatus::WouldRefuse,
            (false, false) => FileStatus::WouldWrite,
        }
    }

    fn write(self, tag: &JobTag) -> Result<FileStatus, JobError> {
        if self.unchanged {
            return Ok(FileStatus::Unchanged);
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(JobError::io(dir))?;
        }
        let io = JobError::io(&self.path);
        let mut file = AtomicFile::create(&self.path, tag).map_err(JobError::io(&self.path))?;
        file.write_all(self.bytes.as_bytes())
            .and_then(|()| file.commit())
            .map_err(io)?;
        Ok(FileStatus::Written)
    }
}
