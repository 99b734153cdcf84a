//! The one path every job takes to disk, whether its lines come from the
//! generator or from shard parts, and whether it writes documents or shard
//! parts: stream each file's lines once, hashing them and spilling them to
//! a temporary body; decide per pair what is on disk and what to do;
//! refuse before writing anything; then write every pair atomically from
//! its spilled body. Each conversation is rendered once per file.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::atomic::{AtomicFile, JobTag};
use super::document::{
    DocKind, DocWriter, Existing, file_hash, read_existing, sidecar_json, sidecar_of,
};
use super::error::JobError;
use super::lines::LineHasher;
use super::plan::{OutputFile, Planned};
use super::source::Source;
use super::versioning::{Hashes, Versioning, dataset_metadata, golden_metadata, scenarios_hash};
use super::{CancelToken, WritePolicy, shard};
use crate::contract::event::Event;
use crate::contract::files::Format;
use crate::contract::report::{FileReport, FileStatus};
use crate::tree;

/// What a target's files are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// Final datasets and goldens, with headers.
    Document(Format),
    /// A shard's bare lines, merged later.
    Part,
}

/// Where and how a job writes.
pub(crate) struct Target<'a> {
    pub out: &'a Path,
    pub form: Form,
    pub seed: u64,
    pub policy: WritePolicy,
    pub dry_run: bool,
    pub tag: &'a JobTag,
    /// Conversations per `Progress` event: the job's batch size.
    pub progress_step: u64,
}

impl Target<'_> {
    /// The dataset and golden of `file`, relative to the output directory.
    fn relative(&self, file: &OutputFile) -> (PathBuf, PathBuf) {
        match self.form {
            Form::Document(format) => (file.dataset_path(format), file.golden_path(format)),
            Form::Part => shard::part_paths(file),
        }
    }

    /// The files of one document on disk: the file itself, and for JSON
    /// Lines its sidecar.
    fn files_of(&self, relative: &Path) -> Vec<PathBuf> {
        match self.form {
            Form::Document(Format::Jsonl) => vec![relative.to_owned(), sidecar_of(relative)],
            _ => vec![relative.to_owned()],
        }
    }

    fn escape(&self, e: tree::Escape) -> JobError {
        shard::escape(self.out, e)
    }

    /// Checks, before anything is written, that every directory the job
    /// writes into is a real directory under the output directory (or can
    /// be made one) and takes files. Returns them, relative.
    pub fn preflight(&self, files: &[Planned], extra: &Path) -> Result<Vec<PathBuf>, JobError> {
        let mut dirs: Vec<PathBuf> = files
            .iter()
            .map(|p| self.relative(&p.file).0)
            .chain([extra.to_owned()])
            .filter_map(|path| path.parent().map(Path::to_owned))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in &dirs {
            let absolute = tree::inside(self.out, dir).map_err(|e| self.escape(e))?;
            let existing = absolute
                .ancestors()
                .find(|a| a.symlink_metadata().is_ok())
                .unwrap_or(self.out);
            if !existing.is_dir() {
                return Err(JobError::Escape {
                    path: existing.to_owned(),
                    root: self.out.to_owned(),
                    what: "is not a directory",
                });
            }
            let probe = existing.join(self.tag.temp_name("probe"));
            File::create_new(&probe).map_err(|source| JobError::Unwritable {
                path: existing.to_owned(),
                source,
            })?;
            let _ = std::fs::remove_file(&probe);
        }
        self.refuse_irregular(files, extra)?;
        Ok(dirs.into_iter().map(|dir| self.out.join(dir)).collect())
    }

    /// A target that exists must be a regular file: reading a FIFO (to
    /// compare, resume or version it) would block for ever, and a link
    /// would be followed. A dry run reads targets too, so it checks this.
    pub fn refuse_irregular(&self, files: &[Planned], extra: &Path) -> Result<(), JobError> {
        let targets = files
            .iter()
            .flat_map(|p| {
                let (dataset, golden) = self.relative(&p.file);
                let mut files = self.files_of(&dataset);
                files.extend(self.files_of(&golden));
                files
            })
            .chain([extra.to_owned()]);
        for relative in targets {
            let path = self.out.join(relative);
            if let Ok(meta) = path.symlink_metadata()
                && !meta.is_file()
            {
                return Err(JobError::Escape {
                    path,
                    root: self.out.to_owned(),
                    what: "is not a regular file; coverage reads and replaces only regular files",
                });
            }
        }
        Ok(())
    }

    /// Targets that exist already: under [`WritePolicy::Refuse`] exactly
    /// the conflicts, found before any work.
    pub fn existing(&self, files: &[Planned]) -> Vec<PathBuf> {
        files
            .iter()
            .flat_map(|p| {
                let (dataset, golden) = self.relative(&p.file);
                let mut files = self.files_of(&dataset);
                files.extend(self.files_of(&golden));
                files
            })
            .map(|path| self.out.join(path))
            .filter(|path| path.symlink_metadata().is_ok())
            .collect()
    }
}

