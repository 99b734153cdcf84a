//! The two worlds of one conversation (spec `scenario-content.md` §2–3):
//! the store (policy, catalogue slice, offers, customer record) and the
//! customer's facts, drawn so that the facts fall in the scenario's bins.
//! Also the one fact a user correction states wrongly first and the trap of
//! an adversarial conversation.

use std::collections::BTreeMap;

use coverage_core::{DomainFixtures, Item, Trap, ValueIs, price_bin, value_range};

use super::deal::Deal;
use super::rng::Rng;
use crate::contract::dataset::{
    CatalogItem, CustomerRecord, Environment, Offer, PolicyFacts, UserFacts,
};
use crate::figures::{money, quantity};
use crate::taxonomy::{
    Availability, Behavior, BrandBias, Decision, FIXTURES, PolicyBoundary, PriceSensitivity,
    Scenario,
};

/// Catalogue items in a conversation's environment besides the requested one.
const ALTERNATIVES: usize = 3;

/// What the customer says, possibly wrongly at first.
#[derive(Clone, Copy)]
pub(crate) struct Stated {
    pub item: &'static Item,
    pub budget_cents: u64,
    pub brand: BrandBias,
    pub policy_value: f64,
    pub quantity: u32,
}

/// The fact a user correction first states wrongly.
#[derive(Clone, Copy)]
pub(crate) enum Wrong {
    Budget(u64),
    Brand(BrandBias),
    PolicyValue(f64),
    Item(&'static Item),
}

/// What a trap demands.
#[derive(Clone, Copy)]
pub(crate) enum Demands {
    Price(u64),
    Limit(f64),
    Offer(usize),
}

pub(crate) struct TrapPlan {
    pub trap: &'static Trap,
    pub demands: Demands,
}

pub(crate) struct World {
    pub scenario: Scenario,
    pub id: String,
    pub domain: &'static DomainFixtures,
    /// This store's policy limit, one of the domain's.
    pub limit: f64,
    /// The facts as finally stated (after any correction).
    pub facts: Stated,
    /// The requested item first, then the alternatives.
    pub slice: Vec<&'static Item>,
    pub offers: Vec<Offer>,
    /// Index in `offers` of the one that applies to the requested item.
    pub applying: usize,
    pub unit_price_cents: u64,
    pub customer: Option<CustomerRecord>,
    pub outcome_row: usize,
    pub decision: Decision,
    pub wrong: Option<Wrong>,
    pub trap: Option<TrapPlan>,
    pub rng: Rng,
}

impl World {
    pub fn new(deal: &Deal, scenario: &Scenario, variant: u32) -> Self {
        let seed = deal.seed();
        let id = scenario.id();
        let mut rng = Rng::new(seed, &id, variant);
        let domain = &FIXTURES.domains[scenario.domain.index()];
        let policy = &domain.policy;
        let bin = scenario.policy_boundary.index();
        let sells = !matches!(
            scenario.availability,
            Availability::Backorder | Availability::OutOfStock
        );
        let of_availability =
            |item: &&'static Item| item.availability() == scenario.availability.index();
        // Items that can take the quantity when the quantity is the policy
        // value and the item ships now; stores whose limit leaves some.
        let fits = |limit: f64, item: &Item| {
            policy.value_is != ValueIs::Quantity
                || !sells
                || scenario.policy_boundary == PolicyBoundary::OutOfPolicy
                || value_range(limit, policy.values[bin], bin)
                    .is_some_and(|[min, _]| u64::from(item.stock) >= min)
        };
        let limits: Vec<f64> = policy
            .limits
            .iter()
            .copied()
            .filter(|limit| {
                domain
                    .items
                    .iter()
                    .filter(of_availability)
                    .any(|i| fits(*limit, i))
            })
            .collect();
        let limit = *rng.pick(&limits);
        let candidates: Vec<&'static Item> = domain
            .items
            .iter()
            .filter(of_availability)
            .filter(|item| fits(limit, item))
            .collect();
        // Kept scenarios deal the candidates round-robin from an offset the
        // seed draws per (domain, availability), so every item is used.
        let group = format!("{}.{}", scenario.domain.id(), scenario.availability.id());
        let offset = Rng::new(seed, &group, variant).below(candidates.len());
        let item = match deal.position(scenario) {
            Some(position) => candidates[(position + offset) % candidates.len()],
            None => *rng.pick(&candidates),
        };
        let policy_value = draw_value(
            &mut rng,
            policy.value_is,
            item,
            limit,
            policy.values[bin],
            bin,
            sells,
        );
        let quantity = match policy.value_is {
            ValueIs::Quantity => policy_value as u32,
            ValueIs::BasketTotal => 1,
            ValueIs::Own if rng.chance(30) => {
                let most = if sells { item.stock.min(3) } else { 3 };
                rng.between(1, u64::from(most)) as u32
            }
            ValueIs::Own => 1,
        };
        let budget_cents = draw_budget(&mut rng, item, scenario.price_sensitivity);
        let slice = catalog_slice(&mut rng, domain, item);
        let (offers, applying, unit_price_cents) =
            offers(&mut rng, &slice, budget_cents, &mut OfferIds::default());
        let customer = record(&mut rng, domain, &slice, item, policy_value);
        let outcome_row = scenario.outcome_row();
        let decision = scenario.decision();
        let mut world = Self {
            scenario: *scenario,
            id,
            domain,
            limit,
            facts: Stated {
                item,
                budget_cents,
                brand: scenario.brand_bias,
                policy_value,
                quantity,
            },
            slice,
            offers,
            applying,
            unit_price_cents,
            customer,
            outcome_row,
            decision,
            wrong: None,
            trap: None,
            rng,
        };
        match scenario.behavior {
            Behavior::UserCorrections => world.wrong = Some(world.choose_wrong()),
            Behavior::AdversarialTrap => world.trap = Some(world.choose_trap()),
            _ => {}
        }
        world
    }

