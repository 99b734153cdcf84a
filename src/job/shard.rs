//! Splitting a run across machines. Shard K of N takes the K-th of N equal,
//! contiguous slices of the selection's kept scenarios (in grid order) and
//! writes, for every output file, the lines of that file falling in its
//! slice. Every file's scenarios are in grid order too, so concatenating
//! the shards' parts in shard order gives exactly the lines of a one-machine
//! run; a merge adds headers and writes the final files.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::document::file_hash;
use super::error::{InvalidShard, JobError, ShardError};
use super::plan::{OutputFile, Planned};
use super::{CancelToken, Layout};
use crate::contract::files::Format;
use crate::contract::shard::ShardManifest;
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{self, Scenario};
use crate::tree;

/// `K/N`: the K-th of N shards, 1 ≤ K ≤ N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = InvalidShard;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidShard(text.to_owned());
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

    /// Where the shard manifest goes, relative to the shard's output directory.
    pub fn manifest_path(self) -> PathBuf {
        PathBuf::from(format!(
            "{}/shard-{}-of-{}.json",
            taxonomy::VERTICAL,
            self.index,
            self.count
        ))
    }

    /// This shard's part of every planned file: the same files, each
    /// holding only the scenarios in the shard's slice.
    pub(crate) fn slice(
        self,
        coverage: &Coverage,
        selection: &Selection,
        files: Vec<Planned>,
    ) -> Vec<Planned> {
        let kept: Vec<Scenario> = coverage.kept(selection).collect();
        let slice = &kept[self.range(kept.len())];
        let in_slice = |s: &Scenario| {
            slice.first().is_some_and(|lo| lo <= s) && slice.last().is_some_and(|hi| s <= hi)
        };
        files
            .into_iter()
            .map(|planned| Planned {
                scenarios: planned.scenarios.into_iter().filter(in_slice).collect(),
                variants: planned.variants,
                file: planned.file,
            })
            .collect()
    }
}

/// The dataset and golden part of `file`, relative to a shard directory.
pub(crate) fn part_paths(file: &OutputFile) -> (PathBuf, PathBuf) {
    (
        PathBuf::from(format!("{}.dataset.part", file.stem)),
        PathBuf::from(format!("{}.golden.part", file.stem)),
    )
}

/// The run the shards belong to, and their directories in shard order.
pub(crate) struct Merged {
    pub seed: u64,
    pub variants: u32,
    pub format: Format,
    pub layouts: Vec<Layout>,
    pub selection: Selection,
    pub dirs: Vec<PathBuf>,
}

