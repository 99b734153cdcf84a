//! `coverage compare A B` (spec `evaluation.md` §5): the samples both runs
//! graded, set side by side. A sample *regresses* when it passed every
//! trial of A and fails every trial of B, and *improves* the other way;
//! any other change (a sample flaky in either run) is inside its own
//! trial-to-trial variation and is counted as noise. McNemar's exact test
//! on regressions against improvements says whether B is worse beyond
//! chance.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::ScoreError;
use super::stats::{mcnemar_exact, wilson};
use crate::contract::score::{CellDelta, Comparison, GRADES_FILE, GradeLine};
use crate::input::Line;

/// What to compare.
#[derive(Clone, Debug)]
pub struct CompareSpec {
    /// The baseline run.
    pub a: PathBuf,
    /// The candidate run.
    pub b: PathBuf,
    /// The significance level of a regression.
    pub alpha: f64,
}

/// One sample's grades in one run: the trials graded and passed, and its
/// cell.
#[derive(Clone, Debug)]
struct Tally {
    graded: u64,
    passed: u64,
    cell: (String, String),
}

impl Tally {
    fn all_pass(&self) -> bool {
        self.graded > 0 && self.passed == self.graded
    }
    fn all_fail(&self) -> bool {
        self.graded > 0 && self.passed == 0
    }
    fn rate(&self) -> f64 {
        self.passed as f64 / self.graded as f64
    }
}

/// Per cell: samples, the sums of their rates in A and in B, regressions
/// and improvements.
type CellSums = (u64, f64, f64, u64, u64);

/// Compares the graded runs of `spec`.
pub fn compare(spec: &CompareSpec) -> Result<Comparison, ScoreError> {
    let a = tallies(&spec.a)?;
    let b = tallies(&spec.b)?;
    let mut regressions = Vec::new();
    let mut improvements = Vec::new();
    let mut noise = Vec::new();
    let (mut passed_a, mut passed_b, mut both) = (0, 0, 0);
    let mut cells: BTreeMap<(String, String), CellSums> = BTreeMap::new();
    for (id, tally_a) in &a {
        let Some(tally_b) = b.get(id) else { continue };
        if tally_a.graded == 0 || tally_b.graded == 0 {
            continue;
        }
        both += 1;
        passed_a += u64::from(tally_a.all_pass());
        passed_b += u64::from(tally_b.all_pass());
        let cell = cells.entry(tally_a.cell.clone()).or_default();
        cell.0 += 1;
        cell.1 += tally_a.rate();
        cell.2 += tally_b.rate();
        if tally_a.all_pass() && tally_b.all_fail() {
            regressions.push(id.clone());
            cell.3 += 1;
        } else if tally_a.all_fail() && tally_b.all_pass() {
            improvements.push(id.clone());
            cell.4 += 1;
        } else if (tally_a.rate() - tally_b.rate()).abs() > f64::EPSILON {
            noise.push(id.clone());
        }
    }
    let p_value = mcnemar_exact(regressions.len() as u64, improvements.len() as u64);
    let regressed = regressions.len() > improvements.len() && p_value < spec.alpha;
    Ok(Comparison {
        a: spec.a.display().to_string(),
        b: spec.b.display().to_string(),
        samples: both,
        p_value,
        regressed,
        pass_rate_a: wilson(passed_a, both),
        pass_rate_b: wilson(passed_b, both),
        cells: cells
            .into_iter()
            .map(|((domain, behavior), (n, rate_a, rate_b, r, i))| {
                let mean = |sum: f64| (n > 0).then(|| sum / n as f64);
                CellDelta {
                    domain,
                    behavior,
                    samples: n,
                    rate_a: mean(rate_a),
                    rate_b: mean(rate_b),
                    delta: mean(rate_b - rate_a),
                    regressions: r,
                    improvements: i,
                }
            })
            .collect(),
        regressions,
        improvements,
        noise,
    })
}

/// Each sample's tally in the graded run `run`, by sample id.
fn tallies(run: &Path) -> Result<BTreeMap<String, Tally>, ScoreError> {
    let path = run.join(GRADES_FILE);
    let file = crate::input::open_regular(&path).map_err(|e| {
        ScoreError::read(
            &path,
            format!("{e}; grade the run first: coverage grade {}", run.display()),
        )
    })?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        let read = crate::input::next_line(&mut reader, &mut line, crate::input::MAX_LINE)
            .map_err(|e| ScoreError::read(&path, e.to_string()))?;
        number += 1;
        match read {
            Line::End => return Ok(tallies),
            Line::TooLong => {
                let message = format!(
                    "line {number} is longer than {} MiB",
                    crate::input::MAX_LINE >> 20
                );
                return Err(ScoreError::read(&path, message));
            }
            Line::Whole | Line::Unended => {}
        }
        let grade: GradeLine = serde_json::from_slice(&line)
            .map_err(|e| ScoreError::read(&path, format!("line {number} is not a grade: {e}")))?;
        let tally = tallies.entry(grade.sample_id).or_insert_with(|| Tally {
            graded: 0,
            passed: 0,
            cell: (
                coverage_core::TaxonomyEnum::id(grade.metadata.domain).to_owned(),
                coverage_core::TaxonomyEnum::id(grade.metadata.behavior).to_owned(),
            ),
        });
        if grade.graded {
            tally.graded += 1;
            tally.passed += u64::from(grade.pass);
        }
    }
}

/// `compare.html`: the verdict, the flips and the per-cell delta heatmap.
pub fn page(comparison: &Comparison) -> String {
    super::html::compare_page(comparison)
}
