//! Covering subsets: a small slice of the kept scenarios that still holds
//! every t-way combination of factor values (domain, behavior and each
//! axis, taken from the taxonomy) that the kept set holds. Combinations the
//! rules removed are counted and named, never silently missed.
//!
//! [`select`] takes the kept scenario list (what `manifest`, `generate`, the
//! server's dry run and a future `samples` command all have) and returns the
//! [`Subset`] contract; [`covering`] is the search over plain rows.

pub mod covering;
mod previous;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::num::NonZeroUsize;
use std::str::FromStr;

use coverage_core::{Evaluation, Fate, Grid, Taxonomy, rank};

pub use previous::Previous;

use crate::contract::subset::{
    CombinationCounts, ExcludedCombination, FactorBin, KeepFrom, Subset,
};
use crate::coverage::{Coverage, Excluded, Selection};
use crate::taxonomy::{RULES, Scenario, TAXONOMY};
use covering::{Combinations, Search};

/// What the user asked for that cannot be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubsetError {
    #[error("invalid strength '{0}': expected 2 (pairs) or 3 (triples)")]
    Strength(String),
    #[error("invalid budget '{0}': expected a whole number of scenarios, 1 or more")]
    Budget(String),
    #[error("cannot read --keep-from file '{path}': {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "--keep-from file '{path}' is neither a manifest with a subset section nor a list of scenario ids: {reason}"
    )]
    Foreign { path: String, reason: String },
}

/// t: 2 (every pair of factor values) or 3 (every triple).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Strength(usize);

impl Strength {
    pub const ALL: [Strength; 2] = [Strength(2), Strength(3)];

    pub fn get(self) -> usize {
        self.0
    }
}

impl FromStr for Strength {
    type Err = SubsetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| text.trim().parse::<usize>().ok() == Some(s.0))
            .ok_or_else(|| SubsetError::Strength(text.to_owned()))
    }
}

impl TryFrom<usize> for Strength {
    type Error = SubsetError;

    fn try_from(t: usize) -> Result<Self, Self::Error> {
        t.to_string().parse()
    }
}

impl fmt::Display for Strength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `--budget N`, N ≥ 1.
pub fn parse_budget(text: &str) -> Result<NonZeroUsize, SubsetError> {
    text.trim()
        .parse()
        .map_err(|_| SubsetError::Budget(text.to_owned()))
}

/// What subset to choose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubsetSpec {
    pub strength: Strength,
    /// At most this many scenarios: the ones that cover the most.
    pub budget: Option<NonZeroUsize>,
    /// An earlier subset whose rows are kept first, where still kept.
    pub keep_from: Option<Previous>,
}

impl SubsetSpec {
    pub fn new(strength: Strength) -> Self {
        Self {
            strength,
            budget: None,
            keep_from: None,
        }
    }
}

/// The rule name mixed into every tie-break key, so that the subset's
/// ranks are independent of the caps' ranks for the same seed.
const TIE_BREAK: &str = "covering-subset";

/// The subset of `selection`'s kept scenarios for `coverage`'s seed.
pub fn select_in(coverage: &Coverage, selection: &Selection, spec: &SubsetSpec) -> Subset {
    let kept: Vec<Scenario> = coverage.kept(selection).collect();
    let excluded: Vec<Excluded> = coverage.excluded(selection).collect();
    select(&kept, &excluded, coverage.seed(), spec)
}

/// The subset of `kept` (with `excluded`, the scenarios of the same grid the
/// rules removed, so that what they take away is named). Ties are broken by
/// a keyed hash of (seed, scenario id): the same inputs give the same subset.
pub fn select(kept: &[Scenario], excluded: &[Excluded], seed: u64, spec: &SubsetSpec) -> Subset {
    let kept: Vec<[u8; Scenario::WIDTH]> = kept.iter().map(Scenario::coords).collect();
    let removed: Vec<([u8; Scenario::WIDTH], usize)> = excluded
        .iter()
        .map(|e| {
            let rule = RULES
                .iter()
                .position(|r| r.id == e.rule.id)
                .expect("rule of the table");
            (e.scenario.coords(), rule)
        })
        .collect();
    choose(
        &TAXONOMY,
        &kept.iter().map(|c| c.as_slice()).collect::<Vec<_>>(),
        &removed
            .iter()
            .map(|(c, r)| (c.as_slice(), *r))
            .collect::<Vec<_>>(),
        seed,
        spec,
    )
}

