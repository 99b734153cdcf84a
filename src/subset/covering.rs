//! The covering-array search itself, over plain coordinate rows (one byte
//! per factor), so that it serves the compiled taxonomy and any taxonomy a
//! test loads at run time alike.
//!
//! A t-way combination is a choice of t factors and one value of each. A
//! row covers the C(width, t) combinations it holds. The search is the
//! greedy of set cover (AETG's density greedy with every candidate row
//! scored, which the small candidate set affords): repeatedly take the
//! candidate covering the most combinations not yet covered, ties broken
//! by the caller's per-row key; then drop rows that later picks made
//! redundant.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Every t-way combination of a grid, numbered: combinations of one factor
/// subset are contiguous, the subsets in lexicographic order, values
/// mixed-radix with the last factor fastest.
#[derive(Clone, Debug)]
pub struct Combinations {
    dims: Vec<usize>,
    /// Each factor subset with the number of the first combination it holds.
    subsets: Vec<(Vec<usize>, usize)>,
    total: usize,
}

impl Combinations {
    /// The t-way combinations of a grid whose factors have `dims` values.
    pub fn new(dims: &[u8], t: usize) -> Self {
        let dims: Vec<usize> = dims.iter().map(|&d| usize::from(d)).collect();
        let mut total = 0;
        let subsets = crate::report::axis_subsets(dims.len(), t)
            .into_iter()
            .map(|subset| {
                let first = total;
                total += subset.iter().map(|&f| dims[f]).product::<usize>();
                (subset, first)
            })
            .collect();
        Self {
            dims,
            subsets,
            total,
        }
    }

    /// How many combinations the grid has.
    pub fn len(&self) -> usize {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many factor subsets there are: the combinations one row holds.
    pub fn per_row(&self) -> usize {
        self.subsets.len()
    }

    /// The numbers of the combinations `row` holds, one per factor subset.
    pub fn of_row<'a>(&'a self, row: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        self.subsets.iter().map(move |(subset, first)| {
            first
                + subset
                    .iter()
                    .fold(0, |acc, &f| acc * self.dims[f] + usize::from(row[f]))
        })
    }

    /// Combination `number` as (factor, value) pairs, factors ascending.
    pub fn decode(&self, number: usize) -> Vec<(usize, usize)> {
        let at = self.subsets.partition_point(|(_, first)| *first <= number) - 1;
        let (subset, first) = &self.subsets[at];
        let mut rest = number - first;
        let mut values = vec![0; subset.len()];
        for (slot, &f) in values.iter_mut().zip(subset).rev() {
            *slot = rest % self.dims[f];
            rest /= self.dims[f];
        }
        subset.iter().copied().zip(values).collect()
    }

    /// Which combinations at least one of `rows` holds.
    pub fn held_by<'a>(&self, rows: impl IntoIterator<Item = &'a [u8]>) -> Vec<bool> {
        let mut held = vec![false; self.total];
        for row in rows {
            for c in self.of_row(row) {
                held[c] = true;
            }
        }
        held
    }

    /// The fewest rows any covering needs: each row holds exactly one
    /// combination of every factor subset, so no covering is smaller than
    /// the subset with the most combinations to cover.
    pub fn lower_bound(&self, coverable: &[bool]) -> usize {
        self.subsets
            .iter()
            .enumerate()
            .map(|(i, (_, first))| {
                let end = self.subsets.get(i + 1).map_or(self.total, |s| s.1);
                coverable[*first..end].iter().filter(|&&c| c).count()
            })
            .max()
            .unwrap_or(0)
    }
}

/// What to search for.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// At most this many rows; `None`: as many as full coverage needs.
    pub budget: Option<usize>,
    /// Rows taken first (a previous subset's rows still available), in
    /// the order given; never dropped as redundant.
    pub keep: Vec<usize>,
}

