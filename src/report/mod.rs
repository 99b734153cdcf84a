//! The coverage report, computed once: [`build`] turns the rule engine's
//! result for a selection into a [`ReportDoc`] (the manifest's pair and
//! rule figures, bin counts per axis, t-way coverage and its gaps), and
//! [`csv`], [`html`] and the CLI only render that value. [`write`] puts
//! the files on disk atomically.

pub mod csv;
pub mod html;
mod tway;
pub mod write;

use std::collections::BTreeMap;

use crate::contract::manifest::Manifest;
use crate::contract::report_doc::{
    AxisCounts, AxisInfo, BinCount, CostEstimate, PairFigures, ReportDoc,
};
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{Behavior, Domain, RULES, Scenario, TAXONOMY};

pub use tway::{STRENGTHS, axis_subsets};
pub use write::{ReportError, ReportFile, files, write};

/// One scenario of a pair as the report sees it.
pub(crate) struct Cell {
    coords: [u8; Scenario::WIDTH],
    /// Index in [`RULES`] of the rule that removed it; `None` when kept.
    removed_by: Option<usize>,
    /// Whether an exclude rule matches it (so it is removed, whatever ran first).
    forbidden: bool,
}

/// The report of `selection` for the seed `coverage` was evaluated with,
/// with `cost` attached when given.
pub fn build(coverage: &Coverage, selection: &Selection, cost: Option<CostEstimate>) -> ReportDoc {
    let manifest = Manifest::build(coverage, selection);
    let mut cells: BTreeMap<(Domain, Behavior), Vec<Cell>> = BTreeMap::new();
    for (scenario, rule) in coverage.scenarios().filter(|(s, _)| selection.contains(s)) {
        let coords = scenario.coords();
        cells
            .entry((scenario.domain, scenario.behavior))
            .or_default()
            .push(Cell {
                coords,
                removed_by: rule.map(|rule| {
                    RULES
                        .iter()
                        .position(|r| r.id == rule.id)
                        .expect("rule of the table")
                }),
                forbidden: tway::forbidden(&coords),
            });
    }
    let mut gaps = Vec::new();
    let pairs: Vec<PairFigures> = manifest
        .pairs
        .iter()
        .map(|summary| {
            let cells = &cells[&(summary.domain, summary.behavior)];
            let (tway, pair_gaps) = tway::pair(summary.domain, summary.behavior, cells);
            gaps.extend(pair_gaps);
            PairFigures {
                summary: summary.clone(),
                axes: axis_counts(cells),
                tway,
            }
        })
        .collect();
    let tway = tway::totals(pairs.iter().map(|p| p.tway.as_slice()));
    ReportDoc {
        vertical: manifest.vertical,
        taxonomy_version: manifest.taxonomy_version,
        taxonomy_hash: manifest.taxonomy_hash,
        seed: manifest.seed,
        selection: manifest.selection,
        totals: manifest.totals,
        axes: TAXONOMY
            .axes
            .iter()
            .map(|axis| AxisInfo {
                id: axis.entry.id.to_string(),
                label: axis.entry.label.to_string(),
                bins: axis.bins.iter().map(|b| b.id.to_string()).collect(),
            })
            .collect(),
        rules: manifest.rules,
        pairs,
        tway,
        gaps,
        cost,
        subset: None,
    }
}

fn axis_counts(cells: &[Cell]) -> Vec<AxisCounts> {
    TAXONOMY
        .axes
        .iter()
        .enumerate()
        .map(|(a, axis)| AxisCounts {
            axis: axis.entry.id.to_string(),
            bins: axis
                .bins
                .iter()
                .enumerate()
                .map(|(b, bin)| {
                    let holding = cells.iter().filter(|c| usize::from(c.coords[2 + a]) == b);
                    let raw = holding.clone().count();
                    let kept = holding.filter(|c| c.removed_by.is_none()).count();
                    BinCount {
                        bin: bin.id.to_string(),
                        raw,
                        kept,
                        excluded: raw - kept,
                    }
                })
                .collect(),
        })
        .collect()
}
