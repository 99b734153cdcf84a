//! Splitting a run across machines. Shard K of N takes the K-th of N equal,
//! contiguous slices of the selection's kept scenarios (in grid order) and
//! writes, for every output file, the lines of that file falling in its
//! slice. Every file's scenarios are in grid order too, so concatenating
//! the shards' parts in shard order gives exactly the lines of a one-machine
//! run; `coverage merge` adds headers and writes the final files.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::atomic::AtomicFile;
use super::body::{LineHasher, generate_lines};
use super::document::file_hash;
use super::plan::{Format, Layout, OutputFile};
use super::run::{
    FileReport, FileStatus, GenerateOptions, Observer, OnDisk, Planned, RunError, blocking,
    io_error, prepare_out_dir, refuse_existing,
};
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{self, Behavior, Domain, Scenario};

/// `K/N`: the K-th of N shards, 1 ≤ K ≤ N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("invalid shard '{text}': expected K/N with 1 ≤ K ≤ N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(invalid)?;
        let (index, count): (usize, usize) = (
            k.parse().map_err(|_| invalid())?,
            n.parse().map_err(|_| invalid())?,
        );
        if index == 0 || index > count {
            return Err(invalid());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The half-open range of positions this shard takes out of `len`.
    pub fn range(self, len: usize) -> std::ops::Range<usize> {
        (self.index - 1) * len / self.count..self.index * len / self.count
    }

    fn manifest_path(self) -> PathBuf {
        PathBuf::from(format!(
            "{}/shard-{}-of-{}.json",
            taxonomy::VERTICAL,
            self.index,
            self.count
        ))
    }
}

/// What a shard wrote, so that `merge` can check it has every piece of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ShardManifest {
    shard: String,
    seed: u64,
    taxonomy_hash: String,
    fixtures_hash: String,
    format: Format,
    layouts: Vec<Layout>,
    domains: Vec<Domain>,
    behaviors: Vec<Behavior>,
    parts: Vec<PartRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PartRecord {
    dataset_id: String,
    lines: usize,
    dataset_hash: String,
    golden_hash: String,
}

fn part_paths(dir: &Path, file: &OutputFile) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{}.dataset.part", file.stem)),
        dir.join(format!("{}.golden.part", file.stem)),
    )
}

/// Writes shard `shard`'s parts of `files` and its shard manifest.
pub(crate) fn write_shard(
    options: &GenerateOptions,
    shard: Shard,
    coverage: &Coverage,
    files: &[Planned],
    observer: &dyn Observer,
) -> Result<Vec<FileReport>, RunError> {
    let kept: Vec<Scenario> = coverage.kept(&options.selection).collect();
    let slice = &kept[shard.range(kept.len())];
    let in_slice = |s: &Scenario| {
        slice.first().is_some_and(|lo| lo <= s) && slice.last().is_some_and(|hi| s <= hi)
    };
    let parts: Vec<Vec<Scenario>> = files
        .iter()
        .map(|p| p.scenarios.iter().copied().filter(in_slice).collect())
        .collect();
    observer.planned(2 * parts.iter().map(Vec::len).sum::<usize>() as u64);

    if !options.dry_run {
        prepare_out_dir(&options.out)?;
    }
    let mut records = Vec::new();
    let mut conflicts = Vec::new();
    let mut statuses = Vec::new();
    for (planned, scenarios) in files.iter().zip(&parts) {
        let (mut dataset, mut golden) = (LineHasher::default(), LineHasher::default());
        generate_lines(
            scenarios,
            &planned.file.dataset_id,
            options.seed,
            options.concurrency,
            &mut |d, g| {
                dataset.add(d);
                golden.add(g);
                observer.advanced(1);
                Ok(())
            },
        )
        .map_err(io_error(&planned.file.dataset_id))?;
        let record = PartRecord {
            dataset_id: planned.file.dataset_id.clone(),
            lines: scenarios.len(),
            dataset_hash: dataset.finish(),
            golden_hash: golden.finish(),
        };
        let (dataset_path, golden_path) = part_paths(&options.out, &planned.file);
        let states = [
            (
                dataset_path.as_path(),
                part_on_disk(&dataset_path, &record.dataset_hash),
            ),
            (
                golden_path.as_path(),
                part_on_disk(&golden_path, &record.golden_hash),
            ),
        ];
        let keep = states.iter().all(|(_, state)| *state == OnDisk::Identical)
            && (options.overwrite || options.resume);
        if !options.overwrite && !keep {
            conflicts.extend(blocking(&states, options.resume));
        }
        statuses.push(match (keep, options.dry_run) {
            (true, _) => FileStatus::Unchanged,
            (false, true) => FileStatus::WouldWrite,
            (false, false) => FileStatus::Written,
        });
        records.push(record);
    }
    let reports = files
        .iter()
        .zip(&parts)
        .zip(&statuses)
        .map(|((planned, scenarios), status)| FileReport {
            path: format!("{}.dataset.part", planned.file.stem),
            dataset_id: planned.file.dataset_id.clone(),
            layout: planned.file.layout,
            conversations: scenarios.len(),
            version: String::new(),
            status: *status,
        })
        .collect();
    if options.dry_run {
        return Ok(reports);
    }
    refuse_existing(&conflicts)?;
    for ((planned, scenarios), status) in files.iter().zip(&parts).zip(&statuses) {
        if *status == FileStatus::Written {
            write_parts(&options.out, &planned.file, scenarios, options, observer)?;
        } else {
            observer.advanced(scenarios.len() as u64);
        }
    }
    let manifest = ShardManifest {
        shard: shard.to_string(),
        seed: options.seed,
        taxonomy_hash: taxonomy::HASH.to_owned(),
        fixtures_hash: taxonomy::FIXTURES_HASH.to_owned(),
        format: options.format,
        layouts: options.layouts.clone(),
        domains: options.selection.domains().to_vec(),
        behaviors: options.selection.behaviors().to_vec(),
        parts: records,
    };
    let path = options.out.join(shard.manifest_path());
    let mut file = AtomicFile::create(&path).map_err(io_error(path.display()))?;
    let json = serde_json::to_string_pretty(&manifest).expect("shard manifests serialize") + "\n";
    file.write_all(json.as_bytes())
        .map_err(io_error(path.display()))?;
    file.commit().map_err(io_error(path.display()))?;
    Ok(reports)
}

