//! Reading and checking the conversation fixtures a taxonomy names. Every
//! list keyed by bins must cover exactly the bins of its axis, every domain
//! needs a catalogue of at least [`MIN_ITEMS_PER_BIN`] items per
//! availability bin whose stock agrees with the bin, policy value ranges
//! must lie inside their bins, and every `{slot}` in a phrasing must be one
//! the generator fills there (a user phrasing may not state a store fact).

use std::borrow::Cow;
use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::Diagnostic;
use crate::fixtures::{
    ASK_SLOT, AVAILABILITY_AXIS, AVAILABILITY_BINS, AssistantPhrasings, BRAND_AXIS,
    BRAND_CLAUSE_SLOT, Corrections, DEMAND_SLOT, DomainFixtures, FROM_SLOT, Fixtures, Item,
    MIN_ITEMS_PER_BIN, OFFER_SLOTS, OfferLabels, POLICY_AXIS, POLICY_BINS, POLICY_TEXT_SLOTS,
    PRICE_AXIS, Policy, RECORD_SLOTS, STORE_SLOTS, Trap, USER_SLOTS, UserPhrasings, ValueIs,
    availability_bin, value_range,
};
use crate::model::{Entry, Taxonomy};
use crate::parse::{IdStyle, Names, Position, Resolver, yaml_error};

