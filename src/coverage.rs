//! The rule engine run over the compiled taxonomy, with typed answers: which
//! scenarios are kept, and which rule removed each of the others.

use coverage_core::{Evaluation, Fate, Rule, evaluate};

use crate::taxonomy::{Behavior, Domain, RULES, Scenario, TAXONOMY};

/// The fate of every scenario of the grid for one seed.
///
/// Caps are decided once, over the whole grid: a [`Selection`] only filters
/// this result, so a scenario kept globally is kept in every selection that
/// includes its domain and behavior.
#[derive(Clone, Debug)]
pub struct Coverage {
    evaluation: Evaluation,
}

/// A scenario a rule removed, with that rule.
#[derive(Clone, Copy, Debug)]
pub struct Excluded {
    pub scenario: Scenario,
    pub rule: &'static Rule,
}

impl Coverage {
    /// Runs every rule over the full grid with `seed` deciding cap picks.
    pub fn evaluate(seed: u64) -> Self {
        Self {
            evaluation: evaluate(&TAXONOMY, seed),
        }
    }

    pub fn seed(&self) -> u64 {
        self.evaluation.seed
    }

    /// Every scenario of the grid in YAML order, with the rule that removed
    /// it (`None` when kept).
    pub fn scenarios(&self) -> impl Iterator<Item = (Scenario, Option<&'static Rule>)> + '_ {
        let grid = &self.evaluation.grid;
        let mut coords = [0u8; Scenario::WIDTH];
        self.evaluation
            .fates
            .iter()
            .enumerate()
            .map(move |(ordinal, fate)| {
                grid.coords(ordinal, &mut coords);
                (Scenario::from_coords(&coords), removed_by(*fate))
            })
    }

    /// The rule that removed `scenario`, or `None` if it is kept.
    pub fn fate(&self, scenario: &Scenario) -> Option<&'static Rule> {
        removed_by(self.evaluation.fates[self.evaluation.grid.ordinal(&scenario.coords())])
    }

    /// The kept scenarios of `selection`, in YAML order.
    pub fn kept<'a>(&'a self, selection: &'a Selection) -> impl Iterator<Item = Scenario> + 'a {
        self.scenarios()
            .filter(|(scenario, rule)| rule.is_none() && selection.contains(scenario))
            .map(|(scenario, _)| scenario)
    }

    /// The excluded scenarios of `selection`, in YAML order.
    pub fn excluded<'a>(&'a self, selection: &'a Selection) -> impl Iterator<Item = Excluded> + 'a {
        self.scenarios().filter_map(|(scenario, rule)| {
            let rule = rule?;
            selection
                .contains(&scenario)
                .then_some(Excluded { scenario, rule })
        })
    }
}

fn removed_by(fate: Fate) -> Option<&'static Rule> {
    match fate {
        Fate::Kept => None,
        Fate::Removed(index) => Some(&RULES[usize::from(index)]),
    }
}

/// Which domains and behaviors to look at. Empty lists mean all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    domains: Vec<Domain>,
    behaviors: Vec<Behavior>,
}

impl Selection {
    /// Every domain and behavior.
    pub fn all() -> Self {
        Self::default()
    }

    /// The named domains and behaviors; an empty list selects all of that kind.
    pub fn new(
        domains: impl IntoIterator<Item = Domain>,
        behaviors: impl IntoIterator<Item = Behavior>,
    ) -> Self {
        let mut domains: Vec<Domain> = domains.into_iter().collect();
        let mut behaviors: Vec<Behavior> = behaviors.into_iter().collect();
        domains.sort_unstable();
        domains.dedup();
        behaviors.sort_unstable();
        behaviors.dedup();
        Self { domains, behaviors }
    }

    /// The selected domains, in YAML order.
    pub fn domains(&self) -> &[Domain] {
        if self.domains.is_empty() {
            Domain::ALL
        } else {
            &self.domains
        }
    }

    /// The selected behaviors, in YAML order.
    pub fn behaviors(&self) -> &[Behavior] {
        if self.behaviors.is_empty() {
            Behavior::ALL
        } else {
            &self.behaviors
        }
    }

    pub fn contains(&self, scenario: &Scenario) -> bool {
        self.domains().contains(&scenario.domain) && self.behaviors().contains(&scenario.behavior)
    }

    /// Whether this is the whole grid.
    pub fn is_all(&self) -> bool {
        self.domains().len() == Domain::ALL.len() && self.behaviors().len() == Behavior::ALL.len()
    }
}
