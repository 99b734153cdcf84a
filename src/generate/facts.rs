//! The two worlds of one conversation (spec `scenario-content.md` §2–3):
//! the store (policy, catalogue slice, offers, customer record) and the
//! customer's facts, drawn so that the facts fall in the scenario's bins.
//! Also the one fact a user correction states wrongly first and the trap of
//! an adversarial conversation.

use std::collections::BTreeMap;

use coverage_core::{DomainFixtures, Item, Trap, ValueIs, price_bin, value_range};

use super::calendar::Day;
use super::deal::Deal;
use super::rng::Rng;
use crate::contract::dataset::{
    CatalogItem, CustomerRecord, Environment, Offer, OfferCondition, OfferReason, PolicyFacts,
    UserFacts,
};
use crate::figures::{money, quantity};
use crate::taxonomy::{
    Availability, Behavior, BrandBias, Decision, FIXTURES, PolicyBoundary, PriceSensitivity,
    Scenario,
};

/// Catalogue items in a conversation's environment besides the requested one.
const ALTERNATIVES: usize = 3;

/// The most units a low-stock item holds (`availability_bin`).
const LOW_STOCK_MOST: u32 = 9;

/// One catalogue item as this conversation's store holds it: stock and
/// restock time are drawn per conversation (spec §3), so no item name
/// predicts availability.
#[derive(Clone, Copy)]
pub(crate) struct Stocked {
    pub item: &'static Item,
    pub stock: u32,
    pub restock_weeks: Option<u32>,
}

impl Stocked {
    pub fn availability(&self) -> Availability {
        Availability::ALL[coverage_core::availability_bin(self.stock, self.restock_weeks)]
    }