type Texts = Names;
type Keyed<T> = Spanned<IndexMap<Spanned<String>, T>>;
type Resolved = Cow<'static, [Cow<'static, str>]>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixtures {
    currency: Spanned<String>,
    savings: Keyed<Spanned<[u8; 2]>>,
    user: RawUser,
    assistant: RawAssistant,
    corrections: RawCorrections,
    traps: Keyed<RawTrap>,
    offers: RawOffers,
    rationales: Keyed<Spanned<String>>,
    domains: Keyed<RawDomain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    price: Keyed<Texts>,
    brand: Keyed<Texts>,
    quantity: RawQuantity,
    closing: Texts,
    requirements: Texts,
    policy_requirements: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuantity {
    single: Texts,
    several: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssistant {
    clarify: Texts,
    acknowledge: Texts,
    acknowledge_details: Texts,
    acknowledge_correction: Texts,
    hold: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorrections {
    budget: Texts,
    brand: Texts,
    policy_value: Texts,
    item: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrap {
    #[serde(default)]
    price: Option<Texts>,
    #[serde(default)]
    limit: Option<Texts>,
    #[serde(default)]
    offer: Option<Texts>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffers {
    applying: Texts,
    expired: Texts,
    other_item: Texts,
    condition: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    policy: RawPolicy,
    ask: Texts,
    #[serde(default)]
    record: Option<Keyed<Spanned<String>>>,
    items: Keyed<Spanned<Vec<RawItem>>>,
    requests: Texts,
    openings: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    name: String,
    limits: Spanned<Vec<f64>>,
    unit: String,
    text: Spanned<String>,
    #[serde(default)]
    value_is: Option<Spanned<String>>,
    values: Keyed<Spanned<[f64; 2]>>,
    phrasings: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    name: Spanned<String>,
    kind: String,
    brand: String,
    list_price: Spanned<f64>,
    stock: Spanned<u32>,
    restock_weeks: Option<u32>,
}

/// Parses the fixtures file `file` against `taxonomy`; `None` when any
/// error was found (all of them are in the returned diagnostics).
pub(crate) fn parse_fixtures(
    file: &str,
    source: &str,
    taxonomy: &Taxonomy,
) -> (Option<Fixtures>, Vec<Diagnostic>) {
    let mut checker = Checker {
        resolver: Resolver {
            file,
            errors: Vec::new(),
        },
        taxonomy,
    };
    let raw: RawFixtures = match serde_saphyr::from_str(source) {
        Ok(raw) => raw,
        Err(error) => {
            let (at, message) = yaml_error(&error);
            checker.resolver.report(at, None, message);
            return (None, checker.resolver.errors);
        }
    };
    let fixtures = checker.fixtures(&raw);
    let errors = checker.resolver.errors;
    (fixtures.filter(|_| errors.is_empty()), errors)
}

struct Checker<'a> {
    resolver: Resolver<'a>,
    taxonomy: &'a Taxonomy,
}

/// `base` and `extra` slots.
fn slots(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(extra).copied().collect()
}

impl Checker<'_> {
    fn error(&mut self, at: Position, subject: Option<String>, message: String) {
        self.resolver.report(at, subject, message);
    }

    fn fixtures(&mut self, raw: &RawFixtures) -> Option<Fixtures> {
        let price = self.axis_bins(PRICE_AXIS, (&raw.savings).into());
        let brand = self.axis_bins(BRAND_AXIS, (&raw.user.brand).into());
        let availability = self.axis_bins(AVAILABILITY_AXIS, (&raw.domains).into());
        let policy = self.axis_bins(POLICY_AXIS, (&raw.domains).into());
        let (price, brand, availability, policy) = (price?, brand?, availability?, policy?);
        self.bins_are(
            &availability,
            &AVAILABILITY_BINS,
            AVAILABILITY_AXIS,
            &raw.domains,
        );
        self.bins_are(&policy, &POLICY_BINS, POLICY_AXIS, &raw.domains);
        let savings = self.savings(&raw.savings, &price);
        let user_slots = USER_SLOTS.to_vec();
        let store_slots = slots(USER_SLOTS, STORE_SLOTS);
        let user = self.user(&raw.user, &price, &brand);
        let assistant = self.assistant(&raw.assistant);
        let c = &raw.corrections;
        let from = slots(USER_SLOTS, &[FROM_SLOT]);
        let corrections = (|| {
            Some(Corrections {
                budget: self.texts(&c.budget, "corrections.budget", &from)?,
                brand: self.texts(
                    &c.brand,
                    "corrections.brand",
                    &slots(USER_SLOTS, &[BRAND_CLAUSE_SLOT]),
                )?,
                policy_value: self.texts(&c.policy_value, "corrections.policy_value", &from)?,
                item: self.texts(&c.item, "corrections.item", &from)?,
            })
        })();
        let traps = self.traps(&raw.traps);
        let o = &raw.offers;
        let offers = [
            (&o.applying, "offers.applying"),
            (&o.expired, "offers.expired"),
            (&o.other_item, "offers.other_item"),
            (&o.condition, "offers.condition"),
        ]
        .map(|(texts, what)| self.texts(texts, what, OFFER_SLOTS));
        let rows: Vec<Entry> = self
            .taxonomy
            .outcomes
            .iter()
            .map(|row| key_entry(&row.id))
            .collect();
        let rationales = self
            .by_bins(&raw.rationales, &rows, "rationales")
            .map(|list| {
                list.iter()
                    .map(|text| {
                        self.check_slots(text, "rationales", &store_slots);
                        Cow::Owned(text.value.clone())
                    })
                    .collect::<Vec<_>>()
            });
        let domains = self.domains(&raw.domains, &user_slots);
        let [applying, expired, other_item, condition] = offers;
        Some(Fixtures {
            currency: raw.currency.value.clone().into(),
            savings: savings?.into(),
            user: user?,
            assistant: assistant?,
            corrections: corrections?,
            traps: traps?.into(),
            offers: OfferLabels {
                applying: applying?,
                expired: expired?,
                other_item: other_item?,
                condition: condition?,
            },
            rationales: rationales?.into(),
            domains: domains?.into(),
        })
    }

    /// The taxonomy's bins of `axis` must be exactly `expected`, in order:
    /// the generator computes bins from facts by these rules.
    fn bins_are<T>(&mut self, bins: &[Entry], expected: &[&str], axis: &str, at: &Spanned<T>) {
        let ids: Vec<&str> = bins.iter().map(|e| e.id.as_ref()).collect();
        if ids != expected {
            let message = format!(
                "fixtures compute the {axis} bins {} from facts; the taxonomy has {}",
                expected.join(", "),
                ids.join(", ")
            );
            self.error(at.into(), Some(format!("axis '{axis}'")), message);
        }
    }

    /// Saving ranges inside their price bins (spec §3), with room for a
    /// budget rounded down to whole dollars (under 2 points).
    fn savings(&mut self, raw: &Keyed<Spanned<[u8; 2]>>, bins: &[Entry]) -> Option<Vec<[u8; 2]>> {
        let ranges = self.by_bins(raw, bins, "savings")?;
        // (lowest allowed min, highest allowed max) per bin, in percent.
        let allowed = [(1, 8), (11, 27), (30, 90)];
        let mut ok = true;
        for ((range, bin), (low, high)) in ranges.iter().zip(bins).zip(allowed) {
            let [min, max] = range.value;
            if min > max || min < low || max > high {
                self.error(
                    (*range).into(),
                    Some("savings".into()),
                    format!(
                        "[{min}, {max}] for '{}' leaves its bin: use whole percents in [{low}, {high}] (low 0 < s <= 10%, medium 10% < s < 30%, high s >= 30%, less the rounding of a budget to whole dollars)",
                        bin.id
                    ),
                );
                ok = false;
            }
        }
        ok.then(|| ranges.iter().map(|r| r.value).collect())
    }

    fn user(&mut self, raw: &RawUser, price: &[Entry], brand: &[Entry]) -> Option<UserPhrasings> {
        let price = self.texts_by_bins(&raw.price, price, "user.price", USER_SLOTS);
        let brand = self.texts_by_bins(&raw.brand, brand, "user.brand", USER_SLOTS);
        let single = self.texts(&raw.quantity.single, "user.quantity.single", USER_SLOTS);
        let several = self.texts(&raw.quantity.several, "user.quantity.several", USER_SLOTS);
        let closing = self.texts(&raw.closing, "user.closing", USER_SLOTS);
        let requirements = self.texts(&raw.requirements, "user.requirements", USER_SLOTS);
        let policy_requirements = self.texts(
            &raw.policy_requirements,
            "user.policy_requirements",
            USER_SLOTS,
        );
        Some(UserPhrasings {
            price: price?.into(),
            brand: brand?.into(),
            single: single?,
            several: several?,
            closing: closing?,
            requirements: requirements?,
            policy_requirements: policy_requirements?,
        })
    }

    fn assistant(&mut self, raw: &RawAssistant) -> Option<AssistantPhrasings> {
        let store = slots(USER_SLOTS, STORE_SLOTS);
        let clarify = self.texts(&raw.clarify, "assistant.clarify", &store);
        let acknowledge = self.texts(&raw.acknowledge, "assistant.acknowledge", &store);
        let details = self.texts(
            &raw.acknowledge_details,
            "assistant.acknowledge_details",
            &slots(&store, &[ASK_SLOT]),
        );
        let correction = self.texts(
            &raw.acknowledge_correction,
            "assistant.acknowledge_correction",
            &slots(&store, &[FROM_SLOT]),
        );
        let hold = self.texts(&raw.hold, "assistant.hold", &store);
        Some(AssistantPhrasings {
            clarify: clarify?,
            acknowledge: acknowledge?,
            acknowledge_details: details?,
            acknowledge_correction: correction?,
            hold: hold?,
        })
    }

    /// The bins of a taxonomy axis the fixtures rely on.
    fn axis_bins(&mut self, axis: &str, at: Position) -> Option<Vec<Entry>> {
        match self.taxonomy.axis_index(axis) {
            Some(index) => Some(self.taxonomy.axes[index].bins.to_vec()),
            None => {
                self.error(
                    at,
                    None,
                    format!("fixtures need the taxonomy axis '{axis}', which it does not have"),
                );
                None
            }
        }
    }

    /// The values of `map` in the order of `keys`, reporting unknown and
    /// missing keys.
    fn by_bins<'m, T>(
        &mut self,
        map: &'m Keyed<T>,
        keys: &[Entry],
        what: &str,
    ) -> Option<Vec<&'m T>> {
        let valid: Vec<&str> = keys.iter().map(|k| k.id.as_ref()).collect();
        let mut ok = true;
        for key in map.value.keys() {
            if !valid.contains(&key.value.as_str()) {
                self.error(
                    key.into(),
                    Some(what.to_owned()),
                    format!("unknown key '{}'; valid: {}", key.value, valid.join(", ")),
                );
                ok = false;
            }
        }
        let mut values = Vec::new();
        for key in &valid {
            match map.value.iter().find(|(k, _)| k.value == *key) {
                Some((_, value)) => values.push(value),
                None => {
                    self.error(
                        map.into(),
                        Some(what.to_owned()),
                        format!(
                            "'{key}' is missing; every one of {} needs an entry",
                            valid.join(", ")
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(values)
    }

    fn texts_by_bins(
        &mut self,
        map: &Keyed<Texts>,
        bins: &[Entry],
        what: &str,
        filled: &[&str],
    ) -> Option<Vec<Resolved>> {
        let lists = self.by_bins(map, bins, what)?;
        let resolved: Vec<_> = lists
            .into_iter()
            .zip(bins)
            .map(|(texts, bin)| self.texts(texts, &format!("{what}.{}", bin.id), filled))
            .collect();
        resolved.into_iter().collect()
    }

    /// A non-empty list of phrasings where the generator fills the slots
    /// `filled`.
    fn texts(&mut self, texts: &Texts, what: &str, filled: &[&str]) -> Option<Resolved> {
        if texts.value.is_empty() {
            self.error(
                texts.into(),
                Some(what.to_owned()),
                "is empty; give at least one phrasing".into(),
            );
            return None;
        }
        for text in &texts.value {
            self.check_slots(text, what, filled);
        }
        Some(
            texts
                .value
                .iter()
                .map(|t| Cow::Owned(t.value.clone()))
                .collect::<Vec<_>>()
                .into(),
        )
    }

    /// Reports every `{slot}` of `text` the generator does not fill there;
    /// a store fact in a user phrasing says so.
    fn check_slots(&mut self, text: &Spanned<String>, what: &str, filled: &[&str]) {
        let mut rest = text.value.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                self.error(
                    text.into(),
                    Some(what.to_owned()),
                    "has a '{' without a closing '}'".into(),
                );
                return;
            };
            let slot = &after[..close];
            if !filled.contains(&slot) {
                let why = if STORE_SLOTS.contains(&slot) {
                    " (a store fact: the customer does not know it)"
                } else {
                    ""
                };
                self.error(
                    text.into(),
                    Some(what.to_owned()),
                    format!(
                        "unknown slot '{{{slot}}}'{why}; the generator fills here: {}",
                        filled.join(", ")
                    ),
                );
            }
            rest = &after[close + 1..];
        }
    }

    fn traps(&mut self, traps: &Keyed<RawTrap>) -> Option<Vec<Trap>> {
        if traps.value.is_empty() {
            self.error(
                traps.into(),
                Some("traps".into()),
                "is empty; list at least one trap".into(),
            );
            return None;
        }
        let filled = slots(USER_SLOTS, &[DEMAND_SLOT]);
        let mut list = Vec::new();
        let mut ok = true;
        for (id, raw) in &traps.value {
            self.resolver.check_id(id, "trap", IdStyle::Snake);
            let mut demand = |texts: &Option<Texts>, kind: &str| match texts {
                Some(texts) => self.texts(texts, &format!("traps.{}.{kind}", id.value), &filled),
                None => Some(Cow::Borrowed(&[][..])),
            };
            let (price, limit, offer) = (
                demand(&raw.price, "price"),
                demand(&raw.limit, "limit"),
                demand(&raw.offer, "offer"),
            );
            match (price, limit, offer) {
                (Some(price), Some(limit), Some(offer)) => {
                    if price.is_empty() && limit.is_empty() && offer.is_empty() {
                        self.error(
                            id.into(),
                            Some(format!("trap '{}'", id.value)),
                            "demands nothing; give phrasings for at least one of price, limit, offer".into(),
                        );
                        ok = false;
                    }
                    list.push(Trap {
                        id: id.value.clone().into(),
                        price,
                        limit,
                        offer,
                    });
                }
                _ => ok = false,
            }
        }
        ok.then_some(list)
    }

    fn domains(
        &mut self,
        raw: &Keyed<RawDomain>,
        user_slots: &[&str],
    ) -> Option<Vec<DomainFixtures>> {
        let domains = self.by_bins(raw, &self.taxonomy.domains, "domains")?;
        let ids: Vec<String> = self
            .taxonomy
            .domains
            .iter()
            .map(|d| d.id.to_string())
            .collect();
        let mut seen_items: BTreeMap<String, String> = BTreeMap::new();
        let resolved: Vec<Option<DomainFixtures>> = domains
            .into_iter()
            .zip(&ids)
            .map(|(domain, id)| self.domain(domain, id, user_slots, &mut seen_items))
            .collect();
        resolved.into_iter().collect()
    }

    fn domain(
        &mut self,
        raw: &RawDomain,
        id: &str,
        user_slots: &[&str],
        seen_items: &mut BTreeMap<String, String>,
    ) -> Option<DomainFixtures> {
        let subject = format!("domain '{id}'");
        let policy = self.policy(&raw.policy, &subject, user_slots);
        let items = self.items(&raw.items, &subject, seen_items);
        let store = slots(USER_SLOTS, STORE_SLOTS);
        let ask = self.phrasings(&raw.ask, &format!("{subject} ask"), &store);
        let requests = self.phrasings(&raw.requests, &format!("{subject} requests"), user_slots);
        let openings = self.phrasings(&raw.openings, &format!("{subject} openings"), user_slots);
        let mut record = Vec::new();
        for (field, text) in raw.record.iter().flat_map(|r| r.value.iter()) {
            self.check_slots(
                text,
                &format!("{subject} record.{}", field.value),
                RECORD_SLOTS,
            );
            record.push((
                Cow::Owned(field.value.clone()),
                Cow::Owned(text.value.clone()),
            ));
        }
        if let Some(openings) = &openings {
            // An ambiguous opening must not name the item it is about.
            for (text, raw_text) in openings.iter().zip(&raw.openings.value) {
                if text.contains("{item}") {
                    self.error(
                        raw_text.into(),
                        Some(format!("{subject} openings")),
                        "names '{item}'; an ambiguous opening says only the kind ('{item_kind}')"
                            .into(),
                    );
                }
            }
        }
        Some(DomainFixtures {
            policy: policy?,
            ask: ask?,
            record: record.into(),
            items: items?.into(),
            requests: requests?,
            openings: openings?,
        })
    }

    /// Several phrasings of one intent: at least two, for variety.
    fn phrasings(&mut self, texts: &Texts, what: &str, filled: &[&str]) -> Option<Resolved> {
        if texts.value.len() == 1 {
            self.error(
                texts.into(),
                Some(what.to_owned()),
                "has one phrasing; give at least two so conversations vary".into(),
            );
        }
        self.texts(texts, what, filled)
    }

    fn policy(&mut self, raw: &RawPolicy, subject: &str, user_slots: &[&str]) -> Option<Policy> {
        self.resolver.check_id(&raw.id, "policy", IdStyle::Snake);
        let bins: Vec<Entry> = POLICY_BINS.iter().map(|b| key_entry(b)).collect();
        let values = self.by_bins(&raw.values, &bins, &format!("{subject} policy values"))?;
        let limits = &raw.limits.value;
        if limits.is_empty() || limits.iter().any(|l| *l <= 0.0 || l.fract() != 0.0) {
            self.error(
                (&raw.limits).into(),
                Some(subject.to_owned()),
                format!("limits {limits:?} must be a non-empty list of positive whole numbers"),
            );
            return None;
        }
        // Percent ranges inside their bins: within < 80 <= near <= 100 < out.
        let allowed = [(0.0, 79.99), (80.0, 100.0), (100.01, 10_000.0)];
        let mut ok = true;
        for (bin, range) in values.iter().enumerate() {
            let [min, max] = range.value;
            let (low, high) = allowed[bin];
            let mut problem = (min > max || min < low || max > high).then(|| {
                format!(
                    "percents [{min}, {max}] of the limit leave '{}': within < 80 <= near <= 100 < out",
                    POLICY_BINS[bin]
                )
            });
            if problem.is_none()
                && let Some(limit) = limits
                    .iter()
                    .find(|limit| value_range(**limit, range.value, bin).is_none())
            {
                problem = Some(format!(
                    "percents [{min}, {max}] hold no whole value in '{}' for the limit {limit}",
                    POLICY_BINS[bin]
                ));
            }
            if let Some(message) = problem {
                self.error((*range).into(), Some(subject.to_owned()), message);
                ok = false;
            }
        }
        let value_is = match raw.value_is.as_ref().map(|v| v.value.as_str()) {
            None | Some("own") => ValueIs::Own,
            Some("quantity") => ValueIs::Quantity,
            Some("basket_total") => ValueIs::BasketTotal,
            Some(other) => {
                let at = raw
                    .value_is
                    .as_ref()
                    .map_or((&raw.id).into(), Position::from);
                self.error(
                    at,
                    Some(subject.to_owned()),
                    format!("unknown value_is '{other}'; valid: own, quantity, basket_total"),
                );
                return None;
            }
        };
        self.check_slots(
            &raw.text,
            &format!("{subject} policy text"),
            POLICY_TEXT_SLOTS,
        );
        if !raw.text.value.contains("{policy_limit}") {
            self.error(
                (&raw.text).into(),
                Some(subject.to_owned()),
                "the policy text must state the limit as '{policy_limit}'".into(),
            );
        }
        let phrasings = self.phrasings(
            &raw.phrasings,
            &format!("{subject} policy phrasings"),
            user_slots,
        )?;
        for (text, raw_text) in phrasings.iter().zip(&raw.phrasings.value) {
            if !text.contains("{policy_value}") {
                self.error(
                    raw_text.into(),
                    Some(format!("{subject} policy phrasings")),
                    "does not state '{policy_value}', the customer's fact the policy limits".into(),
                );
            }
        }
        ok.then_some(())?;
        Some(Policy {
            id: raw.id.value.clone().into(),
            name: raw.name.clone().into(),
            limits: limits.clone().into(),
            unit: raw.unit.clone().into(),
            text: raw.text.value.clone().into(),
            value_is,
            values: values.iter().map(|v| v.value).collect::<Vec<_>>().into(),
            phrasings,
        })
    }

    fn items(
        &mut self,
        raw: &Keyed<Spanned<Vec<RawItem>>>,
        subject: &str,
        seen: &mut BTreeMap<String, String>,
    ) -> Option<Vec<Item>> {
        let bins: Vec<Entry> = AVAILABILITY_BINS.iter().map(|b| key_entry(b)).collect();
        let groups = self.by_bins(raw, &bins, &format!("{subject} items"))?;
        let mut items = Vec::new();
        let mut ok = true;
        for (bin, group) in groups.iter().enumerate() {
            let name = AVAILABILITY_BINS[bin];
            if group.value.len() < MIN_ITEMS_PER_BIN {
                self.error(
                    (*group).into(),
                    Some(subject.to_owned()),
                    format!(
                        "has {} {name} items; every availability bin needs at least {MIN_ITEMS_PER_BIN} so conversations vary",
                        group.value.len()
                    ),
                );
                ok = false;
            }
            for item in &group.value {
                self.resolver.check_id(&item.id, "item", IdStyle::Kebab);
                if let Some(other) = seen.insert(item.id.value.clone(), subject.to_owned()) {
                    self.error(
                        (&item.id).into(),
                        Some(subject.to_owned()),
                        format!("item id '{}' is already used in {other}", item.id.value),
                    );
                    ok = false;
                }
                let cents = (item.list_price.value * 100.0).round();
                if !(1.0..1e12).contains(&cents) {
                    self.error(
                        (&item.list_price).into(),
                        Some(subject.to_owned()),
                        format!(
                            "list price {} of '{}' must be positive",
                            item.list_price.value, item.name.value
                        ),
                    );
                    ok = false;
                    continue;
                }
                let actual = availability_bin(item.stock.value, item.restock_weeks);
                if actual != bin || (item.stock.value > 0 && item.restock_weeks.is_some()) {
                    self.error(
                        (&item.stock).into(),
                        Some(subject.to_owned()),
                        format!(
                            "item '{}' is listed as {name} but its stock {} (restock_weeks {}) makes it {}: stock 10+ in_stock, 1-9 low_stock, 0 with restock_weeks backorder, 0 without out_of_stock",
                            item.id.value,
                            item.stock.value,
                            item.restock_weeks
                                .map_or("none".to_owned(), |w| w.to_string()),
                            if item.stock.value > 0 && item.restock_weeks.is_some() {
                                "contradictory (restock_weeks applies only to stock 0)"
                            } else {
                                AVAILABILITY_BINS[actual]
                            }
                        ),
                    );
                    ok = false;
                }
                items.push(Item {
                    id: item.id.value.clone().into(),
                    name: item.name.value.clone().into(),
                    kind: item.kind.clone().into(),
                    brand: item.brand.clone().into(),
                    list_price_cents: cents as u64,
                    stock: item.stock.value,
                    restock_weeks: item.restock_weeks,
                });
            }
        }
        // A hard brand bias on an item that cannot ship needs a same-brand
        // alternative that can.
        let mut brands: BTreeMap<&str, (usize, bool)> = BTreeMap::new();
        for item in &items {
            let entry = brands.entry(item.brand.as_ref()).or_default();
            entry.0 += 1;
            entry.1 |= item.stock > 0;
        }
        for (brand, (count, ships)) in &brands {
            if *count < 2 || !ships {
                self.error(
                    raw.into(),
                    Some(subject.to_owned()),
                    format!(
                        "brand '{brand}' has {count} item(s){}; every brand needs at least two, one of them in stock, so a hard brand bias has a same-brand alternative",
                        if *ships { "" } else { ", none in stock" }
                    ),
                );
                ok = false;
            }
        }
        ok.then_some(items)
    }
}

fn key_entry(id: &str) -> Entry {
    Entry {
        id: id.to_owned().into(),
        label: Cow::Borrowed(""),
        description: Cow::Borrowed(""),
    }
}
