//! The concrete facts of one conversation: which item, what budget, which
//! policy value, and the decision a correct assistant reaches.

use coverage_core::{DomainFixtures, Item, Policy, rank};

use crate::taxonomy::{BrandBias, Decision, FIXTURES, PriceSensitivity, Scenario, TAXONOMY};

pub(crate) struct Facts {
    pub scenario: Scenario,
    pub id: String,
    pub seed: u64,
    pub domain: &'static DomainFixtures,
    pub item: &'static Item,
    /// The price and brand bins the text states; equal to the scenario's
    /// except in the wrong first statement of a user correction.
    pub price: PriceSensitivity,
    pub brand: BrandBias,
    /// The outcome row that decides this scenario, and its decision.
    pub outcome_row: usize,
    pub decision: Decision,
}

impl Facts {
    pub fn new(scenario: &Scenario, seed: u64) -> Self {
        let id = scenario.id();
        let domain = &FIXTURES.domains[scenario.domain.index()];
        let candidates: Vec<&'static Item> = domain
            .items
            .iter()
            .filter(|item| item.availability() == scenario.availability.index())
            .collect();
        let outcome_row = TAXONOMY
            .outcome_row(&scenario.coords())
            .expect("the outcome table is total");
        let mut facts = Self {
            scenario: *scenario,
            id,
            seed,
            domain,
            item: candidates[0],
            price: scenario.price_sensitivity,
            brand: scenario.brand_bias,
            outcome_row,
            decision: Decision::ALL[usize::from(TAXONOMY.outcomes[outcome_row].decision)],
        };
        let item = *facts.pick::<&'static Item>("item", &candidates);
        facts.item = item;
        facts
    }

    /// One of `choices`, chosen by a keyed hash of (seed, purpose, scenario).
    pub fn pick<'c, T>(&self, purpose: &str, choices: &'c [T]) -> &'c T {
        let index = rank(self.seed, purpose, &self.id) % choices.len() as u64;
        &choices[index as usize]
    }

    /// The same facts stating other price and brand bins.
    pub fn stating(&self, price: PriceSensitivity, brand: BrandBias) -> Self {
        Self {
            scenario: self.scenario,
            id: self.id.clone(),
            seed: self.seed,
            domain: self.domain,
            item: self.item,
            price,
            brand,
            outcome_row: self.outcome_row,
            decision: self.decision,
        }
    }

    pub fn policy(&self) -> &'static Policy {
        &self.domain.policy
    }

    /// The value the user asks for against the policy limit.
    pub fn policy_value(&self) -> f64 {
        self.policy().values[self.scenario.policy_boundary.index()]
    }

    /// Percent off list price the stated price bin implies.
    pub fn saving(&self) -> u8 {
        FIXTURES.savings[self.price.index()]
    }

    /// List price less the saving, in cents.
    pub fn budget_cents(&self) -> u64 {
        (self.item.list_price_cents * u64::from(100 - self.saving()) + 50) / 100
    }
}
