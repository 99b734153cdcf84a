//! `cargo bench --bench subset`: covering subsets of the default grid. It
//! prints, per strength and seed, the subset's size beside the lower bound
//! and the t-way coverage of a seeded random subset of the same size (the
//! baseline), then times the search with divan. CI only builds it; the
//! figures are in docs/subsets.md.

use coverage::subset::covering::{Combinations, covered_by, random_rows};
use coverage::subset::{Strength, SubsetSpec, select_in};
use coverage::taxonomy::{Scenario, TAXONOMY};
use coverage::{Coverage, Selection};
use coverage_core::Grid;

const SEEDS: [u64; 3] = [42, 7, 1234];

fn main() {
    figures();
    divan::main();
}

/// Size, lower bound and the random baseline, one line per strength and seed.
fn figures() {
    eprintln!("strength seed size lower_bound coverage random_same_size");
    for strength in Strength::ALL {
        for seed in SEEDS {
            let coverage = Coverage::evaluate(seed);
            let subset = select_in(&coverage, &Selection::all(), &SubsetSpec::new(strength));
            eprintln!(
                "{strength} {seed} {} {} {:.4} {:.4}",
                subset.size,
                subset.lower_bound,
                subset.coverage,
                random_coverage(&coverage, strength, subset.size, seed)
            );
        }
    }
    budget_at_lower_bound();
}

/// With a budget of the lower bound (seed 42): the subset's coverage beside
/// the best of 100 seeded random subsets of that size.
fn budget_at_lower_bound() {
    eprintln!("strength budget coverage best_of_100_random");
    let coverage = Coverage::evaluate(42);
    for (strength, budget) in Strength::ALL.into_iter().zip([84, 334]) {
        let spec = SubsetSpec {
            budget: std::num::NonZeroUsize::new(budget),
            ..SubsetSpec::new(strength)
        };
        let subset = select_in(&coverage, &Selection::all(), &spec);
        let best = (0..100)
            .map(|seed| random_coverage(&coverage, strength, budget, seed))
            .fold(0.0, f64::max);
        eprintln!("{strength} {budget} {:.4} {best:.4}", subset.coverage);
    }
}

/// The t-way coverage (of what the kept set covers) of `size` kept
/// scenarios drawn at random with `seed`.
fn random_coverage(coverage: &Coverage, strength: Strength, size: usize, seed: u64) -> f64 {
    let kept: Vec<[u8; Scenario::WIDTH]> = coverage
        .kept(&Selection::all())
        .map(|s| s.coords())
        .collect();
    let rows: Vec<&[u8]> = kept.iter().map(|c| c.as_slice()).collect();
    let combinations = Combinations::new(Grid::of(&TAXONOMY).dims(), strength.get());
    let all: Vec<usize> = (0..rows.len()).collect();
    let coverable = covered_by(&combinations, &rows, &all);
    covered_by(&combinations, &rows, &random_rows(rows.len(), size, seed)) as f64 / coverable as f64
}

/// The pairwise subset of the 5,376 kept scenarios.
#[divan::bench]
fn strength_2(bencher: divan::Bencher) {
    let coverage = Coverage::evaluate(42);
    let spec = SubsetSpec::new(Strength::ALL[0]);
    bencher.bench(|| select_in(&coverage, &Selection::all(), divan::black_box(&spec)));
}

/// The three-way subset of the 5,376 kept scenarios.
#[divan::bench(sample_count = 10)]
fn strength_3(bencher: divan::Bencher) {
    let coverage = Coverage::evaluate(42);
    let spec = SubsetSpec::new(Strength::ALL[1]);
    bencher.bench(|| select_in(&coverage, &Selection::all(), divan::black_box(&spec)));
}
