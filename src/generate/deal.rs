//! Dealing catalogue items: the requested item of a conversation cycles
//! through the candidates of its (domain, availability) in the order of the
//! kept scenarios, so every item of the catalogue is used (spec §7), while
//! a conversation still depends only on (seed, scenario, variant): the
//! kept set is a function of the seed and the taxonomy.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::taxonomy::{Availability, Domain, Scenario};
use crate::{Coverage, Selection};

type Positions = BTreeMap<Scenario, usize>;

/// Seeds whose positions stay cached.
const SEEDS_KEPT: usize = 8;

/// The position of `scenario` among the kept scenarios of its domain and
/// availability under `seed`, in grid order; `None` when it is excluded.
pub(crate) fn position(seed: u64, scenario: &Scenario) -> Option<usize> {
    static CACHE: OnceLock<Mutex<BTreeMap<u64, Arc<Positions>>>> = OnceLock::new();
    let positions = {
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A long-lived process may see many seeds; keep a few.
        if cache.len() >= SEEDS_KEPT && !cache.contains_key(&seed) {
            cache.clear();
        }
        Arc::clone(
            cache
                .entry(seed)
                .or_insert_with(|| Arc::new(positions(seed))),
        )
    };
    positions.get(scenario).copied()
}

fn positions(seed: u64) -> Positions {
    let coverage = Coverage::evaluate(seed);
    let mut counts: BTreeMap<(Domain, Availability), usize> = BTreeMap::new();
    coverage
        .kept(&Selection::all())
        .map(|scenario| {
            let count = counts
                .entry((scenario.domain, scenario.availability))
                .or_default();
            *count += 1;
            (scenario, *count - 1)
        })
        .collect()
}