/// The subset of the whole grid of any taxonomy, e.g. one loaded at run
/// time, from its rule engine's `evaluation`.
pub fn select_evaluated(taxonomy: &Taxonomy, evaluation: &Evaluation, spec: &SubsetSpec) -> Subset {
    let all = evaluation.grid.all_coords();
    let width = evaluation.grid.width();
    let mut kept = Vec::new();
    let mut removed = Vec::new();
    for (coords, fate) in all.chunks_exact(width).zip(&evaluation.fates) {
        match fate {
            Fate::Kept => kept.push(coords),
            Fate::Removed(rule) => removed.push((coords, usize::from(*rule))),
        }
    }
    choose(taxonomy, &kept, &removed, evaluation.seed, spec)
}

/// The search and its figures over coordinate rows of `taxonomy`'s grid:
/// `kept` rows are the candidates, `removed` rows (with the index of the
/// rule that removed each) name the combinations rules took away.
fn choose(
    taxonomy: &Taxonomy,
    kept: &[&[u8]],
    removed: &[(&[u8], usize)],
    seed: u64,
    spec: &SubsetSpec,
) -> Subset {
    let combinations = Combinations::new(Grid::of(taxonomy).dims(), spec.strength.get());
    let ids: Vec<String> = kept.iter().map(|c| taxonomy.scenario_id(c)).collect();
    let keys: Vec<u64> = ids.iter().map(|id| rank(seed, TIE_BREAK, id)).collect();
    let (keep, previous) = previous_rows(&ids, spec.keep_from.as_ref());
    let search = Search {
        budget: spec.budget.map(NonZeroUsize::get),
        keep: keep.clone(),
    };
    let cover = covering::cover(&combinations, kept, &keys, &search);
    let coverable = combinations.held_by(kept.iter().copied());
    let taken = removed_combinations(&combinations, &coverable, removed);
    let retained = keep.iter().filter(|r| cover.rows.contains(r)).count();
    Subset {
        strength: spec.strength.get(),
        budget: search.budget,
        size: cover.rows.len(),
        lower_bound: combinations.lower_bound(&coverable),
        combinations: CombinationCounts {
            in_grid: cover.coverable + taken.len(),
            excluded_by_rule: taken.len(),
            coverable: cover.coverable,
            covered: cover.covered,
            uncovered: cover.coverable - cover.covered,
        },
        coverage: ratio(cover.covered, cover.coverable),
        keep_from: previous.map(|previous| KeepFrom {
            previous,
            retained,
            dropped: previous - retained,
            added: cover.rows.len() - retained,
        }),
        cost: None,
        scenarios: cover.rows.iter().map(|&r| ids[r].clone()).collect(),
        excluded_combinations: taken
            .into_iter()
            .map(|(number, rules)| name(taxonomy, &combinations, number, &rules))
            .collect(),
    }
}

/// The subset's scenarios, parsed back from its ids.
pub fn scenarios_of(subset: &Subset) -> Vec<Scenario> {
    subset
        .scenarios
        .iter()
        .map(|id| id.parse().expect("a subset lists ids of this taxonomy"))
        .collect()
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The rows of `ids` an earlier subset listed, in its order, and how many
/// distinct ids it listed (`None` without one).
fn previous_rows(ids: &[String], previous: Option<&Previous>) -> (Vec<usize>, Option<usize>) {
    let Some(previous) = previous else {
        return (Vec::new(), None);
    };
    let row_of: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(row, id)| (id.as_str(), row))
        .collect();
    let mut seen = BTreeSet::new();
    let mut rows = Vec::new();
    for id in &previous.ids {
        if seen.insert(id.as_str())
            && let Some(&row) = row_of.get(id.as_str())
        {
            rows.push(row);
        }
    }
    (rows, Some(seen.len()))
}