/// One pair, its lines hashed and spilled, with what to do about it.
pub(crate) struct Pair {
    pub report: FileReport,
    pub hashes: Hashes,
    versioning: Versioning,
    /// Existing files in the way (empty when the pair may be written).
    pub conflicts: Vec<PathBuf>,
}

/// Every pair of a job, decided, with the spilled bodies of those to write.
pub(crate) struct Prepared {
    pub pairs: Vec<Pair>,
    spill: Option<Spill>,
}

/// Streams, hashes, spills and decides every planned file.
pub(crate) fn prepare(
    target: &Target,
    files: &[Planned],
    source: &Source,
    cancel: &CancelToken,
    events: &mut dyn FnMut(Event),
) -> Result<Prepared, JobError> {
    let spill = if target.dry_run {
        None
    } else {
        Some(Spill::create(target.out, target.tag)?)
    };
    let mut pairs = Vec::with_capacity(files.len());
    for (index, planned) in files.iter().enumerate() {
        let (dataset_path, _) = target.relative(&planned.file);
        events(Event::FileStarted {
            path: dataset_path.display().to_string(),
            dataset_id: planned.file.dataset_id.clone(),
            layout: planned.file.layout,
            conversations: planned.conversations(),
        });
        let hashes = stream_once(
            target,
            planned,
            source,
            spill.as_ref(),
            index,
            cancel,
            events,
        )?;
        pairs.push(decide(target, planned, hashes)?);
    }
    Ok(Prepared { pairs, spill })
}

fn stream_once(
    target: &Target,
    planned: &Planned,
    source: &Source,
    spill: Option<&Spill>,
    index: usize,
    cancel: &CancelToken,
    events: &mut dyn FnMut(Event),
) -> Result<Hashes, JobError> {
    let mut writers = spill.map(|s| s.writers(index)).transpose()?;
    let (mut dataset, mut golden) = (LineHasher::default(), LineHasher::default());
    let mut pending = 0;
    source.stream(planned, cancel, &mut |d, g| {
        dataset.add(d);
        golden.add(g);
        if let Some((dw, gw, path)) = writers.as_mut() {
            writeln!(dw, "{d}")
                .and_then(|()| writeln!(gw, "{g}"))
                .map_err(JobError::io(path.as_path()))?;
        }
        pending += 1;
        if pending == target.progress_step {
            events(Event::Progress {
                conversations: pending,
            });
            pending = 0;
        }
        Ok(())
    })?;
    if pending > 0 {
        events(Event::Progress {
            conversations: pending,
        });
    }
    if let Some((mut dw, mut gw, path)) = writers {
        dw.flush()
            .and_then(|()| gw.flush())
            .map_err(JobError::io(path))?;
    }
    Ok(Hashes {
        dataset: dataset.finish(),
        golden: golden.finish(),
        scenarios: scenarios_hash(&planned.scenarios, planned.variants),
    })
}

/// How a target file on disk compares with what the job would write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnDisk {
    Missing,
    /// Complete, and exactly what the job would write.
    Identical,
    /// Anything else: other content, or not ours.
    Different,
}