/// Reads and checks every shard: all of one run, each shard once, every
/// part intact.
pub(crate) fn read_shards(dirs: &[PathBuf]) -> Result<Merged, JobError> {
    let mut shards: Vec<(Shard, ShardManifest, PathBuf)> = Vec::new();
    for dir in dirs {
        let found = find_shard_manifests(dir)?;
        let [(shard, path)] = found.as_slice() else {
            return Err(ShardError::NotOneManifest {
                dir: dir.clone(),
                found: found.len(),
                vertical: taxonomy::VERTICAL,
            }
            .into());
        };
        let text =
            crate::input::read_to_string(path, crate::input::MAX_INPUT_BYTES).map_err(|e| {
                ShardError::BadManifest {
                    path: path.clone(),
                    reason: e.to_string(),
                }
            })?;
        let manifest: ShardManifest =
            serde_json::from_str(&text).map_err(|e| ShardError::BadManifest {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        shards.push((*shard, manifest, dir.clone()));
    }
    let Some((first_shard, first, _)) = shards.first().cloned() else {
        return Err(ShardError::NoneGiven.into());
    };
    let count = first_shard.count;
    let run_of = |m: &ShardManifest| {
        (
            m.seed,
            m.taxonomy_hash.clone(),
            m.fixtures_hash.clone(),
            m.format,
            m.layouts.clone(),
            m.domains.clone(),
            m.behaviors.clone(),
            m.variants,
        )
    };
    for (shard, manifest, dir) in &shards {
        if shard.count != count || run_of(manifest) != run_of(&first) {
            return Err(ShardError::OtherRun {
                dir: dir.clone(),
                shard: shard.to_string(),
                first: first_shard.to_string(),
            }
            .into());
        }
        if manifest.taxonomy_hash != taxonomy::HASH
            || manifest.fixtures_hash != taxonomy::FIXTURES_HASH
        {
            return Err(ShardError::OtherTaxonomy { dir: dir.clone() }.into());
        }
    }
    shards.sort_by_key(|(shard, _, _)| shard.index);
    let indexes: Vec<usize> = shards.iter().map(|(s, _, _)| s.index).collect();
    if indexes != (1..=count).collect::<Vec<_>>() {
        let given = indexes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ShardError::Incomplete { given, count }.into());
    }
    for (shard, manifest, dir) in &shards {
        verify_parts(*shard, manifest, dir)?;
    }
    Ok(Merged {
        seed: first.seed,
        variants: first.variants,
        format: first.format,
        layouts: first.layouts.clone(),
        selection: Selection::new(first.domains.clone(), first.behaviors.clone()),
        dirs: shards.into_iter().map(|(_, _, dir)| dir).collect(),
    })
}

fn find_shard_manifests(dir: &Path) -> Result<Vec<(Shard, PathBuf)>, JobError> {
    let vertical = tree::inside(dir, Path::new(taxonomy::VERTICAL)).map_err(|e| escape(dir, e))?;
    let entries = std::fs::read_dir(&vertical).map_err(|_| ShardError::NotOneManifest {
        dir: dir.to_owned(),
        found: 0,
        vertical: taxonomy::VERTICAL,
    })?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let spec = name
            .strip_prefix("shard-")
            .and_then(|rest| rest.strip_suffix(".json"));
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if let Some(shard) = spec.and_then(|s| s.replacen("-of-", "/", 1).parse::<Shard>().ok())
            && is_file
        {
            found.push((shard, entry.path()));
        }
    }
    Ok(found)
}

pub(crate) fn escape(root: &Path, e: tree::Escape) -> JobError {
    JobError::Escape {
        path: e.path,
        root: root.to_owned(),
        what: e.what,
    }
}

fn verify_parts(shard: Shard, manifest: &ShardManifest, dir: &Path) -> Result<(), JobError> {
    for record in &manifest.parts {
        // Stems mirror dataset ids: commerce.cart_management.happy_path
        // lives at commerce/cart_management/happy_path.
        let stem = record.dataset_id.replace('.', "/");
        for (suffix, expected) in [
            ("dataset", &record.dataset_hash),
            ("golden", &record.golden_hash),
        ] {
            let path = tree::inside(dir, Path::new(&format!("{stem}.{suffix}.part")))
                .map_err(|e| escape(dir, e))?;
            if file_hash(&path).ok().as_ref() != Some(expected) {
                return Err(ShardError::DamagedPart {
                    shard: shard.to_string(),
                    path,
                }
                .into());
            }
        }
    }
    Ok(())
}

/// The lines of `file` from every shard directory, in shard order.
pub(crate) fn stream_parts(
    dirs: &[PathBuf],
    file: &OutputFile,
    cancel: &CancelToken,
    sink: &mut dyn FnMut(&str, &str) -> Result<(), JobError>,
) -> Result<usize, JobError> {
    let (dataset_part, golden_part) = part_paths(file);
    let mut count = 0;
    for dir in dirs {
        let dataset_path = tree::inside(dir, &dataset_part).map_err(|e| escape(dir, e))?;
        let golden_path = tree::inside(dir, &golden_part).map_err(|e| escape(dir, e))?;
        let open = |path: &Path| {
            crate::input::open_for_reading(path)
                .map(BufReader::new)
                .map_err(JobError::io(path))
        };
        let datasets = open(&dataset_path)?.lines();
        let mut goldens = open(&golden_path)?.lines();
        for dataset in datasets {
            let dataset = dataset.map_err(JobError::io(&dataset_path))?;
            let golden = goldens
                .next()
                .ok_or_else(|| ShardError::DamagedPart {
                    shard: dir.display().to_string(),
                    path: golden_path.clone(),
                })?
                .map_err(JobError::io(&golden_path))?;
            cancel.check()?;
            sink(&dataset, &golden)?;
            count += 1;
        }
    }
    Ok(count)
}