/// The rows chosen, as indexes into the candidates, ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub rows: Vec<usize>,
    /// Combinations the chosen rows hold.
    pub covered: usize,
    /// Combinations some candidate holds.
    pub coverable: usize,
}

/// Chooses rows of `candidates` (each `combinations`' width long) that
/// hold every combination some candidate holds, or as many as `budget`
/// rows can. Ties go to the lowest `keys[row]`, so the result depends on
/// the keys and never on the candidates' order.
pub fn cover(
    combinations: &Combinations,
    candidates: &[&[u8]],
    keys: &[u64],
    search: &Search,
) -> Cover {
    let held: Vec<Vec<usize>> = candidates
        .iter()
        .map(|row| combinations.of_row(row).collect())
        .collect();
    let coverable = combinations.held_by(candidates.iter().copied());
    let mut state = State {
        held: &held,
        keys,
        counts: vec![0; combinations.len()],
        uncovered: coverable.iter().filter(|&&c| c).count(),
        chosen: Vec::new(),
        taken: vec![false; candidates.len()],
    };
    let budget = search.budget.unwrap_or(usize::MAX);
    let mut keep: Vec<usize> = Vec::new();
    for &row in &search.keep {
        if !keep.contains(&row) {
            keep.push(row);
        }
    }
    if keep.len() > budget {
        // Not every earlier row fits: the best of them, by the same greedy.
        state.greedy(&keep, budget);
    } else {
        keep.iter().for_each(|&row| state.take(row));
    }
    let kept = state.chosen.len();
    let all: Vec<usize> = (0..candidates.len()).collect();
    state.greedy(&all, budget);
    if state.uncovered == 0 {
        state.drop_redundant(kept);
    }
    let mut rows = state.chosen;
    rows.sort_unstable();
    Cover {
        covered: state.counts.iter().filter(|&&n| n > 0).count(),
        coverable: coverable.iter().filter(|&&c| c).count(),
        rows,
    }
}

/// The search in progress.
struct State<'a> {
    held: &'a [Vec<usize>],
    keys: &'a [u64],
    /// Per combination: how many chosen rows hold it.
    counts: Vec<u32>,
    uncovered: usize,
    /// In the order taken.
    chosen: Vec<usize>,
    taken: Vec<bool>,
}

impl State<'_> {
    fn take(&mut self, row: usize) {
        for &c in &self.held[row] {
            if self.counts[c] == 0 {
                self.uncovered -= 1;
            }
            self.counts[c] += 1;
        }
        self.taken[row] = true;
        self.chosen.push(row);
    }

    fn gain(&self, row: usize) -> usize {
        self.held[row]
            .iter()
            .filter(|&&c| self.counts[c] == 0)
            .count()
    }

    /// Takes the best of `pool` until nothing is left to cover or `budget`
    /// rows are chosen.
    fn greedy(&mut self, pool: &[usize], budget: usize) {
        while self.uncovered > 0 && self.chosen.len() < budget {
            let best = pool
                .iter()
                .filter(|&&row| !self.taken[row])
                .map(|&row| (self.gain(row), std::cmp::Reverse(self.keys[row]), row))
                .max();
            match best {
                Some((gain, _, row)) if gain > 0 => self.take(row),
                _ => break,
            }
        }
    }

    /// Drops rows taken after the first `fixed` whose every combination
    /// another chosen row also holds, the latest taken first: early greedy
    /// picks are often made redundant by the rows that close the gaps.
    fn drop_redundant(&mut self, fixed: usize) {
        for at in (fixed..self.chosen.len()).rev() {
            let row = self.chosen[at];
            if self.held[row].iter().all(|&c| self.counts[c] > 1) {
                for &c in &self.held[row] {
                    self.counts[c] -= 1;
                }
                self.taken[row] = false;
                self.chosen.remove(at);
            }
        }
    }
}