fn decide(target: &Target, planned: &Planned, hashes: Hashes) -> Result<Pair, JobError> {
    let (dataset_rel, golden_rel) = target.relative(&planned.file);
    let dataset_path = target.out.join(&dataset_rel);
    let golden_path = target.out.join(&golden_rel);
    let (versioning, states) = match target.form {
        Form::Document(format) => {
            let read =
                |path: &Path, kind| read_existing(path, kind, format).map_err(JobError::io(path));
            let dataset = read(&dataset_path, DocKind::Dataset)?;
            let golden = read(&golden_path, DocKind::Golden)?;
            let versioning = Versioning::after(dataset.as_ref().zip(golden.as_ref()), &hashes);
            let (dataset_meta, golden_meta) = metadata(target, planned, &hashes, &versioning);
            let states = [
                document_on_disk(dataset.as_ref(), &dataset_meta),
                document_on_disk(golden.as_ref(), &golden_meta),
            ];
            (versioning, states)
        }
        Form::Part => (
            Versioning::first(""),
            [
                part_on_disk(&dataset_path, &hashes.dataset),
                part_on_disk(&golden_path, &hashes.golden),
            ],
        ),
    };
    // A document that is not identical is in the way if any of its files
    // (itself, a JSON Lines sidecar) is there.
    let on_disk = |relative: &Path| -> Vec<PathBuf> {
        target
            .files_of(relative)
            .into_iter()
            .map(|f| target.out.join(f))
            .filter(|f| f.symlink_metadata().is_ok())
            .collect()
    };
    let present = [on_disk(&dataset_rel), on_disk(&golden_rel)];
    let states = [0, 1].map(|i| match states[i] {
        OnDisk::Different if present[i].is_empty() => OnDisk::Missing,
        state => state,
    });
    let (overwrite, resume) = (
        target.policy == WritePolicy::Overwrite,
        target.policy == WritePolicy::Resume,
    );
    // Identical files are left alone when replacing is allowed anyway
    // (overwrite) or when finishing an interrupted run (resume).
    let identical = states.iter().all(|s| *s == OnDisk::Identical);
    let keep = identical && (overwrite || resume);
    let conflicts: Vec<PathBuf> = if overwrite || keep {
        Vec::new()
    } else {
        // With resume only files that differ are in the way: an interrupted
        // run may have finished one file of a pair but not the other.
        present
            .iter()
            .zip(states)
            .filter(|(_, state)| match resume {
                true => *state == OnDisk::Different,
                false => *state != OnDisk::Missing,
            })
            .flat_map(|(paths, _)| paths.iter().cloned())
            .collect()
    };
    let status = match (keep, target.dry_run, conflicts.is_empty()) {
        (true, _, _) => FileStatus::Unchanged,
        (false, true, true) => FileStatus::WouldWrite,
        (false, true, false) => FileStatus::WouldRefuse,
        (false, false, _) => FileStatus::Written,
    };
    let meta_paths = [&dataset_rel, &golden_rel]
        .into_iter()
        .flat_map(|rel| target.files_of(rel).into_iter().skip(1))
        .map(|p| p.display().to_string())
        .collect();
    let report = FileReport {
        path: dataset_rel.display().to_string(),
        golden_path: golden_rel.display().to_string(),
        meta_paths,
        dataset_id: planned.file.dataset_id.clone(),
        layout: planned.file.layout,
        conversations: planned.conversations(),
        version: versioning.version.clone(),
        status,
        content_hash: hashes.dataset.clone(),
        golden_hash: hashes.golden.clone(),
    };
    Ok(Pair {
        report,
        hashes,
        versioning,
        conflicts,
    })
}