fn part_on_disk(path: &Path, expected: &str) -> OnDisk {
    match file_hash(path) {
        Ok(hash) if hash == expected => OnDisk::Identical,
        _ if path.exists() => OnDisk::Different,
        _ => OnDisk::Missing,
    }
}

fn write_parts(
    out: &Path,
    file: &OutputFile,
    scenarios: &[Scenario],
    options: &GenerateOptions,
    observer: &dyn Observer,
) -> Result<(), RunError> {
    let (dataset_path, golden_path) = part_paths(out, file);
    let mut dataset =
        AtomicFile::create(&dataset_path).map_err(io_error(dataset_path.display()))?;
    let mut golden = AtomicFile::create(&golden_path).map_err(io_error(golden_path.display()))?;
    generate_lines(
        scenarios,
        &file.dataset_id,
        options.seed,
        options.concurrency,
        &mut |d, g| {
            writeln!(dataset, "{d}")?;
            writeln!(golden, "{g}")?;
            observer.advanced(1);
            Ok(())
        },
    )
    .map_err(io_error(dataset_path.display()))?;
    golden.commit().map_err(io_error(golden_path.display()))?;
    dataset.commit().map_err(io_error(dataset_path.display()))
}

/// The run the shards belong to, and their directories in shard order.
pub(crate) struct Merged {
    pub seed: u64,
    pub format: Format,
    pub layouts: Vec<Layout>,
    pub selection: Selection,
    pub dirs: Vec<PathBuf>,
}

