//! Dealing catalogue items: the requested item of a conversation cycles
//! through the candidates of its (domain, availability) in the order of the
//! kept scenarios, so every item of the catalogue is used (spec §7), while
//! a conversation still depends only on (seed, scenario, variant): the
//! kept set is a function of the seed and the taxonomy.

use std::collections::BTreeMap;

use crate::taxonomy::{Availability, Domain, Scenario};
use crate::{Coverage, Selection};

/// What every conversation of one run shares: the run's seed and each kept
/// scenario's position among the kept scenarios of its domain and
/// availability, in grid order. Made once from the [`Coverage`] the run
/// evaluated (`Deal::new(&coverage)`) and handed to every conversation.
#[derive(Clone, Debug)]
pub struct Deal {
    seed: u64,
    positions: BTreeMap<Scenario, usize>,
}

impl Deal {
    pub fn new(coverage: &Coverage) -> Self {
        let mut counts: BTreeMap<(Domain, Availability), usize> = BTreeMap::new();
        let positions = coverage
            .kept(&Selection::all())
            .map(|scenario| {
                let count = counts
                    .entry((scenario.domain, scenario.availability))
                    .or_default();
                *count += 1;
                (scenario, *count - 1)
            })
            .collect();
        Self {
            seed: coverage.seed(),
            positions,
        }
    }

    /// The seed of the coverage this deal was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The position of `scenario` among the kept scenarios of its domain
    /// and availability, in grid order; `None` when it is excluded.
    pub(crate) fn position(&self, scenario: &Scenario) -> Option<usize> {
        self.positions.get(scenario).copied()
    }
}
