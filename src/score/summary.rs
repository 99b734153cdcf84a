//! The figures of a graded run (spec `evaluation.md` §4), accumulated one
//! grade at a time so that memory holds counts, not grades. Each grading
//! worker tallies its own batches; the tallies are merged in key order.

use std::collections::BTreeMap;

use super::grading::GradeView;
use super::stats::{pass_hat_k, wilson};
use crate::contract::run::RunRecord;
use crate::contract::score::{
    CellFigures, CostFigures, DecisionFigures, PassHatK, Summary, TrialFigures,
};
use crate::coverage::{Coverage, Selection};
use crate::taxonomy::{Behavior, Domain, Scenario};

/// Passed of total.
#[derive(Clone, Copy, Debug, Default)]
struct Count {
    passed: u64,
    total: u64,
}

impl Count {
    fn add(&mut self, pass: bool) {
        self.total += 1;
        self.passed += u64::from(pass);
    }

    fn merge(&mut self, other: Count) {
        self.total += other.total;
        self.passed += other.passed;
    }
}

fn merge_counts(into: &mut BTreeMap<String, Count>, from: BTreeMap<String, Count>) {
    for (key, count) in from {
        into.entry(key).or_default().merge(count);
    }
}

/// The entry of `key`, allocating its key only the first time: grading a
/// million keys looks these up millions of times.
fn entry<'a, V: Default>(maps: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !maps.contains_key(key) {
        maps.insert(key.to_owned(), V::default());
    }
    maps.get_mut(key).expect("inserted above")
}

/// Counts by everything a summary breaks results down by.
#[derive(Debug)]
pub struct Accumulator {
    trials: u32,
    keys: u64,
    graded: Count,
    decision: Count,
    /// Expected decision → (recall, pass).
    decisions: BTreeMap<String, (Count, Count)>,
    confusion: BTreeMap<String, BTreeMap<String, u64>>,
    /// (domain, behavior) → (keys, pass over graded).
    cells: BTreeMap<(Domain, Behavior), (u64, Count)>,
    axes: BTreeMap<String, BTreeMap<String, Count>>,
    traps: BTreeMap<String, Count>,
    checks: BTreeMap<String, Count>,
    /// Per sample, in set order from sample number `first_sample`: (id,
    /// graded trials, passed trials).
    per_sample: Vec<(String, u64, u64)>,
    first_sample: usize,
    latencies: Vec<u32>,
}

impl Accumulator {
    pub fn new(trials: u32) -> Self {
        Self {
            trials,
            keys: 0,
            graded: Count::default(),
            decision: Count::default(),
            decisions: BTreeMap::new(),
            confusion: BTreeMap::new(),
            cells: BTreeMap::new(),
            axes: BTreeMap::new(),
            traps: BTreeMap::new(),
            checks: BTreeMap::new(),
            per_sample: Vec::new(),
            first_sample: 0,
            latencies: Vec::new(),
        }
    }

    /// Adds one key's grade; `sample` numbers the sample in set order and
    /// `latency_ms` is its transcript's, when it has one.
    pub fn add(
        &mut self,
        sample: usize,
        scenario: &Scenario,
        grade: &GradeView,
        latency_ms: Option<u64>,
    ) {
        self.keys += 1;
        if self.per_sample.is_empty() {
            self.first_sample = sample;
        }
        if self.first_sample + self.per_sample.len() <= sample {
            self.per_sample.push((grade.sample_id.to_owned(), 0, 0));
        }
        let cell = self
            .cells
            .entry((scenario.domain, scenario.behavior))
            .or_default();
        cell.0 += 1;
        if let Some(latency) = latency_ms {
            self.latencies.push(latency.min(u64::from(u32::MAX)) as u32);
        }
        if !grade.graded {
            return;
        }
        let trials = &mut self.per_sample[sample - self.first_sample];
        trials.1 += 1;
        trials.2 += u64::from(grade.pass);
        cell.1.add(grade.pass);
        self.graded.add(grade.pass);
        let right_call = grade.called == grade.expected;
        self.decision.add(right_call);
        let decision = entry(&mut self.decisions, grade.expected);
        decision.0.add(right_call);
        decision.1.add(grade.pass);
        let called = if grade.called.is_empty() {
            "none"
        } else {
            grade.called
        };
        *entry(entry(&mut self.confusion, grade.expected), called) += 1;
        for (axis, bin) in scenario.axes() {
            entry(entry(&mut self.axes, axis), bin).add(grade.pass);
        }
        let trap = if grade.metadata.trap.is_empty() {
            "none"
        } else {
            &grade.metadata.trap
        };
        entry(&mut self.traps, trap).add(grade.pass);
        for check in grade.checks {
            entry(&mut self.checks, &check.check).add(check.pass);
        }
    }

    /// Adds the tally of the keys that follow this one's.
    pub fn merge(&mut self, other: Accumulator) {
        self.keys += other.keys;
        self.graded.merge(other.graded);
        self.decision.merge(other.decision);
        for (decision, (recall, pass)) in other.decisions {
            let mine = self.decisions.entry(decision).or_default();
            mine.0.merge(recall);
            mine.1.merge(pass);
        }
        for (expected, called) in other.confusion {
            let mine = self.confusion.entry(expected).or_default();
            for (name, keys) in called {
                *mine.entry(name).or_default() += keys;
            }
        }
        for (cell, (keys, count)) in other.cells {
            let mine = self.cells.entry(cell).or_default();
            mine.0 += keys;
            mine.1.merge(count);
        }
        for (axis, bins) in other.axes {
            merge_counts(self.axes.entry(axis).or_default(), bins);
        }
        merge_counts(&mut self.traps, other.traps);
        merge_counts(&mut self.checks, other.checks);
        let mut samples = other.per_sample.into_iter();
        if self.per_sample.is_empty() {
            self.first_sample = other.first_sample;
        } else if other.first_sample < self.first_sample + self.per_sample.len() {
            // The other tally starts with the trials of this one's last sample.
            let (last, first) = (self.per_sample.last_mut(), samples.next());
            if let (Some(last), Some(first)) = (last, first) {
                last.1 += first.1;
                last.2 += first.2;
            }
        }
        self.per_sample.extend(samples);
        self.latencies.extend(other.latencies);
    }