/// `size` distinct indexes below `len`, drawn uniformly from a ChaCha8
/// stream seeded with `seed`: the random baseline a covering is compared with.
pub fn random_rows(len: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut all: Vec<usize> = (0..len).collect();
    let size = size.min(len);
    // A partial Fisher–Yates shuffle: the first `size` slots are the draw.
    for i in 0..size {
        let j = i + below(&mut rng, (len - i) as u64) as usize;
        all.swap(i, j);
    }
    all.truncate(size);
    all.sort_unstable();
    all
}

/// A uniform draw below `n` (n > 0), rejecting the biased top of the range.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

/// How many combinations `rows` of `candidates` hold together.
pub fn covered_by(combinations: &Combinations, candidates: &[&[u8]], rows: &[usize]) -> usize {
    combinations
        .held_by(rows.iter().map(|&r| candidates[r]))
        .iter()
        .filter(|&&h| h)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of a full grid with `dims`, last factor fastest.
    fn full_grid(dims: &[u8]) -> Vec<Vec<u8>> {
        let mut rows = vec![Vec::new()];
        for &d in dims {
            rows = rows
                .into_iter()
                .flat_map(|row| {
                    (0..d).map(move |v| {
                        let mut next = row.clone();
                        next.push(v);
                        next
                    })
                })
                .collect();
        }
        rows
    }

    fn keys(n: usize, seed: u64) -> Vec<u64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.next_u64()).collect()
    }

    /// Brute force: every combination some candidate holds, some chosen row holds.
    fn covers_all(dims: &[u8], t: usize, candidates: &[&[u8]], rows: &[usize]) -> bool {
        let combinations = Combinations::new(dims, t);
        let wanted = combinations.held_by(candidates.iter().copied());
        let got = combinations.held_by(rows.iter().map(|&r| candidates[r]));
        wanted.iter().zip(&got).all(|(w, g)| !w || *g)
    }

    #[test]
    fn combinations_are_numbered_per_factor_subset_last_factor_fastest() {
        let c = Combinations::new(&[2, 3, 2], 2);
        // (0,1): 6, (0,2): 4, (1,2): 6.
        assert_eq!(c.len(), 16);
        assert_eq!(c.per_row(), 3);
        assert_eq!(c.of_row(&[1, 2, 0]).collect::<Vec<_>>(), [5, 8, 14]);
        assert_eq!(c.decode(5), [(0, 1), (1, 2)]);
        assert_eq!(c.decode(8), [(0, 1), (2, 0)]);
        assert_eq!(c.decode(14), [(1, 2), (2, 0)]);
        for n in 0..c.len() {
            let decoded = c.decode(n);
            let mut row = [0u8; 3];
            for &(f, v) in &decoded {
                row[f] = v as u8;
            }
            assert!(c.of_row(&row).any(|m| m == n), "{n}: {decoded:?}");
        }
    }

    #[test]
    fn a_full_grid_is_covered_pairwise_near_its_lower_bound() {
        let dims = [3, 3, 3, 3];
        let grid = full_grid(&dims);
        let candidates: Vec<&[u8]> = grid.iter().map(Vec::as_slice).collect();
        let combinations = Combinations::new(&dims, 2);
        let cover = cover(
            &combinations,
            &candidates,
            &keys(grid.len(), 1),
            &Search::default(),
        );
        assert!(covers_all(&dims, 2, &candidates, &cover.rows));
        assert_eq!(cover.covered, cover.coverable);
        assert_eq!(combinations.lower_bound(&vec![true; combinations.len()]), 9);
        // An orthogonal array of 9 rows exists; the greedy stays close.
        assert!(cover.rows.len() <= 12, "{}", cover.rows.len());
    }

    #[test]
    fn combinations_no_candidate_holds_are_not_asked_for() {
        let dims = [2, 2, 2];
        // Without (0, 0) on factors 0 and 1.
        let grid: Vec<Vec<u8>> = full_grid(&dims)
            .into_iter()
            .filter(|r| !(r[0] == 0 && r[1] == 0))
            .collect();
        let candidates: Vec<&[u8]> = grid.iter().map(Vec::as_slice).collect();
        let combinations = Combinations::new(&dims, 2);
        let cover = cover(
            &combinations,
            &candidates,
            &keys(grid.len(), 3),
            &Search::default(),
        );
        assert_eq!(cover.coverable, combinations.len() - 1);
        assert_eq!(cover.covered, cover.coverable);
        assert!(covers_all(&dims, 2, &candidates, &cover.rows));
    }

    #[test]
    fn a_budget_caps_the_rows_and_takes_the_most_coverage_first() {
        let dims = [4, 4, 3];
        let grid = full_grid(&dims);
        let candidates: Vec<&[u8]> = grid.iter().map(Vec::as_slice).collect();
        let combinations = Combinations::new(&dims, 2);
        let search = Search {
            budget: Some(3),
            keep: Vec::new(),
        };
        let cover = cover(&combinations, &candidates, &keys(grid.len(), 5), &search);
        assert_eq!(cover.rows.len(), 3);
        // Three rows with no value in common hold 3 combinations each.
        assert_eq!(cover.covered, 9);
    }

    #[test]
    fn rows_to_keep_are_kept_and_the_rest_completes_coverage() {
        let dims = [3, 3, 2];
        let grid = full_grid(&dims);
        let candidates: Vec<&[u8]> = grid.iter().map(Vec::as_slice).collect();
        let combinations = Combinations::new(&dims, 2);
        let search = Search {
            budget: None,
            keep: vec![0, 17, 0],
        };
        let cover = cover(&combinations, &candidates, &keys(grid.len(), 9), &search);
        assert!(cover.rows.contains(&0) && cover.rows.contains(&17));
        assert!(covers_all(&dims, 2, &candidates, &cover.rows));
    }

    #[test]
    fn more_rows_to_keep_than_the_budget_keeps_the_best_of_them() {
        let dims = [3, 3];
        let grid = full_grid(&dims);
        let candidates: Vec<&[u8]> = grid.iter().map(Vec::as_slice).collect();
        let combinations = Combinations::new(&dims, 1);
        // Rows 0 (0,0) and 1 (0,1) share factor 0's value; row 4 (1,1)
        // shares nothing with row 0.
        let search = Search {
            budget: Some(2),
            keep: vec![0, 1, 4],
        };
        let cover = cover(
            &combinations,
            &candidates,
            &[0, 1, 2, 3, 9, 5, 6, 7, 8],
            &search,
        );
        assert_eq!(cover.rows, [0, 4]);
    }

    #[test]
    fn the_result_depends_on_the_keys_not_on_the_candidates_order() {
        let dims = [3, 2, 3];
        let grid = full_grid(&dims);
        let combinations = Combinations::new(&dims, 2);
        let row_keys = keys(grid.len(), 11);
        let forward: Vec<&[u8]> = grid.iter().map(Vec::as_slice).collect();
        let chosen = |candidates: &[&[u8]], keys: &[u64]| -> Vec<Vec<u8>> {
            let cover = cover(&combinations, candidates, keys, &Search::default());
            let mut rows: Vec<Vec<u8>> =
                cover.rows.iter().map(|&r| candidates[r].to_vec()).collect();
            rows.sort();
            rows
        };
        let backward: Vec<&[u8]> = forward.iter().rev().copied().collect();
        let backward_keys: Vec<u64> = row_keys.iter().rev().copied().collect();
        assert_eq!(
            chosen(&forward, &row_keys),
            chosen(&backward, &backward_keys)
        );
    }

    #[test]
    fn random_rows_are_distinct_in_range_and_fixed_by_the_seed() {
        let a = random_rows(100, 30, 7);
        assert_eq!(a.len(), 30);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[29] < 100);
        assert_eq!(a, random_rows(100, 30, 7));
        assert_ne!(a, random_rows(100, 30, 8));
        assert_eq!(random_rows(5, 10, 1), [0, 1, 2, 3, 4]);
    }
}
