//! NIST combinatorial coverage (NISTIR 7878) of one (domain, behavior)
//! pair: for each strength t and each choice of t axes, which combinations
//! of their bins the kept scenarios hold, which an exclude rule forbids
//! outright, and which are lost anyway (the gaps).

use coverage_core::RuleKind;

use super::Cell;
use crate::contract::report_doc::{AxisBin, Gap, TwayFigures};
use crate::taxonomy::{Behavior, Domain, RULES, TAXONOMY};

/// The strengths reported: pairs and triples of axes.
pub const STRENGTHS: [usize; 2] = [2, 3];

/// Every choice of `t` of `axes` axes, indexes ascending, in lexicographic order.
pub fn axis_subsets(axes: usize, t: usize) -> Vec<Vec<usize>> {
    fn extend(
        from: usize,
        axes: usize,
        t: usize,
        current: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if current.len() == t {
            out.push(current.clone());
            return;
        }
        for a in from..axes {
            current.push(a);
            extend(a + 1, axes, t, current, out);
            current.pop();
        }
    }
    let mut out = Vec::new();
    extend(0, axes, t, &mut Vec::with_capacity(t), &mut out);
    out
}

/// Whether an exclude rule matches the scenario at `coords`: it is then
/// removed whatever the rules above did.
pub(super) fn forbidden(coords: &[u8]) -> bool {
    RULES
        .iter()
        .any(|rule| matches!(rule.kind, RuleKind::Exclude) && rule.matches(coords))
}

/// What the scenarios holding one combination have in common.
#[derive(Clone, Copy)]
struct Combination {
    cells: usize,
    kept: bool,
    all_forbidden: bool,
    /// Bit i: rule i removed one of them.
    removed_by: u64,
}

/// The t-way figures of one pair, t = 2 then 3, and its gaps.
pub(super) fn pair(
    domain: Domain,
    behavior: Behavior,
    cells: &[Cell],
) -> (Vec<TwayFigures>, Vec<Gap>) {
    let axes = &TAXONOMY.axes;
    let mut figures = Vec::new();
    let mut gaps = Vec::new();
    for t in STRENGTHS {
        let (mut combinations, mut forbidden, mut covered) = (0, 0, 0);
        for subset in axis_subsets(axes.len(), t) {
            let dims: Vec<usize> = subset.iter().map(|&a| axes[a].bins.len()).collect();
            let mut seen = vec![
                Combination {
                    cells: 0,
                    kept: false,
                    all_forbidden: true,
                    removed_by: 0,
                };
                dims.iter().product()
            ];
            for cell in cells {
                let index = subset.iter().zip(&dims).fold(0, |acc, (&a, &dim)| {
                    acc * dim + usize::from(cell.coords[2 + a])
                });
                let combination = &mut seen[index];
                combination.cells += 1;
                combination.kept |= cell.removed_by.is_none();
                combination.all_forbidden &= cell.forbidden;
                if let Some(rule) = cell.removed_by {
                    combination.removed_by |= 1 << rule;
                }
            }
            for (index, combination) in seen.iter().enumerate() {
                combinations += 1;
                if combination.cells > 0 && combination.all_forbidden {
                    forbidden += 1;
                } else if combination.kept {
                    covered += 1;
                } else {
                    gaps.push(Gap {
                        domain,
                        behavior,
                        t,
                        bins: decode(index, &subset, &dims),
                        cells: combination.cells,
                        rules: RULES
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| combination.removed_by & (1 << i) != 0)
                            .map(|(_, rule)| rule.id.to_string())
                            .collect(),
                    });
                }
            }
        }
        figures.push(TwayFigures::of(t, combinations, forbidden, covered));
    }
    (figures, gaps)
}

fn decode(mut index: usize, subset: &[usize], dims: &[usize]) -> Vec<AxisBin> {
    let mut bins = vec![0; subset.len()];
    for (slot, &dim) in bins.iter_mut().zip(dims).rev() {
        *slot = index % dim;
        index /= dim;
    }
    subset
        .iter()
        .zip(bins)
        .map(|(&a, b)| AxisBin {
            axis: TAXONOMY.axes[a].entry.id.to_string(),
            bin: TAXONOMY.axes[a].bins[b].id.to_string(),
        })
        .collect()
}

/// Figures summed over pairs, per strength.
pub(super) fn totals<'a>(per_pair: impl Iterator<Item = &'a [TwayFigures]>) -> Vec<TwayFigures> {
    let mut sums = vec![(0, 0, 0); STRENGTHS.len()];
    for figures in per_pair {
        for (sum, f) in sums.iter_mut().zip(figures) {
            sum.0 += f.combinations;
            sum.1 += f.forbidden;
            sum.2 += f.covered;
        }
    }
    STRENGTHS
        .iter()
        .zip(sums)
        .map(|(&t, (c, f, k))| TwayFigures::of(t, c, f, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_subsets_are_every_choice_of_t_axes_in_lexicographic_order() {
        assert_eq!(
            axis_subsets(4, 2),
            [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
        );
        assert_eq!(
            axis_subsets(4, 3),
            [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]
        );
        assert_eq!(axis_subsets(4, 4), [[0, 1, 2, 3]]);
        assert_eq!(axis_subsets(3, 0), [Vec::<usize>::new()]);
        assert!(axis_subsets(2, 3).is_empty());
    }

    #[test]
    fn a_combination_index_decodes_last_axis_fastest() {
        // Axes 0 (price: 3 bins) and 2 (availability: 4 bins): index 7 is
        // price bin 1, availability bin 3.
        let bins = decode(7, &[0, 2], &[3, 4]);
        let ids: Vec<(&str, &str)> = bins
            .iter()
            .map(|b| (b.axis.as_str(), b.bin.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("price_sensitivity", "medium"),
                ("availability", "out_of_stock")
            ]
        );
    }
}