    /// The summary, with the grid laid over every cell of the taxonomy
    /// (cells the run did not sample are shown as such).
    pub fn finish(mut self, record: &RunRecord, seed: u64) -> Summary {
        let rate = |c: &Count| wilson(c.passed, c.total);
        let decisions: Vec<DecisionFigures> = self
            .decisions
            .iter()
            .map(|(decision, (recall, pass))| DecisionFigures {
                decision: decision.clone(),
                recall: rate(recall),
                pass_rate: rate(pass),
            })
            .collect();
        let recalls: Vec<f64> = decisions.iter().filter_map(|d| d.recall.rate).collect();
        let balanced_accuracy =
            (!recalls.is_empty()).then(|| recalls.iter().sum::<f64>() / recalls.len() as f64);
        let grid = grid(&self.cells, seed);
        self.latencies.sort_unstable();
        let percentile = |p: f64| -> Option<u64> {
            let n = self.latencies.len();
            (n > 0).then(|| {
                u64::from(self.latencies[((n as f64 * p).ceil() as usize).clamp(1, n) - 1])
            })
        };
        Summary {
            model: record.model.clone(),
            sample_set: record.samples.hash.clone(),
            trials: self.trials,
            keys: self.keys,
            graded: self.graded.total,
            gaps: self.keys - self.graded.total,
            pass_rate: rate(&self.graded),
            decision_accuracy: rate(&self.decision),
            balanced_accuracy,
            decisions,
            confusion: self.confusion,
            grid,
            axes: self
                .axes
                .iter()
                .map(|(axis, bins)| {
                    (
                        axis.clone(),
                        bins.iter().map(|(b, c)| (b.clone(), rate(c))).collect(),
                    )
                })
                .collect(),
            traps: self
                .traps
                .iter()
                .map(|(t, c)| (t.clone(), rate(c)))
                .collect(),
            checks: self
                .checks
                .iter()
                .map(|(k, c)| (k.clone(), rate(c)))
                .collect(),
            trials_figures: trial_figures(&self.per_sample, self.trials),
            cost: CostFigures {
                prompt_tokens: record.totals.prompt_tokens,
                completion_tokens: record.totals.completion_tokens,
                cost_usd: record.totals.cost_usd,
                latency_ms_p50: percentile(0.5),
                latency_ms_p95: percentile(0.95),
            },
        }
    }
}

/// Every (domain, behavior) of the taxonomy with its kept scenarios and
/// what the run made of it.
fn grid(cells: &BTreeMap<(Domain, Behavior), (u64, Count)>, seed: u64) -> Vec<CellFigures> {
    let coverage = Coverage::evaluate(seed);
    let mut kept: BTreeMap<(Domain, Behavior), u64> = BTreeMap::new();
    for scenario in coverage.kept(&Selection::all()) {
        *kept
            .entry((scenario.domain, scenario.behavior))
            .or_default() += 1;
    }
    let mut grid = Vec::new();
    for domain in Domain::ALL.iter() {
        for behavior in Behavior::ALL.iter() {
            let (keys, count) = cells
                .get(&(*domain, *behavior))
                .copied()
                .unwrap_or_default();
            let status = match (keys, count.total) {
                (0, _) => "not_sampled",
                (_, 0) => "gap",
                _ => "covered",
            };
            grid.push(CellFigures {
                domain: domain.id().to_owned(),
                behavior: behavior.id().to_owned(),
                kept_scenarios: kept.get(&(*domain, *behavior)).copied().unwrap_or(0),
                keys,
                pass_rate: wilson(count.passed, count.total),
                status: status.into(),
            });
        }
    }
    grid
}

fn trial_figures(per_sample: &[(String, u64, u64)], trials: u32) -> TrialFigures {
    let graded: Vec<&(String, u64, u64)> = per_sample.iter().filter(|s| s.1 > 0).collect();
    let pass_at_1 = (!graded.is_empty())
        .then(|| graded.iter().map(|s| s.2 as f64 / s.1 as f64).sum::<f64>() / graded.len() as f64);
    let complete: Vec<&(String, u64, u64)> = per_sample
        .iter()
        .filter(|s| s.1 == u64::from(trials))
        .collect();
    let pass_hat_k = (1..=trials)
        .map(|k| PassHatK {
            k,
            value: (!complete.is_empty()).then(|| {
                complete
                    .iter()
                    .map(|s| pass_hat_k(s.2, s.1, u64::from(k)))
                    .sum::<f64>()
                    / complete.len() as f64
            }),
        })
        .collect();
    TrialFigures {
        pass_at_1,
        pass_hat_k,
        flaky: graded
            .iter()
            .filter(|s| s.2 > 0 && s.2 < s.1)
            .map(|s| s.0.clone())
            .collect(),
        samples_all_trials: complete.len() as u64,
    }
}