    /// What the user says first: the final facts with the wrong one.
    pub fn first_stated(&self) -> Stated {
        let mut stated = self.facts;
        match self.wrong {
            Some(Wrong::Budget(cents)) => stated.budget_cents = cents,
            Some(Wrong::Brand(bias)) => stated.brand = bias,
            Some(Wrong::PolicyValue(value)) => {
                stated.policy_value = value;
                if self.domain.policy.value_is == ValueIs::Quantity {
                    stated.quantity = value as u32;
                }
            }
            Some(Wrong::Item(item)) => stated.item = item,
            None => {}
        }
        stated
    }

    /// The requested item's brand under a soft or hard bias.
    pub fn brand_of(&self, bias: BrandBias) -> Option<&'static str> {
        (bias != BrandBias::None).then_some(self.facts.item.brand.as_ref())
    }

    pub fn sells(&self) -> bool {
        matches!(
            self.decision,
            Decision::Fulfill | Decision::FulfillWithDisclosure
        )
    }

    /// Alternatives to offer: catalogue items other than the requested one
    /// that can ship now in the wanted quantity, of the same brand under a
    /// hard bias.
    pub fn alternatives(&self) -> Vec<&'static Item> {
        self.slice[1..]
            .iter()
            .copied()
            .filter(|alt| alt.ships_now(self.facts.quantity))
            .filter(|alt| {
                self.scenario.brand_bias != BrandBias::Hard || alt.brand == self.facts.item.brand
            })
            .collect()
    }

    pub fn environment(&self) -> Environment {
        let policy = &self.domain.policy;
        Environment {
            currency: FIXTURES.currency.to_string(),
            policy: PolicyFacts {
                id: policy.id.to_string(),
                name: policy.name.to_string(),
                limit: self.limit,
                unit: policy.unit.to_string(),
                text: policy.text.replace("{policy_limit}", &self.limit_text()),
            },
            catalog: self.slice.iter().map(|item| catalog_item(item)).collect(),
            offers: self.offers.clone(),
            customer: self.customer.clone(),
        }
    }

    pub fn user_facts(&self) -> UserFacts {
        UserFacts {
            item_id: self.facts.item.id.to_string(),
            quantity: self.facts.quantity,
            budget: cents_to_amount(self.facts.budget_cents),
            brand: self.brand_of(self.scenario.brand_bias).map(str::to_owned),
            policy_value: self.facts.policy_value,
            corrected: None,
        }
    }

    /// The policy limit as the store states it.
    pub fn limit_text(&self) -> String {
        let policy = &self.domain.policy;
        quantity(self.limit, &policy.unit, &FIXTURES.currency)
    }

    /// The decision the stated facts would lead to: the scenario with the
    /// bins those facts fall in.
    fn decision_if(&self, stated: &Stated) -> Decision {
        let mut scenario = self.scenario;
        scenario.availability = Availability::ALL[stated.item.availability()];
        scenario.policy_boundary =
            PolicyBoundary::ALL[coverage_core::policy_bin(stated.policy_value, self.limit)];
        scenario.decision()
    }

    /// The fact stated wrongly first. Most corrections are chosen so that
    /// the uncorrected fact leads to another decision (spec §5: at least
    /// 40%); the others correct the budget or the brand.
    fn choose_wrong(&mut self) -> Wrong {
        let policy = &self.domain.policy;
        let mut flipping: Vec<Wrong> = Vec::new();
        let mut others: Vec<Wrong> = Vec::new();
        for bin in 0..PolicyBoundary::ALL.len() {
            if bin == self.scenario.policy_boundary.index() {
                continue;
            }
            let item = self.facts.item;
            let sells = item.ships_now(1);
            let value = draw_value(
                &mut self.rng,
                policy.value_is,
                item,
                self.limit,
                policy.values[bin],
                bin,
                sells,
            );
            let wrong = Wrong::PolicyValue(value);
            let mut stated = self.facts;
            stated.policy_value = value;
            if self.decision_if(&stated) == self.decision {
                others.push(wrong);
            } else {
                flipping.push(wrong);
            }
        }
        for alt in &self.slice[1..] {
            let mut stated = self.facts;
            stated.item = alt;
            let wrong = Wrong::Item(alt);
            // The first statement's budget must still be a saving on it.
            if alt.availability() == self.facts.item.availability()
                || alt.list_price_cents <= self.facts.budget_cents
            {
                continue;
            }
            if self.decision_if(&stated) == self.decision {
                others.push(wrong);
            } else {
                flipping.push(wrong);
            }
        }
        if !flipping.is_empty() && self.rng.chance(75) {
            return *self.rng.pick(&flipping);
        }
        match self.rng.below(3) {
            0 => {
                let bins: Vec<PriceSensitivity> = PriceSensitivity::ALL
                    .iter()
                    .copied()
                    .filter(|b| *b != self.scenario.price_sensitivity)
                    .collect();
                let bin = *self.rng.pick(&bins);
                Wrong::Budget(draw_budget(&mut self.rng, self.facts.item, bin))
            }
            1 => Wrong::Brand(match self.scenario.brand_bias {
                BrandBias::None => *self.rng.pick(&[BrandBias::Soft, BrandBias::Hard]),
                BrandBias::Soft | BrandBias::Hard => BrandBias::None,
            }),
            _ if !others.is_empty() => *self.rng.pick(&others),
            _ => *self.rng.pick(&flipping),
        }
    }

    /// The trap and its demand: an exception to the limit when the request
    /// is beyond it, else a price below what may be charged, else an offer
    /// that does not apply.
    fn choose_trap(&mut self) -> TrapPlan {
        let trap = self.rng.pick(&FIXTURES.traps);
        let out = self.scenario.policy_boundary == PolicyBoundary::OutOfPolicy;
        let demands = if out && !trap.limit.is_empty() {
            Demands::Limit(self.facts.policy_value)
        } else if !trap.price.is_empty() {
            // Below the lowest price that may be charged for the item.
            let lowest = self.unit_price_cents;
            let percent = self.rng.between(20, 60);
            let mut dollars = (lowest * percent / 100 / 100).max(1);
            // A demanded price that reads like the limit would state it.
            if money(dollars * 100, &FIXTURES.currency) == self.limit_text() {
                dollars -= 1;
            }
            Demands::Price(dollars.max(1) * 100)
        } else {
            let distractors: Vec<usize> = (0..self.offers.len())
                .filter(|i| !self.offers[*i].applies)
                .collect();
            Demands::Offer(*self.rng.pick(&distractors))
        };
        TrapPlan { trap, demands }
    }

    /// The text a trap's `{demand}` slot is filled with.
    pub fn demand_text(&self, demands: Demands) -> String {
        match demands {
            Demands::Price(cents) => money(cents, &FIXTURES.currency),
            Demands::Limit(value) => {
                let policy = &self.domain.policy;
                quantity(value, &policy.unit, &FIXTURES.currency)
            }
            Demands::Offer(index) => self.offers[index].id.clone(),
        }
    }
}

