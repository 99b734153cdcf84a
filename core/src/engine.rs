//! The rule engine: the semantics of spec section 2. Rules run top to bottom,
//! each over the survivors of the rules above it; a removed scenario's reason
//! is the rule that removed it.

use std::collections::BTreeMap;
use std::hash::Hasher;

use siphasher::sip::SipHasher13;

use crate::model::{Cap, Grid, GroupKey, Rule, RuleKind, Taxonomy};

/// What happened to one scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Kept,
    /// Removed by the rule at this index of [`Taxonomy::rules`].
    Removed(u16),
}

/// What one rule did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// Survivors of the rules above that this rule matched.
    pub matched: usize,
    /// Of those, how many it removed.
    pub removed: usize,
    /// Whether the rule removed anything. A cap that never binds is legal:
    /// it guards taxonomies with more bins than today's.
    pub binding: bool,
}

/// The fate of every scenario of a taxonomy for one seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub seed: u64,
    pub grid: Grid,
    /// Indexed by scenario ordinal (see [`Grid`]).
    pub fates: Vec<Fate>,
    /// Indexed like [`Taxonomy::rules`].
    pub rules: Vec<RuleStats>,
}

impl Evaluation {
    pub fn kept(&self) -> usize {
        self.fates.iter().filter(|f| **f == Fate::Kept).count()
    }
}

/// Runs every rule of `taxonomy` over the full scenario grid.
pub fn evaluate(taxonomy: &Taxonomy, seed: u64) -> Evaluation {
    let grid = Grid::of(taxonomy);
    let width = grid.width();
    let coords = grid.all_coords();
    let mut fates = vec![Fate::Kept; grid.len()];
    let mut rules = Vec::with_capacity(taxonomy.rules.len());
    for (index, rule) in taxonomy.rules.iter().enumerate() {
        let reason = Fate::Removed(u16::try_from(index).expect("at most 65535 rules"));
        let candidates: Vec<usize> = (0..fates.len())
            .filter(|&s| fates[s] == Fate::Kept && rule.matches(&coords[s * width..][..width]))
            .collect();
        let matched = candidates.len();
        let removed = match &rule.kind {
            RuleKind::Exclude => candidates,
            RuleKind::Cap(cap) => over_cap(taxonomy, rule, cap, seed, &candidates, &coords, width),
        };
        for &s in &removed {
            fates[s] = reason;
        }
        rules.push(RuleStats {
            matched,
            removed: removed.len(),
            binding: !removed.is_empty(),
        });
    }
    Evaluation {
        seed,
        grid,
        fates,
        rules,
    }
}

/// The rank of a cap candidate: a keyed hash of (seed, rule id, scenario id).
/// SipHash-1-3 over explicit bytes gives the same value on every platform and
/// Rust version, and a candidate's rank does not depend on which other
/// candidates exist, so removing one changes at most one pick of its group.
pub fn rank(seed: u64, rule_id: &str, scenario_id: &str) -> u64 {
    let mut hasher = SipHasher13::new_with_keys(seed, 0);
    hasher.write(rule_id.as_bytes());
    hasher.write(&[0xff]);
    hasher.write(scenario_id.as_bytes());
    hasher.finish()
}

/// The candidates a cap removes: in each group, all but the `max` best ranked
/// (per balance quota when the cap balances over an axis).
fn over_cap(
    taxonomy: &Taxonomy,
    rule: &Rule,
    cap: &Cap,
    seed: u64,
    candidates: &[usize],
    coords: &[u8],
    width: usize,
) -> Vec<usize> {
    let mut groups: BTreeMap<Vec<u8>, Vec<Candidate>> = BTreeMap::new();
    for &s in candidates {
        let at = &coords[s * width..][..width];
        let key = cap.per.iter().map(|k| at[key_coordinate(*k)]).collect();
        let id = taxonomy.scenario_id(at);
        let balance_bin = cap.balance.map_or(0, |axis| at[2 + usize::from(axis)]);
        groups.entry(key).or_default().push(Candidate {
            rank: rank(seed, &rule.id, &id),
            id,
            ordinal: s,
            balance_bin,
        });
    }
    let mut removed = Vec::new();
    for mut group in groups.into_values() {
        group.sort_by(|a, b| (a.rank, &a.id).cmp(&(b.rank, &b.id)));
        let keep = match cap.balance {
            None => vec![true; group.len().min(cap.max as usize)],
            Some(axis) => {
                let bins = taxonomy.axes[usize::from(axis)].bins.len();
                balanced_keep(&group, bins, cap.max as usize)
            }
        };
        removed.extend(
            group
                .iter()
                .enumerate()
                .filter(|(i, _)| !keep.get(*i).copied().unwrap_or(false))
                .map(|(_, c)| c.ordinal),
        );
    }
    removed.sort_unstable();
    removed
}

