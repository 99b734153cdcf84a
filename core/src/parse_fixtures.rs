//! Reading and checking the conversation fixtures a taxonomy names. Every
//! list keyed by bins must cover exactly the bins of its axis, every domain
//! needs fixtures, and every `{slot}` in a phrasing must be one the
//! generator fills.

use std::borrow::Cow;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::Diagnostic;
use crate::fixtures::{
    AVAILABILITY_AXIS, AVAILABILITY_BINS, BRAND_AXIS, BRAND_CORRECTION_SLOT, DomainFixtures,
    Fixtures, Item, POLICY_AXIS, PRICE_AXIS, PRICE_CORRECTION_SLOT, Policy, SLOTS, Trap,
};
use crate::model::{Entry, Taxonomy};
use crate::parse::{IdStyle, Names, Position, Resolver, yaml_error};

type Texts = Names;
type Keyed<T> = Spanned<IndexMap<Spanned<String>, T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixtures {
    currency: Spanned<String>,
    savings: Keyed<Spanned<u8>>,
    clauses: Keyed<Keyed<Texts>>,
    assistant: RawAssistant,
    corrections: Keyed<Texts>,
    traps: Keyed<Texts>,
    rationales: Keyed<Spanned<String>>,
    offers: Keyed<Texts>,
    requirements: RawRequirements,
    domains: Keyed<RawDomain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirements {
    availability: Keyed<Texts>,
    policy: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssistant {
    clarify: Texts,
    acknowledge: Texts,
    acknowledge_details: Texts,
    acknowledge_correction: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    policy: RawPolicy,
    items: Spanned<Vec<RawItem>>,
    requests: Texts,
    openings: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    name: String,
    limit: Spanned<f64>,
    unit: String,
    values: Keyed<Spanned<f64>>,
    phrasings: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    name: Spanned<String>,
    kind: String,
    brand: String,
    list_price: Spanned<f64>,
    stock: u32,
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

impl Checker<'_> {
    fn error(&mut self, at: Position, subject: Option<String>, message: String) {
        self.resolver.report(at, subject, message);
    }

    fn fixtures(&mut self, raw: &RawFixtures) -> Option<Fixtures> {
        let price = self.axis_bins(PRICE_AXIS, (&raw.savings).into());
        let brand = self.axis_bins(BRAND_AXIS, (&raw.clauses).into());
        let availability = self.axis_bins(AVAILABILITY_AXIS, (&raw.clauses).into());
        let policy = self.axis_bins(POLICY_AXIS, (&raw.domains).into());
        let (price, brand, availability, policy) = (price?, brand?, availability?, policy?);
        let available_ids: Vec<&str> = availability.iter().map(|e| e.id.as_ref()).collect();
        if available_ids != AVAILABILITY_BINS {
            let message = format!(
                "fixtures map stock to the availability bins {}; the taxonomy has {}",
                AVAILABILITY_BINS.join(", "),
                available_ids.join(", ")
            );
            self.error(
                (&raw.clauses).into(),
                Some(format!("axis '{AVAILABILITY_AXIS}'")),
                message,
            );
        }
        let savings = self.by_bins(&raw.savings, &price, "savings");
        for saving in savings.iter().flatten() {
            if saving.value >= 100 {
                self.error(
                    (*saving).into(),
                    Some("savings".into()),
                    format!(
                        "a saving of {}% leaves nothing to pay; use 0-99",
                        saving.value
                    ),
                );
            }
        }
        let clause_keys: Vec<Entry> = [PRICE_AXIS, BRAND_AXIS, AVAILABILITY_AXIS]
            .map(key_entry)
            .to_vec();
        let clauses = self.by_bins(&raw.clauses, &clause_keys, "clauses");
        let clause_lists = clauses.map(|axes| {
            [
                (axes[0], &price, PRICE_AXIS),
                (axes[1], &brand, BRAND_AXIS),
                (axes[2], &availability, AVAILABILITY_AXIS),
            ]
            .map(|(raw, bins, axis)| {
                self.texts_by_bins(raw, bins, &format!("clauses.{axis}"), SLOTS)
            })
        });
        let corrections = self.by_bins(
            &raw.corrections,
            &[key_entry(PRICE_AXIS), key_entry(BRAND_AXIS)],
            "corrections",
        );
        let traps = self.traps(&raw.traps);
        let rows: Vec<Entry> = self
            .taxonomy
            .outcomes
            .iter()
            .map(|row| key_entry(&row.id))
            .collect();
        let rationales = self.by_bins(&raw.rationales, &rows, "rationales");
        let domains = self.domains(&raw.domains, &policy);
        // An offer names how the saving is had, so it cannot use itself.
        let without_offer: Vec<&str> = SLOTS
            .iter()
            .copied()
            .filter(|slot| *slot != "offer")
            .collect();
        let offers = self.texts_by_bins(&raw.offers, &price, "offers", &without_offer);
        let availability_requirements = self.texts_by_bins(
            &raw.requirements.availability,
            &availability,
            "requirements.availability",
            SLOTS,
        );
        let policy_requirements = self.texts(&raw.requirements.policy, "requirements.policy");
        let assistant = &raw.assistant;
        let [
            clarify,
            acknowledge,
            acknowledge_details,
            acknowledge_correction,
        ] = [
            (&assistant.clarify, "assistant.clarify"),
            (&assistant.acknowledge, "assistant.acknowledge"),
            (
                &assistant.acknowledge_details,
                "assistant.acknowledge_details",
            ),
            (
                &assistant.acknowledge_correction,
                "assistant.acknowledge_correction",
            ),
        ]
        .map(|(texts, key)| self.texts(texts, key));
        let corrections = corrections.map(|c| {
            [
                self.texts_with(
                    c[0],
                    "corrections.price_sensitivity",
                    &with_slot(PRICE_CORRECTION_SLOT),
                ),
                self.texts_with(
                    c[1],
                    "corrections.brand_bias",
                    &with_slot(BRAND_CORRECTION_SLOT),
                ),
            ]
        });
        let rationales = rationales.map(|list| {
            list.iter()
                .map(|text| {
                    self.check_slots(text, "rationales", SLOTS);
                    Cow::Owned(text.value.clone())
                })
                .collect::<Vec<_>>()
        });
        let [price_clauses, brand_clauses, availability_clauses] = clause_lists?;
        let [price_corrections, brand_corrections] = corrections?;
        Some(Fixtures {
            currency: raw.currency.value.clone().into(),
            savings: savings?.iter().map(|s| s.value).collect::<Vec<_>>().into(),
            price_clauses: price_clauses?.into(),
            brand_clauses: brand_clauses?.into(),
            availability_clauses: availability_clauses?.into(),
            clarify: clarify?,
            acknowledge: acknowledge?,
            acknowledge_details: acknowledge_details?,
            acknowledge_correction: acknowledge_correction?,
            price_corrections: price_corrections?,
            brand_corrections: brand_corrections?,
            traps: traps?.into(),
            rationales: rationales?.into(),
            offers: offers?.into(),
            availability_requirements: availability_requirements?.into(),
            policy_requirements: policy_requirements?,
            domains: domains?.into(),
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
    ) -> Option<Vec<Cow<'static, [Cow<'static, str>]>>> {
        let lists = self.by_bins(map, bins, what)?;
        let resolved: Vec<_> = lists
            .into_iter()
            .zip(bins)
            .map(|(texts, bin)| self.texts_with(texts, &format!("{what}.{}", bin.id), filled))
            .collect();
        resolved.into_iter().collect()
    }

    /// A non-empty list of phrasings whose slots are all known.
    fn texts(&mut self, texts: &Texts, what: &str) -> Option<Cow<'static, [Cow<'static, str>]>> {
        self.texts_with(texts, what, SLOTS)
    }

    /// Like [`Self::texts`], where the generator fills the slots `filled`.
    fn texts_with(
        &mut self,
        texts: &Texts,
        what: &str,
        filled: &[&str],
    ) -> Option<Cow<'static, [Cow<'static, str>]>> {
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

    /// Reports every `{slot}` of `text` the generator does not fill there.
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
                self.error(
                    text.into(),
                    Some(what.to_owned()),
                    format!(
                        "unknown slot '{{{slot}}}'; the generator fills here: {}",
                        filled.join(", ")
                    ),
                );
            }
            rest = &after[close + 1..];
        }
    }

    fn traps(&mut self, traps: &Keyed<Texts>) -> Option<Vec<Trap>> {
        if traps.value.is_empty() {
            self.error(
                traps.into(),
                Some("traps".into()),
                "is empty; list at least one trap".into(),
            );
            return None;
        }
        let mut list = Vec::new();
        let mut ok = true;
        for (id, texts) in &traps.value {
            self.resolver.check_id(id, "trap", IdStyle::Snake);
            match self.texts(texts, &format!("traps.{}", id.value)) {
                Some(phrasings) => list.push(Trap {
                    id: id.value.clone().into(),
                    phrasings,
                }),
                None => ok = false,
            }
        }
        ok.then_some(list)
    }

    fn domains(
        &mut self,
        raw: &Keyed<RawDomain>,
        policy_bins: &[Entry],
    ) -> Option<Vec<DomainFixtures>> {
        let domains = self.by_bins(raw, &self.taxonomy.domains, "domains")?;
        let ids: Vec<String> = self
            .taxonomy
            .domains
            .iter()
            .map(|d| d.id.to_string())
            .collect();
        let resolved: Vec<Option<DomainFixtures>> = domains
            .into_iter()
            .zip(&ids)
            .map(|(domain, id)| self.domain(domain, id, policy_bins))
            .collect();
        resolved.into_iter().collect()
    }

    fn domain(
        &mut self,
        raw: &RawDomain,
        id: &str,
        policy_bins: &[Entry],
    ) -> Option<DomainFixtures> {
        let subject = format!("domain '{id}'");
        let policy = self.policy(&raw.policy, &subject, policy_bins);
        let items = self.items(&raw.items, &subject);
        let requests = self.phrasings(&raw.requests, &format!("{subject} requests"));
        let openings = self.phrasings(&raw.openings, &format!("{subject} openings"));
        Some(DomainFixtures {
            policy: policy?,
            items: items?.into(),
            requests: requests?,
            openings: openings?,
        })
    }

    /// Several phrasings of one intent: at least two, for variety.
    fn phrasings(
        &mut self,
        texts: &Texts,
        what: &str,
    ) -> Option<Cow<'static, [Cow<'static, str>]>> {
        if texts.value.len() == 1 {
            self.error(
                texts.into(),
                Some(what.to_owned()),
                "has one phrasing; give at least two so conversations vary".into(),
            );
        }
        self.texts(texts, what)
    }

    fn policy(&mut self, raw: &RawPolicy, subject: &str, bins: &[Entry]) -> Option<Policy> {
        self.resolver.check_id(&raw.id, "policy", IdStyle::Snake);
        let values = self.by_bins(&raw.values, bins, &format!("{subject} policy values"))?;
        let limit = raw.limit.value;
        // Bins are ordered from furthest inside the limit to beyond it.
        let last = values.len() - 1;
        for (i, value) in values.iter().enumerate() {
            let inside = value.value <= limit;
            let ordered = i == 0 || values[i - 1].value < value.value;
            if inside != (i < last) || !ordered || value.value < 0.0 {
                let message = format!(
                    "value {} for '{}' contradicts the limit {limit}: every bin but the last must be within the limit, the last beyond it, in increasing order",
                    value.value, bins[i].id
                );
                self.error((*value).into(), Some(subject.to_owned()), message);
            }
        }
        let phrasings = self.phrasings(&raw.phrasings, &format!("{subject} policy phrasings"))?;
        Some(Policy {
            id: raw.id.value.clone().into(),
            name: raw.name.clone().into(),
            limit,
            unit: raw.unit.clone().into(),
            values: values.iter().map(|v| v.value).collect::<Vec<_>>().into(),
            phrasings,
        })
    }

    fn items(&mut self, raw: &Spanned<Vec<RawItem>>, subject: &str) -> Option<Vec<Item>> {
        let mut items = Vec::new();
        for item in &raw.value {
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
                continue;
            }
            if item.stock > 0 && item.restock_weeks.is_some() {
                self.error(
                    (&item.name).into(),
                    Some(subject.to_owned()),
                    format!(
                        "item '{}' is in stock, so 'restock_weeks' does not apply",
                        item.name.value
                    ),
                );
            }
            items.push(Item {
                name: item.name.value.clone().into(),
                kind: item.kind.clone().into(),
                brand: item.brand.clone().into(),
                list_price_cents: cents as u64,
                stock: item.stock,
                restock_weeks: item.restock_weeks,
            });
        }
        let missing: Vec<&str> = AVAILABILITY_BINS
            .iter()
            .enumerate()
            .filter(|(bin, _)| !items.iter().any(|item| item.availability() == *bin))
            .map(|(_, id)| *id)
            .collect();
        if !missing.is_empty() {
            let message = format!(
                "has no item that is {}; every availability needs one (stock 10+ in_stock, 1-9 low_stock, 0 with restock_weeks backorder, 0 without out_of_stock)",
                missing.join(", ")
            );
            self.error(raw.into(), Some(subject.to_owned()), message);
            return None;
        }
        Some(items)
    }
}

/// The common slots and one more.
fn with_slot(extra: &'static str) -> Vec<&'static str> {
    SLOTS.iter().copied().chain([extra]).collect()
}

fn key_entry(id: &str) -> Entry {
    Entry {
        id: id.to_owned().into(),
        label: Cow::Borrowed(""),
        description: Cow::Borrowed(""),
    }
}