/// Reads and checks every shard: all of one run, each shard once, every
/// part intact.
pub(crate) fn read_shards(dirs: &[PathBuf]) -> Result<Merged, RunError> {
    let mut shards: Vec<(Shard, ShardManifest, PathBuf)> = Vec::new();
    for dir in dirs {
        let found = find_shard_manifests(dir)?;
        let [(shard, path)] = found.as_slice() else {
            return Err(RunError::Refused(format!(
                "'{}' holds {} shard manifests; expected one {}/shard-K-of-N.json (the --out of one `coverage generate --shard K/N`)",
                dir.display(),
                found.len(),
                taxonomy::VERTICAL
            )));
        };
        let text = std::fs::read_to_string(path).map_err(io_error(path.display()))?;
        let manifest: ShardManifest = serde_json::from_str(&text).map_err(|e| {
            RunError::Refused(format!("{}: not a shard manifest: {e}", path.display()))
        })?;
        shards.push((*shard, manifest, dir.clone()));
    }
    let Some((first_shard, first, _)) = shards.first().cloned() else {
        return Err(RunError::Refused("no shard directories given".into()));
    };
    let count = first_shard.count;
    let same_run = |m: &ShardManifest| {
        (
            &m.seed,
            &m.taxonomy_hash,
            &m.fixtures_hash,
            &m.format,
            &m.layouts,
            &m.domains,
            &m.behaviors,
        ) == (
            &first.seed,
            &first.taxonomy_hash,
            &first.fixtures_hash,
            &first.format,
            &first.layouts,
            &first.domains,
            &first.behaviors,
        )
    };
    for (shard, manifest, dir) in &shards {
        if shard.count != count || !same_run(manifest) {
            return Err(RunError::Refused(format!(
                "'{}' (shard {shard}) is from another run than shard {first_shard}: seed, selection, format or taxonomy differ",
                dir.display()
            )));
        }
        if manifest.taxonomy_hash != taxonomy::HASH
            || manifest.fixtures_hash != taxonomy::FIXTURES_HASH
        {
            return Err(RunError::Refused(format!(
                "'{}' was generated from another taxonomy or fixtures than this binary's",
                dir.display()
            )));
        }
    }
    shards.sort_by_key(|(shard, _, _)| shard.index);
    let indexes: Vec<usize> = shards.iter().map(|(s, _, _)| s.index).collect();
    if indexes != (1..=count).collect::<Vec<_>>() {
        return Err(RunError::Refused(format!(
            "shards {} of {count} given; merge needs each of 1..={count} exactly once",
            indexes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for (shard, manifest, dir) in &shards {
        verify_parts(*shard, manifest, dir)?;
    }
    Ok(Merged {
        seed: first.seed,
        format: first.format,
        layouts: first.layouts.clone(),
        selection: Selection::new(first.domains.clone(), first.behaviors.clone()),
        dirs: shards.into_iter().map(|(_, _, dir)| dir).collect(),
    })
}

fn find_shard_manifests(dir: &Path) -> Result<Vec<(Shard, PathBuf)>, RunError> {
    let vertical = dir.join(taxonomy::VERTICAL);
    let entries = std::fs::read_dir(&vertical).map_err(|e| {
        RunError::Refused(format!(
            "'{}' is not a shard output: {e}",
            vertical.display()
        ))
    })?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let spec = name
            .strip_prefix("shard-")
            .and_then(|rest| rest.strip_suffix(".json"));
        if let Some(shard) = spec.and_then(|s| s.replacen("-of-", "/", 1).parse::<Shard>().ok()) {
            found.push((shard, entry.path()));
        }
    }
    Ok(found)
}

fn verify_parts(shard: Shard, manifest: &ShardManifest, dir: &Path) -> Result<(), RunError> {
    for record in &manifest.parts {
        // Stems mirror dataset ids: commerce.cart_management.happy_path
        // lives at commerce/cart_management/happy_path.
        let stem = record.dataset_id.replace('.', "/");
        for (suffix, expected) in [
            ("dataset", &record.dataset_hash),
            ("golden", &record.golden_hash),
        ] {
            let path = dir.join(format!("{stem}.{suffix}.part"));
            if file_hash(&path).ok().as_ref() != Some(expected) {
                return Err(RunError::Refused(format!(
                    "shard {shard}: '{}' is missing or does not match its shard manifest; re-run that shard",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// The lines of `file` from every shard directory, in shard order.
pub(crate) fn stream_parts(
    dirs: &[PathBuf],
    file: &OutputFile,
    sink: &mut dyn FnMut(&str, &str) -> io::Result<()>,
) -> io::Result<()> {
    for dir in dirs {
        let (dataset_path, golden_path) = part_paths(dir, file);
        let datasets = BufReader::new(File::open(&dataset_path)?).lines();
        let mut goldens = BufReader::new(File::open(&golden_path)?).lines();
        for dataset in datasets {
            let golden = goldens.next().ok_or_else(|| {
                io::Error::other(format!(
                    "{} has fewer lines than its dataset part",
                    golden_path.display()
                ))
            })??;
            super::atomic::check_interrupt()?;
            sink(&dataset?, &golden)?;
        }
    }
    Ok(())
}