/// Combinations some removed row holds and no kept one does, each with
/// the rules (indexes, ascending) that removed a row holding it.
fn removed_combinations(
    combinations: &Combinations,
    coverable: &[bool],
    removed: &[(&[u8], usize)],
) -> BTreeMap<usize, BTreeSet<usize>> {
    let mut taken: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for &(row, rule) in removed {
        for number in combinations.of_row(row) {
            if !coverable[number] {
                taken.entry(number).or_default().insert(rule);
            }
        }
    }
    taken
}

fn name(
    taxonomy: &Taxonomy,
    combinations: &Combinations,
    number: usize,
    rules: &BTreeSet<usize>,
) -> ExcludedCombination {
    ExcludedCombination {
        bins: combinations
            .decode(number)
            .into_iter()
            .map(|(factor, value)| {
                let (factor, bins) = factor_ids(taxonomy, factor);
                FactorBin {
                    factor: factor.to_owned(),
                    bin: bins[value].to_owned(),
                }
            })
            .collect(),
        rules: rules
            .iter()
            .map(|&i| taxonomy.rules[i].id.to_string())
            .collect(),
    }
}

/// The name of factor `f` (coordinate order: domain, behavior, then the
/// axes) and the ids of its values.
fn factor_ids(taxonomy: &Taxonomy, f: usize) -> (&str, Vec<&str>) {
    match f {
        0 => (
            "domain",
            taxonomy.domains.iter().map(|e| e.id.as_ref()).collect(),
        ),
        1 => (
            "behavior",
            taxonomy
                .behaviors
                .iter()
                .map(|b| b.entry.id.as_ref())
                .collect(),
        ),
        _ => {
            let axis = &taxonomy.axes[f - 2];
            (
                axis.entry.id.as_ref(),
                axis.bins.iter().map(|b| b.id.as_ref()).collect(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_is_two_or_three_and_says_so_otherwise() {
        assert_eq!("2".parse::<Strength>().unwrap().get(), 2);
        assert_eq!("3".parse::<Strength>().unwrap().get(), 3);
        for bad in ["4", "1", "two", ""] {
            let error = bad.parse::<Strength>().unwrap_err().to_string();
            assert_eq!(
                error,
                format!("invalid strength '{bad}': expected 2 (pairs) or 3 (triples)")
            );
        }
    }

    #[test]
    fn a_budget_is_one_or_more() {
        assert_eq!(parse_budget("84").unwrap().get(), 84);
        assert_eq!(
            parse_budget("0").unwrap_err().to_string(),
            "invalid budget '0': expected a whole number of scenarios, 1 or more"
        );
        assert!(parse_budget("-3").is_err());
    }

    #[test]
    fn previous_rows_follow_the_file_and_count_each_id_once() {
        let ids: Vec<String> = ["a", "b", "c"].map(str::to_owned).to_vec();
        let previous = Previous::new(["c", "x", "a", "c"].map(str::to_owned));
        assert_eq!(previous_rows(&ids, Some(&previous)), (vec![2, 0], Some(3)));
        assert_eq!(previous_rows(&ids, None), (vec![], None));
    }

    #[test]
    fn the_default_grid_subset_covers_all_it_can_and_names_what_rules_removed() {
        let coverage = Coverage::evaluate(42);
        let subset = select_in(&coverage, &Selection::all(), &SubsetSpec::new(Strength(2)));
        let c = subset.combinations;
        assert_eq!(c.covered, c.coverable);
        assert_eq!(c.in_grid, c.coverable + c.excluded_by_rule);
        assert_eq!(subset.lower_bound, 84);
        assert_eq!(subset.excluded_combinations.len(), c.excluded_by_rule);
        // Out of policy survives only in adversarial traps.
        let named: Vec<String> = subset
            .excluded_combinations
            .iter()
            .map(ExcludedCombination::text)
            .collect();
        assert!(
            named.contains(&"behavior=happy_path, policy_boundary=out_of_policy".to_owned()),
            "{named:?}"
        );
    }
}