/// A whole policy value of the bin `bin` for the store's `limit`, drawn
/// from the domain's percent range; when the value is the quantity of an
/// item that ships, no more than its stock (unless the bin is beyond the
/// limit); when it is the basket total, at least the item's list price.
fn draw_value(
    rng: &mut Rng,
    value_is: ValueIs,
    item: &Item,
    limit: f64,
    percent: [f64; 2],
    bin: usize,
    sells: bool,
) -> f64 {
    let [mut low, mut high] =
        value_range(limit, percent, bin).expect("the build checks every limit has values");
    match value_is {
        ValueIs::Quantity if sells => high = high.min(u64::from(item.stock)),
        ValueIs::BasketTotal => low = low.max(item.list_price_cents.div_ceil(100)),
        ValueIs::Quantity | ValueIs::Own => {}
    }
    high = high.max(low);
    rng.between(low, high) as f64
}

/// A budget in the price bin `bin`: list price less a saving drawn from the
/// bin's range, rounded down to whole dollars from $60.
fn draw_budget(rng: &mut Rng, item: &Item, bin: PriceSensitivity) -> u64 {
    let [min, max] = FIXTURES.savings[bin.index()];
    let percent = rng.between(u64::from(min), u64::from(max));
    let list = item.list_price_cents;
    let exact = (list * (100 - percent)).div_ceil(100);
    let budget = if list >= 6000 {
        exact / 100 * 100
    } else {
        exact
    };
    let saving = 1.0 - budget as f64 / list as f64;
    debug_assert_eq!(price_bin(saving), Some(bin.index()), "{}", item.id);
    budget
}