/// Identical or not; whether it is there at all is judged from its files.
fn document_on_disk(existing: Option<&Existing>, expected: &Value) -> OnDisk {
    match existing {
        Some(file) if file.is_intact() && file.metadata == *expected => OnDisk::Identical,
        // A JSON Lines body holding exactly our lines whose sidecar never
        // landed: an interrupted write of this very pair, to finish.
        Some(file) if file.metadata.is_null() && expected["content_hash"] == file.body_hash => {
            OnDisk::Missing
        }
        _ => OnDisk::Different,
    }
}

fn part_on_disk(path: &Path, expected: &str) -> OnDisk {
    match file_hash(path) {
        Ok(hash) if hash == expected => OnDisk::Identical,
        _ if path.symlink_metadata().is_ok() => OnDisk::Different,
        _ => OnDisk::Missing,
    }
}

/// The dataset's and golden's metadata, as JSON values.
fn metadata(
    target: &Target,
    planned: &Planned,
    hashes: &Hashes,
    versioning: &Versioning,
) -> (Value, Value) {
    let id = &planned.file.dataset_id;
    let dataset = dataset_metadata(
        id,
        &planned.scenarios,
        planned.conversations(),
        target.seed,
        hashes,
        versioning,
    );
    let golden = golden_metadata(
        id,
        planned.conversations(),
        target.seed,
        &hashes.golden,
        versioning,
    );
    (
        serde_json::to_value(dataset).expect("metadata serializes"),
        serde_json::to_value(golden).expect("metadata serializes"),
    )
}

impl Prepared {
    /// Every existing file in the way.
    pub fn conflicts(&self) -> impl Iterator<Item = &PathBuf> {
        self.pairs.iter().flat_map(|p| p.conflicts.iter())
    }

    /// Writes every pair to write from its spilled body, golden first (a
    /// dataset on disk always has its golden), and reports each pair.
    pub fn write(
        self,
        target: &Target,
        files: &[Planned],
        cancel: &CancelToken,
        events: &mut dyn FnMut(Event),
    ) -> Result<Vec<FileReport>, JobError> {
        let mut reports = Vec::with_capacity(self.pairs.len());
        for (index, (pair, planned)) in self.pairs.into_iter().zip(files).enumerate() {
            if pair.report.status == FileStatus::Written {
                cancel.check()?;
                let spill = self.spill.as_ref().expect("a writing job spills");
                write_pair(target, planned, &pair, spill, index)?;
            }
            let bytes = pair_bytes(target, &pair.report);
            events(Event::FileDone {
                path: pair.report.path.clone(),
                golden_path: pair.report.golden_path.clone(),
                status: pair.report.status,
                content_hash: pair.report.content_hash.clone(),
                golden_hash: pair.report.golden_hash.clone(),
                bytes,
            });
            reports.push(pair.report);
        }
        Ok(reports)
    }
}