struct Candidate {
    rank: u64,
    id: String,
    ordinal: usize,
    balance_bin: u8,
}

fn key_coordinate(key: GroupKey) -> usize {
    match key {
        GroupKey::Domain => 0,
        GroupKey::Behavior => 1,
        GroupKey::Axis(axis) => 2 + usize::from(axis),
    }
}

/// Which of the rank-sorted `group` a balanced cap keeps. Each bin gets
/// `max / bins` slots, the remainder one each to the first bins; slots a bin
/// cannot fill pass round-robin, in bin order, to bins with candidates left.
fn balanced_keep(group: &[Candidate], bins: usize, max: usize) -> Vec<bool> {
    let mut available = vec![0usize; bins];
    for c in group {
        available[usize::from(c.balance_bin)] += 1;
    }
    let mut quota: Vec<usize> = (0..bins)
        .map(|b| max / bins + usize::from(b < max % bins))
        .collect();
    let mut spare: usize = quota
        .iter()
        .zip(&available)
        .map(|(q, a)| q.saturating_sub(*a))
        .sum();
    for (q, a) in quota.iter_mut().zip(&available) {
        *q = (*q).min(*a);
    }
    while spare > 0 && quota.iter().zip(&available).any(|(q, a)| q < a) {
        for b in 0..bins {
            if spare > 0 && quota[b] < available[b] {
                quota[b] += 1;
                spare -= 1;
            }
        }
    }
    group
        .iter()
        .map(|c| {
            let q = &mut quota[usize::from(c.balance_bin)];
            let keep = *q > 0;
            *q = q.saturating_sub(1);
            keep
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Candidates already sorted by rank, one per entry of `bins`.
    fn group(bins: &[u8]) -> Vec<Candidate> {
        bins.iter()
            .enumerate()
            .map(|(i, &bin)| Candidate {
                rank: i as u64,
                id: format!("s{i}"),
                ordinal: i,
                balance_bin: bin,
            })
            .collect()
    }

    fn kept_per_bin(bins: &[u8], bin_count: usize, max: usize) -> Vec<usize> {
        let keep = balanced_keep(&group(bins), bin_count, max);
        let mut counts = vec![0; bin_count];
        for (candidate, kept) in bins.iter().zip(keep) {
            if kept {
                counts[usize::from(*candidate)] += 1;
            }
        }
        counts
    }

    #[test]
    fn a_balanced_cap_splits_its_slots_evenly_with_the_remainder_to_the_first_bins() {
        let plenty = [[0u8; 6], [1; 6], [2; 6]].concat();
        assert_eq!(kept_per_bin(&plenty, 3, 12), [4, 4, 4]);
        assert_eq!(kept_per_bin(&plenty, 3, 7), [3, 2, 2]);
        assert_eq!(kept_per_bin(&plenty, 3, 2), [1, 1, 0]);
    }

    #[test]
    fn slots_a_bin_cannot_fill_pass_round_robin_to_bins_with_candidates_left() {
        // Bin 0 has one candidate for its four slots: the three spare slots
        // go to bins 1 and 2 in turn, bin 1 first.
        let bins = [[0u8; 1].as_slice(), &[1; 6], &[2; 6]].concat();
        assert_eq!(kept_per_bin(&bins, 3, 12), [1, 6, 5]);
        // Fewer candidates than slots: everyone is kept.
        assert_eq!(kept_per_bin(&[0, 1, 2], 3, 12), [1, 1, 1]);
    }

    #[test]
    fn within_a_bin_the_lowest_ranks_are_kept() {
        let keep = balanced_keep(&group(&[0, 0, 0, 1]), 2, 2);
        assert_eq!(keep, [true, false, false, true]);
    }

    #[test]
    fn a_rank_depends_on_seed_rule_and_scenario_and_on_nothing_else() {
        let base = rank(
            42,
            "low-risk-cap",
            "cart.happy_path.low.none.in_stock.within_policy",
        );
        assert_eq!(
            base,
            rank(
                42,
                "low-risk-cap",
                "cart.happy_path.low.none.in_stock.within_policy"
            )
        );
        assert_ne!(
            base,
            rank(
                7,
                "low-risk-cap",
                "cart.happy_path.low.none.in_stock.within_policy"
            )
        );
        assert_ne!(
            base,
            rank(
                42,
                "skew-control",
                "cart.happy_path.low.none.in_stock.within_policy"
            )
        );
        assert_ne!(
            base,
            rank(
                42,
                "low-risk-cap",
                "cart.happy_path.medium.none.in_stock.within_policy"
            )
        );
        // The separator keeps ("ab", "c") apart from ("a", "bc").
        assert_ne!(rank(1, "ab", "c"), rank(1, "a", "bc"));
    }
}