    /// Whether `quantity` units can ship now.
    pub fn ships_now(&self, quantity: u32) -> bool {
        quantity >= 1 && self.stock >= quantity
    }
}

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
    /// The store's date.
    pub today: Day,
    /// The facts as finally stated (after any correction).
    pub facts: Stated,
    /// The requested item first, then the alternatives.
    pub slice: Vec<Stocked>,
    /// The order the catalogue lists `slice` in: the requested item at a
    /// uniformly drawn position.
    pub order: Vec<usize>,
    pub offers: Vec<Offer>,
    /// Index in `offers` of the best one that applies to the requested item.
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
        // When the policy limits the quantity and the item ships, the
        // quantity must fit the stock the item's bin allows.
        let stock_cap = match scenario.availability {
            Availability::LowStock => LOW_STOCK_MOST,
            _ => u32::MAX,
        };
        let fits = |limit: f64| {
            policy.value_is != ValueIs::Quantity
                || !sells
                || scenario.policy_boundary == PolicyBoundary::OutOfPolicy
                || value_range(limit, policy.values[bin], bin)
                    .is_some_and(|[min, _]| min <= u64::from(stock_cap))
        };
        let limits: Vec<f64> = policy.limits.iter().copied().filter(|l| fits(*l)).collect();
        let limit = *rng.pick(&limits);
        // Kept scenarios deal the domain's items round-robin from an offset
        // the seed draws per (domain, availability), so every item is used
        // in every availability bin.
        let candidates: Vec<&'static Item> = domain.items.iter().collect();
        let group = format!("{}.{}", scenario.domain.id(), scenario.availability.id());
        let offset = Rng::new(seed, &group, variant).below(candidates.len());
        let item = match deal.position(scenario) {
            Some(position) => candidates[(position + offset) % candidates.len()],
            None => *rng.pick(&candidates),
        };
        let cap = sells.then_some(stock_cap);
        let policy_value = draw_value(
            &mut rng,
            policy.value_is,
            item,
            limit,
            policy.values[bin],
            bin,
            cap,
        );
        let quantity = match policy.value_is {
            ValueIs::Quantity => policy_value as u32,
            ValueIs::BasketTotal => 1,
            ValueIs::Own if rng.chance(30) => rng.between(1, 3) as u32,
            ValueIs::Own => 1,
        };
        let budget_cents = draw_budget(&mut rng, item, scenario.price_sensitivity);
        let requested = Stocked::draw(&mut rng, item, scenario.availability, quantity);
        let slice = catalog_slice(&mut rng, domain, requested);
        let mut order: Vec<usize> = (0..slice.len()).collect();
        rng.shuffle(&mut order);
        let today = Day::draw(&mut rng);
        let (offers, applying, unit_price_cents) = offers(
            &mut rng,
            &slice,
            Order {
                quantity,
                budget_cents,
                today,
            },
            &mut OfferIds::default(),
        );
        let customer = record(&mut rng, domain, &slice, item, policy_value);
        let outcome_row = scenario.outcome_row();
        let decision = scenario.decision();
        let mut world = Self {
            scenario: *scenario,
            id,
            domain,
            limit,
            today,
            facts: Stated {
                item,
                budget_cents,
                brand: scenario.brand_bias,
                policy_value,
                quantity,
            },
            slice,
            order,
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

    /// The requested item as this store holds it.
    pub fn requested(&self) -> &Stocked {
        &self.slice[0]
    }

    /// `item` as this store holds it; it is in the catalogue slice.
    pub fn stocked(&self, item: &Item) -> &Stocked {
        self.slice
            .iter()
            .find(|s| s.item.id == item.id)
            .expect("stated items are in the catalogue slice")
    }

    /// Alternatives to offer, as the system prompt states the rule: the
    /// other catalogue items that have the wanted quantity in stock, cost
    /// no more than the budget at list price, and are of the same brand
    /// under a hard bias.
    pub fn alternatives(&self) -> Vec<&'static Item> {
        self.slice[1..]
            .iter()
            .filter(|alt| alt.ships_now(self.facts.quantity))
            .filter(|alt| alt.item.list_price_cents <= self.facts.budget_cents)
            .filter(|alt| {
                self.scenario.brand_bias != BrandBias::Hard
                    || alt.item.brand == self.facts.item.brand
            })
            .map(|alt| alt.item)
            .collect()
    }

    pub fn environment(&self) -> Environment {
        let policy = &self.domain.policy;
        Environment {
            today: Some(self.today.iso()),
            currency: FIXTURES.currency.to_string(),
            policy: PolicyFacts {
                id: policy.id.to_string(),
                name: policy.name.to_string(),
                limit: self.limit,
                unit: policy.unit.to_string(),
                text: policy.text.replace("{policy_limit}", &self.limit_text()),
            },
            catalog: self
                .order
                .iter()
                .map(|i| catalog_item(&self.slice[*i]))
                .collect(),
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
        scenario.availability = self.stocked(stated.item).availability();
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
            let requested = *self.requested();
            let cap = requested.ships_now(1).then_some(requested.stock);
            let value = draw_value(
                &mut self.rng,
                policy.value_is,
                item,
                self.limit,
                policy.values[bin],
                bin,
                cap,
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
        let alternatives: Vec<Stocked> = self.slice[1..].to_vec();
        for alt in alternatives {
            let mut stated = self.facts;
            stated.item = alt.item;
            let wrong = Wrong::Item(alt.item);
            // The first statement's budget must still be a saving on it,
            // and a brand the customer states (it is the first item's) must
            // still hold for the item they meant (spec §5: a correction never
            // contradicts another stated constraint).
            let stated_brand = self.scenario.brand_bias != BrandBias::None;
            if alt.availability() == self.requested().availability()
                || alt.item.list_price_cents <= self.facts.budget_cents
                || (stated_brand && alt.item.brand != self.facts.item.brand)
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
            // Coherent with the customer's own budget (40–95% of it) and
            // below the lowest price that may be charged for the item.
            let budget = self.facts.budget_cents;
            let low = (budget * 40).div_ceil(100 * 100);
            let high = (budget * 95 / 100).min(self.unit_price_cents.saturating_sub(1)) / 100;
            let mut dollars = self.rng.between(low.max(1), high.max(low.max(1)));
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
            Demands::Offer(index) => {
                let offer = &self.offers[index];
                format!("the {}% discount", offer.percent)
            }
        }
    }
}

/// A whole policy value of the bin `bin` for the store's `limit`, drawn
/// from the domain's percent range; when the value is the quantity of an
/// item that ships (`cap` is the most units it may hold), no more than
/// that; when it is the basket total, at least the item's list price.
fn draw_value(
    rng: &mut Rng,
    value_is: ValueIs,
    item: &Item,
    limit: f64,
    percent: [f64; 2],
    bin: usize,
    cap: Option<u32>,
) -> f64 {
    let [mut low, mut high] =
        value_range(limit, percent, bin).expect("the build checks every limit has values");
    match (value_is, cap) {
        (ValueIs::Quantity, Some(cap)) => high = high.min(u64::from(cap)),
        (ValueIs::BasketTotal, _) => low = low.max(item.list_price_cents.div_ceil(100)),
        (ValueIs::Quantity | ValueIs::Own, _) => {}
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

/// The requested item and [`ALTERNATIVES`] others of the same kind, each
/// in an availability bin drawn uniformly.
fn catalog_slice(
    rng: &mut Rng,
    domain: &'static DomainFixtures,
    requested: Stocked,
) -> Vec<Stocked> {
    let mut same: Vec<&'static Item> = domain
        .items
        .iter()
        .filter(|other| other.kind == requested.item.kind && other.id != requested.item.id)
        .collect();
    rng.shuffle(&mut same);
    let mut slice = vec![requested];
    for item in same.into_iter().take(ALTERNATIVES) {
        let bin = Availability::ALL[rng.below(Availability::ALL.len())];
        slice.push(Stocked::draw(rng, item, bin, 1));
    }
    slice
}

impl Stocked {
    /// `item` with a stock in the bin `bin` that holds at least `units`
    /// when it holds any (a low-stock bin allows at most
    /// [`LOW_STOCK_MOST`]; the caller keeps `units` under that).
    fn draw(rng: &mut Rng, item: &'static Item, bin: Availability, units: u32) -> Self {
        let units = u64::from(units.max(1));
        let (stock, restock_weeks) = match bin {
            Availability::InStock => {
                let least = units.max(10);
                (rng.between(least, least + 190), None)
            }
            Availability::LowStock => (rng.between(units.min(9), u64::from(LOW_STOCK_MOST)), None),
            Availability::Backorder => (0, Some(rng.between(1, 8) as u32)),
            Availability::OutOfStock => (0, None),
        };
        Self {
            item,
            stock: stock as u32,
            restock_weeks,
        }
    }
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

/// What an offer's conditions are judged against.
#[derive(Clone, Copy)]
struct Order {
    quantity: u32,
    budget_cents: u64,
    today: Day,
}

/// One offer before it gets its id.
struct Draft {
    label: String,
    percent: u64,
    item_ids: Vec<String>,
    valid: [Day; 2],
    condition: Option<OfferCondition>,
    reason: OfferReason,
}

/// The offers of a conversation, shuffled: the best one that applies (it
/// brings the requested item to the budget or below), sometimes a smaller
/// one that applies too, and two or three distractors with a larger
/// percent that each fail on one thing the prompt shows: the dates, the
/// item or the condition. Returns the offers, the index of the best and
/// the unit price it gives.
fn offers(
    rng: &mut Rng,
    slice: &[Stocked],
    order: Order,
    ids: &mut OfferIds,
) -> (Vec<Offer>, usize, u64) {
    let item = slice[0].item;
    let list = item.list_price_cents;
    let needed = 100.0 * (1.0 - order.budget_cents as f64 / list as f64);
    let mut best = needed.ceil() as u64 + rng.between(0, 2);
    let price = |percent: u64| (list * (100 - percent) + 50) / 100;
    while price(best) > order.budget_cents {
        best += 1;
    }
    let labels = &FIXTURES.offers;
    let texts = |lists: &[&'static [std::borrow::Cow<'static, str>]]| -> Vec<&'static str> {
        lists
            .iter()
            .flat_map(|list| list.iter().map(|t| t.as_ref()))
            .collect()
    };
    // Every label on the requested item reads alike: whether an offer
    // applies follows from its dates and condition, never from its words.
    let on_item = texts(&[&labels.applying, &labels.expired]);
    let conditional = texts(&[&labels.condition]);
    let other_item = texts(&[&labels.other_item]);
    let fill = |template: &str, percent: u64, other: &Item| {
        template
            .replace("{percent}", &percent.to_string())
            .replace("{item}", &item.name)
            .replace("{other_item}", &other.name)
    };
    let current = |rng: &mut Rng| {
        [
            order.today.plus(-(rng.between(1, 90) as i64)),
            order.today.plus(rng.between(0, 60) as i64),
        ]
    };
    let mut drafts = vec![Draft {
        label: fill(one(rng, &on_item), best, item),
        percent: best,
        item_ids: vec![item.id.to_string()],
        valid: current(rng),
        condition: (order.quantity >= 2 && rng.chance(35)).then(|| {
            let least = rng_between_u32(rng, 2, order.quantity);
            condition(rng, least)
        }),
        reason: OfferReason::Applies,
    }];
    if best >= 4 && rng.chance(50) {
        let smaller = rng.between(best / 3, best - 1);
        drafts.push(Draft {
            label: fill(one(rng, &on_item), smaller, item),
            percent: smaller,
            item_ids: vec![item.id.to_string()],
            valid: current(rng),
            condition: None,
            reason: OfferReason::Applies,
        });
    }
    let mut failures = [
        OfferReason::Expired,
        OfferReason::NotYetValid,
        OfferReason::ConditionNotMet,
        OfferReason::OtherItem,
    ];
    rng.shuffle(&mut failures);
    let count = rng.between(2, 3) as usize;
    for reason in failures.into_iter().take(count) {
        // More tempting than the best offer, so taking the largest percent
        // without reading the dates, items and conditions fails.
        let larger = rng.between(best + 1, (best + 15).min(90));
        let draft = match reason {
            OfferReason::Expired => {
                let until = order.today.plus(-(rng.between(1, 60) as i64));
                Draft {
                    label: fill(one(rng, &on_item), larger, item),
                    percent: larger,
                    item_ids: vec![item.id.to_string()],
                    valid: [until.plus(-(rng.between(7, 60) as i64)), until],
                    condition: None,
                    reason,
                }
            }
            OfferReason::NotYetValid => {
                let from = order.today.plus(rng.between(1, 30) as i64);
                Draft {
                    label: fill(one(rng, &on_item), larger, item),
                    percent: larger,
                    item_ids: vec![item.id.to_string()],
                    valid: [from, from.plus(rng.between(7, 60) as i64)],
                    condition: None,
                    reason,
                }
            }
            OfferReason::ConditionNotMet => {
                let least = order.quantity + rng_between_u32(rng, 1, 3);
                Draft {
                    label: fill(one(rng, &conditional), larger, item),
                    percent: larger,
                    item_ids: vec![item.id.to_string()],
                    valid: current(rng),
                    condition: Some(condition(rng, least)),
                    reason,
                }
            }
            OfferReason::OtherItem | OfferReason::Applies => {
                let other = slice[1 + rng.below(slice.len() - 1)].item;
                let off = rng.between(10, 40);
                Draft {
                    label: fill(one(rng, &other_item), off, other),
                    percent: off,
                    item_ids: vec![other.id.to_string()],
                    valid: current(rng),
                    condition: None,
                    reason: OfferReason::OtherItem,
                }
            }
        };
        drafts.push(draft);
    }
    rng.shuffle(&mut drafts);
    let applying = drafts
        .iter()
        .position(|d| d.reason == OfferReason::Applies && d.percent == best)
        .expect("the best offer is among them");
    let offers = drafts
        .into_iter()
        .map(|draft| Offer {
            id: ids.next(rng),
            label: draft.label,
            percent: draft.percent as u8,
            item_ids: draft.item_ids,
            valid_from: Some(draft.valid[0].iso()),
            valid_until: Some(draft.valid[1].iso()),
            condition: draft.condition,
            applies: draft.reason == OfferReason::Applies,
            reason: Some(draft.reason),
        })
        .collect();
    (offers, applying, price(best))
}

/// One of `texts`, uniformly.
fn one(rng: &mut Rng, texts: &[&'static str]) -> &'static str {
    texts[rng.below(texts.len())]
}

fn rng_between_u32(rng: &mut Rng, min: u32, max: u32) -> u32 {
    rng.between(u64::from(min), u64::from(max)) as u32
}

/// A minimum-quantity condition, worded as the store words it.
fn condition(rng: &mut Rng, min_quantity: u32) -> OfferCondition {
    let text = match rng.below(3) {
        0 => format!("orders of {min_quantity} or more units of the item"),
        1 => format!("when buying at least {min_quantity} units"),
        _ => format!("minimum {min_quantity} units per order"),
    };
    OfferCondition { min_quantity, text }
}

/// The customer's record: the domain's lines where it has some, else
/// how long they have been a customer. Every store knows its customer, and
/// a record in every conversation keeps every row of every file one shape
/// (spec §8).
fn record(
    rng: &mut Rng,
    domain: &'static DomainFixtures,
    slice: &[Stocked],
    item: &'static Item,
    policy_value: f64,
) -> Option<CustomerRecord> {
    if domain.record.is_empty() {
        let since = rng.between(2012, 2025);
        return Some(CustomerRecord {
            id: format!("C-{}", rng.between(10_000, 99_999)),
            record: BTreeMap::from([("account".to_owned(), format!("customer since {since}"))]),
        });
    }
    let previous: Vec<&Item> = domain
        .items
        .iter()
        .filter(|other| other.kind == item.kind && !slice.iter().any(|s| s.item.id == other.id))
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

fn catalog_item(stocked: &Stocked) -> CatalogItem {
    let item = stocked.item;
    CatalogItem {
        id: item.id.to_string(),
        name: item.name.to_string(),
        brand: item.brand.to_string(),
        list_price: cents_to_amount(item.list_price_cents),
        stock: stocked.stock,
        restock_weeks: stocked.restock_weeks,
    }
}

pub(crate) fn cents_to_amount(cents: u64) -> f64 {
    cents as f64 / 100.0
}