/// The bytes on disk of a pair's files (0 in a dry run).
fn pair_bytes(target: &Target, report: &FileReport) -> u64 {
    [&report.path, &report.golden_path]
        .into_iter()
        .chain(&report.meta_paths)
        .filter_map(|p| target.out.join(p).metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn write_pair(
    target: &Target,
    planned: &Planned,
    pair: &Pair,
    spill: &Spill,
    index: usize,
) -> Result<(), JobError> {
    let dataset_path = target.out.join(&pair.report.path);
    let golden_path = target.out.join(&pair.report.golden_path);
    if let Some(dir) = dataset_path.parent() {
        std::fs::create_dir_all(dir).map_err(JobError::io(dir))?;
    }
    let (dataset_meta, golden_meta) = metadata(target, planned, &pair.hashes, &pair.versioning);
    let golden = body_file(
        target,
        &golden_path,
        DocKind::Golden,
        &golden_meta,
        &spill.path(index, DocKind::Golden),
    )?;
    let dataset = body_file(
        target,
        &dataset_path,
        DocKind::Dataset,
        &dataset_meta,
        &spill.path(index, DocKind::Dataset),
    )?;
    let sidecars = match target.form {
        Form::Document(Format::Jsonl) => Some((
            sidecar(target, &golden_path, &golden_meta)?,
            sidecar(target, &dataset_path, &dataset_meta)?,
        )),
        _ => None,
    };
    // The golden goes first, and a JSON Lines body before its sidecar: a
    // sidecar on disk always describes its body, a dataset always has its
    // golden.
    let (golden_sidecar, dataset_sidecar) = sidecars.unzip();
    golden.commit()?;
    commit_sidecar(golden_sidecar, &golden_path)?;
    dataset.commit()?;
    commit_sidecar(dataset_sidecar, &dataset_path)
}

/// The sidecar of the JSON Lines file at `body`, ready to commit.
fn sidecar(target: &Target, body: &Path, metadata: &Value) -> Result<AtomicFile, JobError> {
    let path = sidecar_of(body);
    let mut file = AtomicFile::create(&path, target.tag).map_err(JobError::io(&path))?;
    sidecar_json(metadata)
        .and_then(|text| file.write_all(text.as_bytes()))
        .map_err(JobError::io(&path))?;
    Ok(file)
}

fn commit_sidecar(file: Option<AtomicFile>, body: &Path) -> Result<(), JobError> {
    match file {
        Some(file) => file.commit().map_err(JobError::io(sidecar_of(body))),
        None => Ok(()),
    }
}

/// A pair's file, ready to commit.
enum Body {
    /// Written anew: a JSON document's header, the spilled lines, its footer.
    Copied(AtomicFile, PathBuf),
    /// The spilled lines are the file (JSON Lines, shard parts): synced and
    /// renamed into place, never copied.
    Moved { from: PathBuf, to: PathBuf },
}

impl Body {
    fn commit(self) -> Result<(), JobError> {
        match self {
            Self::Copied(file, path) => file.commit().map_err(JobError::io(path)),
            Self::Moved { from, to } => crate::input::open_for_reading(&from)
                .and_then(|file| file.sync_all())
                .and_then(|()| std::fs::rename(&from, &to))
                .map_err(JobError::io(to)),
        }
    }
}

/// `path` from its spilled body: moved when the body is the whole file,
/// else copied behind the header and before the footer.
fn body_file(
    target: &Target,
    path: &Path,
    kind: DocKind,
    metadata: &Value,
    body: &Path,
) -> Result<Body, JobError> {
    let Form::Document(Format::Json) = target.form else {
        return Ok(Body::Moved {
            from: body.to_owned(),
            to: path.to_owned(),
        });
    };
    let io = JobError::io(path);
    let file = AtomicFile::create(path, target.tag).map_err(JobError::io(path))?;
    let spilled = crate::input::open_for_reading(body).map_err(JobError::io(body))?;
    let lines = BufReader::new(spilled).lines();
    let copy = || -> std::io::Result<AtomicFile> {
        let mut writer = DocWriter::begin(file, kind, Format::Json, metadata)?;
        for line in lines {
            writer.line(&line?)?;
        }
        writer.finish()
    };
    copy()
        .map(|file| Body::Copied(file, path.to_owned()))
        .map_err(io)
}

/// A job's temporary directory of spilled bodies under the output
/// directory; removed with everything in it when the job ends.
struct Spill {
    dir: PathBuf,
}

impl Spill {
    fn create(out: &Path, tag: &JobTag) -> Result<Self, JobError> {
        let dir = out.join(tag.temp_name("spill"));
        std::fs::create_dir(&dir).map_err(JobError::io(&dir))?;
        Ok(Self { dir })
    }

    fn path(&self, index: usize, kind: DocKind) -> PathBuf {
        self.dir.join(format!("{index}.{}", kind.items_key()))
    }

    #[allow(clippy::type_complexity)]
    fn writers(
        &self,
        index: usize,
    ) -> Result<(BufWriter<File>, BufWriter<File>, PathBuf), JobError> {
        let open = |kind| {
            let path = self.path(index, kind);
            File::create_new(&path)
                .map(|f| BufWriter::with_capacity(1 << 16, f))
                .map_err(JobError::io(path))
        };
        Ok((
            open(DocKind::Dataset)?,
            open(DocKind::Golden)?,
            self.dir.clone(),
        ))
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
