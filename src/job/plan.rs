//! Which files a run writes, where, and which scenarios each holds.

use std::path::PathBuf;

pub use crate::contract::files::{Format, Layout};
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{Behavior, Domain, Scenario, VERTICAL};

/// One dataset/golden pair a run writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub layout: Layout,
    pub dataset_id: String,
    /// Path without the `.dataset.json` / `.golden.json` suffix, relative to
    /// the output directory, e.g. `commerce/cart_management/happy_path`.
    pub stem: String,
    pub domain: Option<Domain>,
    pub behavior: Option<Behavior>,
}

impl OutputFile {
    /// Whether `scenario` belongs in this file.
    pub fn holds(&self, scenario: &Scenario) -> bool {
        self.domain.is_none_or(|d| d == scenario.domain)
            && self.behavior.is_none_or(|b| b == scenario.behavior)
    }

    pub fn dataset_path(&self, format: Format) -> PathBuf {
        PathBuf::from(format!("{}.dataset.{}", self.stem, format.extension()))
    }

    pub fn golden_path(&self, format: Format) -> PathBuf {
        PathBuf::from(format!("{}.golden.{}", self.stem, format.extension()))
    }

    /// The kept scenarios of this file counted from a manifest's pairs (no
    /// pass over the grid).
    pub fn kept_in(&self, pairs: &[crate::contract::manifest::PairSummary]) -> usize {
        pairs
            .iter()
            .filter(|p| self.domain.is_none_or(|d| d == p.domain))
            .filter(|p| self.behavior.is_none_or(|b| b == p.behavior))
            .map(|p| p.kept)
            .sum()
    }

    /// The kept scenarios of this file, in grid order.
    pub fn scenarios<'a>(
        &'a self,
        coverage: &'a Coverage,
        selection: &'a Selection,
    ) -> impl Iterator<Item = Scenario> + 'a {
        coverage.kept(selection).filter(|s| self.holds(s))
    }
}

/// The files of `layouts` for `selection`, in a fixed order: per-behavior
/// files, then per-domain combined files, then the global file.
pub fn plan(selection: &Selection, layouts: &[Layout]) -> Vec<OutputFile> {
    let mut files = Vec::new();
    if layouts.contains(&Layout::Split) {
        for &domain in selection.domains() {
            for &behavior in selection.behaviors() {
                files.push(OutputFile {
                    layout: Layout::Split,
                    dataset_id: format!("{VERTICAL}.{domain}.{behavior}"),
                    stem: format!("{VERTICAL}/{domain}/{behavior}"),
                    domain: Some(domain),
                    behavior: Some(behavior),
                });
            }
        }
    }
    if layouts.contains(&Layout::Combined) {
        for &domain in selection.domains() {
            files.push(OutputFile {
                layout: Layout::Combined,
                dataset_id: format!("{VERTICAL}.{domain}.combined"),
                stem: format!("{VERTICAL}/{domain}/combined"),
                domain: Some(domain),
                behavior: None,
            });
        }
    }
    if layouts.contains(&Layout::Global) {
        files.push(OutputFile {
            layout: Layout::Global,
            dataset_id: format!("{VERTICAL}.global"),
            stem: format!("{VERTICAL}/global"),
            domain: None,
            behavior: None,
        });
    }
    files
}

/// Where the selection's manifest goes, relative to the output directory.
pub fn manifest_path() -> PathBuf {
    PathBuf::from(format!("{VERTICAL}/manifest.json"))
}

/// One planned file with its scenarios, each written `variants` times.
pub struct Planned {
    pub file: OutputFile,
    pub scenarios: Vec<Scenario>,
    pub variants: u32,
}

impl Planned {
    /// The conversations the file holds: scenarios × variants.
    pub fn conversations(&self) -> usize {
        self.scenarios.len() * self.variants as usize
    }
}

/// The conversations a run of `layouts` writes for `pairs` (a manifest's):
/// every file's kept scenarios × `variants`, so a scenario counts once per
/// layout. What `Planned` events announce and the server's ceiling caps.
pub fn conversations(
    selection: &Selection,
    layouts: &[Layout],
    pairs: &[crate::contract::manifest::PairSummary],
    variants: u32,
) -> usize {
    plan(selection, layouts)
        .iter()
        .map(|file| file.kept_in(pairs))
        .sum::<usize>()
        * variants as usize
}

/// The files of `layouts` for `selection`, each with its kept scenarios
/// (only those of `subset`, when given).
pub fn planned_files(
    coverage: &Coverage,
    selection: &Selection,
    layouts: &[Layout],
    variants: u32,
    subset: Option<&crate::contract::subset::Subset>,
) -> Vec<Planned> {
    let only: Option<std::collections::BTreeSet<Scenario>> =
        subset.map(|s| crate::subset::scenarios_of(s).into_iter().collect());
    plan(selection, layouts)
        .into_iter()
        .map(|file| {
            let scenarios = file
                .scenarios(coverage, selection)
                .filter(|s| only.as_ref().is_none_or(|only| only.contains(s)))
                .collect();
            Planned {
                file,
                scenarios,
                variants,
            }
        })
        .collect()
}