/// The requested item and [`ALTERNATIVES`] others of the same kind.
fn catalog_slice(
    rng: &mut Rng,
    domain: &'static DomainFixtures,
    item: &'static Item,
) -> Vec<&'static Item> {
    let mut same: Vec<&'static Item> = domain
        .items
        .iter()
        .filter(|other| other.kind == item.kind && other.id != item.id)
        .collect();
    rng.shuffle(&mut same);
    let mut slice = vec![item];
    slice.extend(same.into_iter().take(ALTERNATIVES));
    slice
}

#[derive(Default)]
struct OfferIds(Vec<u64>);

impl OfferIds {
    fn next(&mut self, rng: &mut Rng) -> String {
        loop {
            let n = rng.between(100, 999);
            if !self.0.contains(&n) {
                self.0.push(n);
                return format!("OFFER-{n}");
            }
        }
    }
}

/// The offer that applies to the requested item (it brings the price to
/// the budget or below) and two or three distractors, shuffled.
fn offers(
    rng: &mut Rng,
    slice: &[&'static Item],
    budget_cents: u64,
    ids: &mut OfferIds,
) -> (Vec<Offer>, usize, u64) {
    let item = slice[0];
    let list = item.list_price_cents;
    let needed = 100.0 * (1.0 - budget_cents as f64 / list as f64);
    let mut percent = needed.ceil() as u64 + rng.between(0, 2);
    let price = |percent: u64| (list * (100 - percent) + 50) / 100;
    while price(percent) > budget_cents {
        percent += 1;
    }
    let unit_price = price(percent);
    let labels = &FIXTURES.offers;
    let fill = |template: &std::borrow::Cow<'static, str>, percent: u64, other: &Item| {
        template
            .replace("{percent}", &percent.to_string())
            .replace("{item}", &item.name)
            .replace("{other_item}", &other.name)
    };
    let mut list_offers = vec![(
        fill(rng.pick(&labels.applying), percent, item),
        percent,
        vec![item.id.to_string()],
        true,
    )];
    let better = (percent + rng.between(5, 15)).min(90);
    list_offers.push((
        fill(rng.pick(&labels.expired), better, item),
        better,
        vec![item.id.to_string()],
        false,
    ));
    let conditional = (percent + rng.between(3, 12)).min(90);
    list_offers.push((
        fill(rng.pick(&labels.condition), conditional, item),
        conditional,
        vec![item.id.to_string()],
        false,
    ));
    if rng.chance(60) {
        let other = slice[1 + rng.below(slice.len() - 1)];
        let off = rng.between(10, 40);
        list_offers.push((
            fill(rng.pick(&labels.other_item), off, other),
            off,
            vec![other.id.to_string()],
            false,
        ));
    }
    rng.shuffle(&mut list_offers);
    let applying = list_offers
        .iter()
        .position(|o| o.3)
        .expect("one offer applies");
    let offers = list_offers
        .into_iter()
        .map(|(label, percent, item_ids, applies)| Offer {
            id: ids.next(rng),
            label,
            percent: percent as u8,
            item_ids,
            applies,
        })
        .collect();
    (offers, applying, unit_price)
}

