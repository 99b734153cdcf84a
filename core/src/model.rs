//! The taxonomy as data. Every field is a `Cow<'static, _>` so that the same
//! types are built at run time by the parser (owned) and emitted as `const`
//! tables by the code generator (borrowed): one model, one engine.

use std::borrow::Cow;

type Str = Cow<'static, str>;
type List<T> = Cow<'static, [T]>;

/// A named thing of the taxonomy: a domain, difficulty, axis bin, ….
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: Str,
    pub label: Str,
    pub description: Str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BehaviorDef {
    pub entry: Entry,
    /// Index into [`Taxonomy::difficulties`].
    pub difficulty: u8,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axis {
    pub entry: Entry,
    pub bins: List<Entry>,
}

/// One axis condition of a rule: the scenario's bin on `axis` is one of `bins`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisMatch {
    /// Index into [`Taxonomy::axes`].
    pub axis: u8,
    /// Indexes into that axis's bins, ascending.
    pub bins: List<u8>,
}

/// What a cap groups its candidates by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKey {
    Domain,
    Behavior,
    Axis(u8),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    pub per: List<GroupKey>,
    pub max: u32,
    /// Axis whose bins share the `max` slots evenly.
    pub balance: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// Remove every matching survivor.
    Exclude,
    /// Keep at most `max` matching survivors per group.
    Cap(Cap),
}

/// Which scenarios a rule or outcome row applies to, with its scope
/// resolved: "all except" lists are already expanded, so `domains` and
/// `behaviors` are the exact indexes it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub domains: List<u8>,
    pub behaviors: List<u8>,
    /// Every listed axis must match; none listed matches the whole scope.
    pub matches: List<AxisMatch>,
}

impl Condition {
    /// Whether the scenario at `coords` (see [`Grid`]) is in scope and matches.
    pub fn matches(&self, coords: &[u8]) -> bool {
        self.domains.contains(&coords[0])
            && self.behaviors.contains(&coords[1])
            && self
                .matches
                .iter()
                .all(|m| m.bins.contains(&coords[2 + usize::from(m.axis)]))
    }
}

/// An exclusion or cap rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: Str,
    pub kind: RuleKind,
    pub rationale: Str,
    pub when: Condition,
}

impl Rule {
    /// Whether the scenario at `coords` is in the rule's scope and matches.
    pub fn matches(&self, coords: &[u8]) -> bool {
        self.when.matches(coords)
    }

    pub fn kind_id(&self) -> &'static str {
        match self.kind {
            RuleKind::Exclude => "exclude",
            RuleKind::Cap(_) => "cap",
        }
    }
}

/// One row of the outcome table: the first row that matches a scenario
/// decides its final outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRow {
    pub id: Str,
    /// Index into [`Taxonomy::decisions`].
    pub decision: u8,
    pub rationale: Str,
    pub when: Condition,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taxonomy {
    pub vertical: Str,
    pub version: Str,
    pub difficulties: List<Entry>,
    pub domains: List<Entry>,
    pub behaviors: List<BehaviorDef>,
    pub axes: List<Axis>,
    pub rules: List<Rule>,
    /// The possible final outcomes; empty when the taxonomy has no table.
    pub decisions: List<Entry>,
    /// The outcome table, first match wins; total over the grid.
    pub outcomes: List<OutcomeRow>,
}

impl Taxonomy {
    /// The index of the outcome row that decides the scenario at `coords`:
    /// the first that matches. `None` only without an outcome table.
    pub fn outcome_row(&self, coords: &[u8]) -> Option<usize> {
        self.outcomes
            .iter()
            .position(|row| row.when.matches(coords))
    }

    /// The decision (index into `decisions`) of the scenario at `coords`.
    pub fn decide(&self, coords: &[u8]) -> Option<u8> {
        self.outcome_row(coords)
            .map(|row| self.outcomes[row].decision)
    }

    /// The index of the axis with this id.
    pub fn axis_index(&self, id: &str) -> Option<usize> {
        self.axes.iter().position(|axis| axis.entry.id == id)
    }

    /// The scenario id: the ids of its domain, behavior and bins joined by
    /// dots. Made only from ids, never from positions, so reordering or
    /// appending to the YAML leaves every existing id unchanged.
    pub fn scenario_id(&self, coords: &[u8]) -> String {
        let mut id = String::with_capacity(96);
        id.push_str(&self.domains[usize::from(coords[0])].id);
        id.push('.');
        id.push_str(&self.behaviors[usize::from(coords[1])].entry.id);
        for (axis, &bin) in self.axes.iter().zip(&coords[2..]) {
            id.push('.');
            id.push_str(&axis.bins[usize::from(bin)].id);
        }
        id
    }
}

/// The scenario space as a mixed-radix number: coordinate 0 is the domain,
/// 1 the behavior, 2.. the bin of each axis. Ordinal order is the YAML order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    dims: Vec<u8>,
}

impl Grid {
    pub fn of(taxonomy: &Taxonomy) -> Self {
        let count = |n: usize| u8::try_from(n).expect("taxonomy lists are validated to fit u8");
        let mut dims = vec![
            count(taxonomy.domains.len()),
            count(taxonomy.behaviors.len()),
        ];
        dims.extend(taxonomy.axes.iter().map(|axis| count(axis.bins.len())));
        Self { dims }
    }

    /// Coordinates per scenario: 2 + number of axes.
    pub fn width(&self) -> usize {
        self.dims.len()
    }

    /// Size of each coordinate.
    pub fn dims(&self) -> &[u8] {
        &self.dims
    }

    /// Number of scenarios in the full Cartesian product.
    pub fn len(&self) -> usize {
        self.dims.iter().map(|&d| usize::from(d)).product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the coordinates of scenario `ordinal` into `out`.
    pub fn coords(&self, mut ordinal: usize, out: &mut [u8]) {
        for (slot, &dim) in out.iter_mut().zip(&self.dims).rev() {
            let dim = usize::from(dim);
            *slot = (ordinal % dim) as u8;
            ordinal /= dim;
        }
    }

    pub fn ordinal(&self, coords: &[u8]) -> usize {
        coords
            .iter()
            .zip(&self.dims)
            .fold(0, |acc, (&c, &dim)| acc * usize::from(dim) + usize::from(c))
    }

    /// Every scenario's coordinates, flattened: `width()` bytes per scenario.
    pub fn all_coords(&self) -> Vec<u8> {
        let width = self.width();
        let mut all = vec![0; self.len() * width];
        for (ordinal, chunk) in all.chunks_exact_mut(width).enumerate() {
            self.coords(ordinal, chunk);
        }
        all
    }
}