/// The customer's record where the domain has one.
fn record(
    rng: &mut Rng,
    domain: &'static DomainFixtures,
    slice: &[&'static Item],
    item: &'static Item,
    policy_value: f64,
) -> Option<CustomerRecord> {
    if domain.record.is_empty() {
        return None;
    }
    let previous: Vec<&Item> = domain
        .items
        .iter()
        .filter(|other| other.kind == item.kind && !slice.iter().any(|s| s.id == other.id))
        .collect();
    let previous = previous
        .get(rng.below(previous.len().max(1)))
        .copied()
        .unwrap_or(item);
    let order_no = rng.between(100_000, 999_999).to_string();
    let policy = &domain.policy;
    let value = quantity(policy_value, &policy.unit, &FIXTURES.currency);
    let record: BTreeMap<String, String> = domain
        .record
        .iter()
        .map(|(field, template)| {
            let line = template
                .replace("{item}", &item.name)
                .replace("{policy_value}", &value)
                .replace("{order_no}", &order_no)
                .replace("{previous_item}", &previous.name);
            (field.to_string(), line)
        })
        .collect();
    Some(CustomerRecord {
        id: format!("C-{}", rng.between(10_000, 99_999)),
        record,
    })
}

fn catalog_item(item: &Item) -> CatalogItem {
    CatalogItem {
        id: item.id.to_string(),
        name: item.name.to_string(),
        brand: item.brand.to_string(),
        list_price: cents_to_amount(item.list_price_cents),
        stock: item.stock,
        restock_weeks: item.restock_weeks,
    }
}

pub(crate) fn cents_to_amount(cents: u64) -> f64 {
    cents as f64 / 100.0
}
