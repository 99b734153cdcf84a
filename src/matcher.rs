//! The normalising matcher behind `must_communicate` (spec
//! `scenario-content.md` §4, `evaluation.md` §3): does a reply *say* a
//! typed fact, whatever words it says it in?
//!
//! A golden fixes what a reply must communicate ("restock takes 3 weeks"),
//! never how, so a correct assistant that writes "three weeks", "21 days" or
//! "a 3-week wait" must pass, and a wrong figure must fail even when it holds
//! the right digits ("13 weeks", "$1,5000"). [`find`] therefore reads the way
//! a person does: it reads every number whole (15 is never found inside 150,
//! 2015 or 1.15), decides from the words around it what the number is (an
//! amount of money, a duration, a count, a percentage, part of a date), and
//! only then compares it with the expected value. When nothing matches,
//! [`NotFound`] lists what the reply did say, so a grader can show "no
//! duration of 3 weeks in the reply; durations found: 13 weeks".
//!
//! # Accepted forms
//!
//! Letter case never matters; spaces may be non-breaking.
//!
//! | kind | accepted | rejected / not matched | why |
//! |---|---|---|---|
//! | every number | `1500`, `1,500`, `1,500.00`, `1500.0`; spelled out from zero to one hundred: `twenty-one`, `twenty one`, `a hundred`, `one hundred` | 15 in `150`, `2015`, `1.15`, `A15`, `#15`; `1,5000` and other bad grouping; decimal commas (`12,50`); space grouping (`1 500`); shorthand (`1.5k`); either end of a range (`2-3`, `$300-400`); parts of times, phone numbers and ids (`3:15`, `555-1500`, `item-15`) | a number is read whole before it is compared, so digits never match inside a longer number; with decimal commas `1,500` would be ambiguous; a range or an id does not state one figure |
//! | money | `$1,500`, `$1500.00`, `US$1,500`, `USD 1,500`, `1,500 USD`, `1,500 dollars`, `1,500-dollar`, `1,500 US dollars`, `1,500 bucks`, `fifteen dollars`; `€12.50`, `12.50 €`, `12.50 euros`, `EUR 12.50`; `£9.99`, `9.99 pounds`, `9.99 GBP`; the expected ISO code, or a common one, before or after the figure; a bare figure in digits (`your budget of 1,500`, `1,500 per month`); all within ±0.005 | `$373.7` for 373.72; another currency's marker (`€1,500`, `C$1,500`, `1,500 rupees` for USD); a bare figure followed by a unit (`1,500 points`, `15%`, `3 weeks`, `15-inch`, `15kg`, `17th`); a bare spelled-out number (`fifteen`); `75 cents` (not converted); a currency code glued before the digits (`USD1500`) | amounts are graded to the cent; `$`, `dollars` and `bucks` count for every dollar currency (USD, CAD, AUD, NZD, HKD, SGD) because a store writes its own dollars that way; a spelled-out number with no currency word is nearly always something else ("one of them") |
//! | duration | `3 weeks`, `three weeks`, `3-week`, `3 wks`, `3wks`, `21 days`, `504 hours`, `3 calendar weeks`, `3 full weeks`; `a week`, `an hour`, `one week`; `a fortnight` for 2 weeks; hours, days and weeks (and minutes) convert exactly: `7 days` is 1 week, `48 hours` is 2 days; `2 months`, `two months` | `3 business days` or `3 working days` for 3 days; `3 months` for 90 days or 12 weeks; `60 days` for 2 months; `1 year` for 12 months; `13 weeks`; `2-3 weeks` for 3 weeks; rates (`7 days a week`, `24 hours a day`) | business days skip weekends and holidays, so they are no fixed number of calendar days (and no expected unit names them); months differ in length, so a month is never converted; a rate is not a span of time |
//! | count | `5,000 points`, `5000 loyalty points`, `5,000 of your points` (up to two words between the number and the noun), singular or plural (`1 point`), `pts` and `pcs` for points and pieces, `three items`; with an empty noun, any number that is not money, a percentage, a duration or part of a date | `500 points` or `50,000 points` for 5,000; `5 items and 3 points` for 5 points; `$3`, `3%`, `3 weeks`, `3rd` for a count of 3 | the noun must belong to the number, so the words between may not start another clause (`and`, `or`, `than`, `to`, …) |
//! | percent | `15%`, `15 %`, `15 percent`, `15 per cent`, `15 pct`, `fifteen percent`, `15.0%` | `15 items`, `150%`, `1.15%`, `0.15` | a number is a percentage only where the text says so; fractions are not converted |
//! | date | `2026-12-17`, `2026/12/17`, `December 17, 2026`, `Dec 17`, `Dec. 17th`, `17 December 2026`, `the 17th of December`, `12/17/2026`, `17/12/2026`; a form without a year matches when month and day agree | another day, month or year; `05/06/2026` for June 5; slashes without a year or with two digits (`12/17`, `12/17/26`); dotted dates (`17.12.2026`); spelled-out days (`the seventeenth`) | slash dates are read month first (US order) unless the first number is above 12, which proves it is the day |

use std::fmt;
use std::str::FromStr;

use crate::figures::thousands;

/// The kinds of fact a golden can require a reply to communicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FactKind {
    Money,
    Duration,
    Count,
    Percent,
    Date,
}

type Names = &'static [&'static str];

impl FactKind {
    pub const ALL: [FactKind; 5] = [
        Self::Money,
        Self::Duration,
        Self::Count,
        Self::Percent,
        Self::Date,
    ];
    const NAMES: Names = &["money", "duration", "count", "percent", "date"];

    /// The name goldens use, e.g. `money`.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// What one fact of this kind is called in a grader's reason, and what
    /// several are.
    fn nouns(self) -> (&'static str, &'static str) {
        match self {
            Self::Money => ("money amount", "amounts"),
            Self::Duration => ("duration", "durations"),
            Self::Count => ("count", "counts"),
            Self::Percent => ("percentage", "percentages"),
            Self::Date => ("date", "dates"),
        }
    }
}

/// A duration unit. Conversions between units are exact only where the
/// calendar allows (hours, days, weeks); months are never converted to days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    Hours,
    Days,
    Weeks,
    Months,
}

impl DurationUnit {
    pub const ALL: [DurationUnit; 4] = [Self::Hours, Self::Days, Self::Weeks, Self::Months];
    const NAMES: Names = &["hours", "days", "weeks", "months"];

    /// The plural name goldens use, e.g. `weeks`.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Hours in one unit where that is a fixed figure; `None` for months.
    fn hours(self) -> Option<f64> {
        match self {
            Self::Hours => Some(1.0),
            Self::Days => Some(24.0),
            Self::Weeks => Some(168.0),
            Self::Months => None,
        }
    }
}

/// A name that is not one of a [`FactKind`] or [`DurationUnit`]: what was
/// read and what is valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
    pub valid: Names,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, value, valid) = (self.what, &self.value, self.valid.join(", "));
        write!(f, "unknown {what} '{value}'; valid: {valid}")
    }
}

impl std::error::Error for UnknownName {}

/// The index of `value` in `valid`, ignoring case; a plural name may be
/// written singular (`week` for `weeks`).
fn parse_name(value: &str, valid: Names, what: &'static str) -> Result<usize, UnknownName> {
    let wanted = value.trim().to_ascii_lowercase();
    let named = |name: &&str| *name == wanted || name.strip_suffix('s') == Some(&wanted);
    valid.iter().position(named).ok_or_else(|| {
        let value = value.to_owned();
        UnknownName { what, value, valid }
    })
}

impl FromStr for FactKind {
    type Err = UnknownName;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        parse_name(value, Self::NAMES, "fact kind").map(|i| Self::ALL[i])
    }
}

impl FromStr for DurationUnit {
    type Err = UnknownName;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        parse_name(value, Self::NAMES, "duration unit").map(|i| Self::ALL[i])
    }
}

/// A fact a reply must communicate, with the value the golden expects.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// `currency` is an ISO 4217 code such as `USD`, `EUR` or `GBP`.
    Money {
        amount: f64,
        currency: String,
    },
    Duration {
        amount: f64,
        unit: DurationUnit,
    },
    /// `noun` is what is counted (`points`, `items`); empty when any bare
    /// number will do.
    Count {
        amount: f64,
        noun: String,
    },
    Percent {
        amount: f64,
    },
    Date {
        year: i32,
        month: u32,
        day: u32,
    },
}

impl Expected {
    pub fn kind(&self) -> FactKind {
        match self {
            Self::Money { .. } => FactKind::Money,
            Self::Duration { .. } => FactKind::Duration,
            Self::Count { .. } => FactKind::Count,
            Self::Percent { .. } => FactKind::Percent,
            Self::Date { .. } => FactKind::Date,
        }
    }
}

/// The canonical rendering a grader shows: `$1,500.00`, `3 weeks`,
/// `5,000 points`, `15%`, `2026-12-17`.
impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Money { amount, currency } => f.write_str(&money_figure(*amount, currency)),
            Self::Duration { amount, unit } => {
                let unit = unit_word(*amount, unit.as_str());
                write!(f, "{} {unit}", figure(*amount))
            }
            Self::Count { amount, noun } if noun.is_empty() => f.write_str(&figure(*amount)),
            Self::Count { amount, noun } => {
                write!(f, "{} {}", figure(*amount), unit_word(*amount, noun))
            }
            Self::Percent { amount } => write!(f, "{}%", figure(*amount)),
            Self::Date { year, month, day } => write!(f, "{year:04}-{month:02}-{day:02}"),
        }
    }
}

/// A golden's typed fact as the matcher's [`Expected`]: money in its
/// currency, a duration in its unit, a count of its noun (`units` counts any
/// bare number), a percentage.
impl TryFrom<&crate::contract::golden::Fact> for Expected {
    type Error = UnknownName;

    fn try_from(fact: &crate::contract::golden::Fact) -> Result<Self, Self::Error> {
        use crate::contract::golden::FactKind as Kind;
        let amount = fact.value;
        Ok(match fact.kind {
            Kind::Money => Self::Money {
                amount,
                currency: fact.unit.clone(),
            },
            Kind::Duration => Self::Duration {
                amount,
                unit: fact.unit.parse()?,
            },
            Kind::Count if fact.unit == "units" => Self::Count {
                amount,
                noun: String::new(),
            },
            Kind::Count => Self::Count {
                amount,
                noun: fact.unit.clone(),
            },
            Kind::Percent => Self::Percent { amount },
        })
    }
}

/// Where a fact is said in a reply: a byte span of it, and its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Why a fact was not found: what was expected and every fact of the same
/// kind the reply did state, as written there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotFound {
    pub kind: FactKind,
    /// The expected value's canonical rendering.
    pub expected: String,
    pub seen: Vec<String>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (one, many) = self.kind.nouns();
        let seen = self.seen.join(", ");
        let seen = if seen.is_empty() { "none" } else { &seen };
        write!(f, "no {one} of {} in the reply; ", self.expected)?;
        write!(f, "{many} found: {seen}")
    }
}

impl std::error::Error for NotFound {}

/// Where `expected` is said in `text`, or why not (a short reason a grader
/// can show). When the reply says the value more than once, the first
/// saying counts; other figures of the same kind (a refusal quoting the
/// trap's price) never hide the expected one.
pub fn find(expected: &Expected, text: &str) -> Result<Found, NotFound> {
    let reply = Reply::new(text);
    let mentions = match expected {
        Expected::Money { amount, currency } => reply.money(*amount, currency),
        Expected::Duration { amount, unit } => reply.durations(*amount, *unit),
        Expected::Count { amount, noun } => reply.counts(*amount, noun),
        Expected::Percent { amount } => reply.percentages(*amount),
        Expected::Date { year, month, day } => reply.dates(*year, *month, *day),
    };
    if let Some(&Mention { start, end, .. }) = mentions.iter().find(|m| m.hit) {
        let text = text[start..end].to_owned();
        return Ok(Found { start, end, text });
    }
    let mut seen: Vec<String> = Vec::new();
    for m in &mentions {
        let said = text[m.start..m.end].to_owned();
        if !seen.contains(&said) {
            seen.push(said);
        }
    }
    let (kind, expected) = (expected.kind(), expected.to_string());
    Err(NotFound {
        kind,
        expected,
        seen,
    })
}

/// `1,500`, `2.5`: a number as the canonical renderings write it.
fn figure(amount: f64) -> String {
    let text = amount.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if amount < 0.0 { "-" } else { "" };
    let point = if fraction.is_empty() { "" } else { "." };
    format!("{sign}{}{point}{fraction}", thousands(whole))
}

/// `1 week`, `1 point`: the unit of a single one drops its plural `s`.
fn unit_word(amount: f64, plural: &str) -> &str {
    plural
        .strip_suffix('s')
        .filter(|_| amount == 1.0)
        .unwrap_or(plural)
}

/// `$1,500.00`, `€12.50`, `£9.99`, `1,500.00 JPY`.
fn money_figure(amount: f64, currency: &str) -> String {
    let cents = format!("{:.2}", amount.abs());
    let (whole, fraction) = cents.split_once('.').unwrap_or((&cents, "00"));
    let sign = if amount < 0.0 { "-" } else { "" };
    let digits = format!("{}.{fraction}", thousands(whole));
    match currency.to_ascii_uppercase().as_str() {
        "USD" => format!("{sign}${digits}"),
        "EUR" => format!("{sign}€{digits}"),
        "GBP" => format!("{sign}£{digits}"),
        code => format!("{sign}{digits} {code}"),
    }
}

/// Money is graded to the cent (spec §4: `money` ± 0.005); the extra
/// billionth absorbs float noise, as does [`same`] for exact figures.
const MONEY_TOLERANCE: f64 = 0.005 + 1e-9;

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(1.0)
}

// Word lists, looked up word by word for every word of every reply.
#[rustfmt::skip]
const ONES: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
];
#[rustfmt::skip]
const TENS: &[&str] = &[
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
];
/// Words after a bare figure that make it a quantity of something other
/// than money.
#[rustfmt::skip]
const NON_MONEY_UNITS: &[&str] = &[
    "percent", "pct", "business", "working", "calendar", "point", "points", "pt", "pts", "item",
    "items", "unit", "units", "piece", "pieces", "pc", "pcs", "pack", "packs", "pair", "pairs",
    "sets", "orders", "time", "times", "x", "star", "stars", "review", "reviews", "people",
    "person", "customer", "customers", "kg", "g", "lb", "lbs", "oz", "ml", "l", "km", "mi",
    "mile", "miles", "cm", "mm", "inch", "inches", "ft", "gb", "tb", "mb", "k", "cent", "cents",
    "pence",
];
/// Words that start another clause, so a noun after them is not the one
/// counted (`5 items and 3 points`).
#[rustfmt::skip]
const CLAUSE_WORDS: &[&str] = &[
    "and", "or", "but", "nor", "plus", "minus", "than", "to", "per", "for", "with", "from", "by",
    "at", "in", "on", "is", "are", "was", "were", "be",
];
/// Words that may stand between a duration's number and its unit.
#[rustfmt::skip]
const TIME_QUALIFIERS: &[&str] = &[
    "calendar", "full", "whole",
];
#[rustfmt::skip]
const BUSINESS: &[&str] = &[
    "business", "working", "work",
];
/// `7 days a week`: the words that make a duration a rate.
#[rustfmt::skip]
const RATE_LINKS: &[&str] = &[
    "a", "an", "per", "each", "every",
];
#[rustfmt::skip]
const CURRENCY_CODES: &[&str] = &[
    "usd", "eur", "gbp", "jpy", "cny", "cad", "aud", "nzd", "hkd", "sgd", "chf", "inr", "sek",
    "nok", "dkk", "pln", "mxn", "brl",
];
/// The dollar currencies, all written `$` by the stores that use them.
const DOLLARS: &str = "USD CAD AUD NZD HKD SGD";
/// Symbols written before a figure, longest first so `C$` is read before `$`.
const PREFIX_SYMBOLS: &[(&str, &str)] = &[
    ("us$", "USD"),
    ("ca$", "CAD"),
    ("au$", "AUD"),
    ("nz$", "NZD"),
    ("hk$", "HKD"),
    ("c$", "CAD"),
    ("a$", "AUD"),
    ("s$", "SGD"),
    ("$", DOLLARS),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY CNY"),
    ("₹", "INR"),
];
const SUFFIX_SYMBOLS: &[(&str, &str)] = &[("$", DOLLARS), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY")];

fn listed(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

fn position(list: &[&str], word: &str) -> Option<usize> {
    list.iter().position(|w| *w == word)
}

/// The currencies a word after a figure names.
fn currency_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "dollar" | "dollars" | "buck" | "bucks" => DOLLARS,
        "euro" | "euros" => "EUR",
        "pound" | "pounds" => "GBP",
        "yen" => "JPY",
        "yuan" => "CNY",
        "rupee" | "rupees" => "INR",
        "franc" | "francs" => "CHF",
        "peso" | "pesos" => "MXN",
        "krona" | "kronor" | "krone" | "kroner" => "SEK NOK DKK",
        _ => return None,
    })
}

/// The dollar a word before `dollars` names (`US dollars`).
fn dollar_nation(word: &str) -> Option<&'static str> {
    Some(match word {
        "us" | "american" => "USD",
        "canadian" => "CAD",
        "australian" => "AUD",
        _ => return None,
    })
}

fn is_currency_code(word: &str, expected: &str) -> bool {
    word.len() == 3 && (word.eq_ignore_ascii_case(expected) || listed(CURRENCY_CODES, word))
}

fn month_of(word: &str) -> Option<u32> {
    let short = |m: &str| {
        (word.len() == 3 && m.starts_with(word)) || m.starts_with("sept") && word == "sept"
    };
    let index = MONTHS.iter().position(|m| *m == word || short(m))?;
    Some(index as u32 + 1)
}

/// `points` → `point`, `boxes` → `box`, `batteries` → `battery`, and the
/// abbreviations `pts`/`pcs` → `point`/`piece`.
fn singular(word: &str) -> String {
    let word = word.to_ascii_lowercase();
    let stem = if let Some(stem) = word.strip_suffix("ies").filter(|s| s.len() > 1) {
        format!("{stem}y")
    } else if ["ses", "xes", "ches", "shes"]
        .iter()
        .any(|s| word.ends_with(s))
    {
        word[..word.len() - 2].to_owned()
    } else if word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_owned()
    } else {
        word
    };
    match stem.as_str() {
        "pt" => "point".to_owned(),
        "pc" => "piece".to_owned(),
        _ => stem,
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{2009}' | '\u{202f}')
}

fn alnum(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

fn char_at(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

fn char_before(text: &str, pos: usize) -> Option<char> {
    text[..pos].chars().next_back()
}

/// A time unit as written in a reply; only some convert to hours.
#[derive(Clone, Copy, Debug, PartialEq)]
enum TimeWord {
    Minutes,
    Unit(DurationUnit),
    Fortnights,
    BusinessDays,
    Years,
}

impl TimeWord {
    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "minute" | "minutes" | "min" | "mins" => Self::Minutes,
            "hour" | "hours" | "hr" | "hrs" | "h" => Self::Unit(DurationUnit::Hours),
            "day" | "days" => Self::Unit(DurationUnit::Days),
            "week" | "weeks" | "wk" | "wks" => Self::Unit(DurationUnit::Weeks),
            "fortnight" | "fortnights" => Self::Fortnights,
            "month" | "months" | "mo" | "mos" | "mth" | "mths" => Self::Unit(DurationUnit::Months),
            "year" | "years" | "yr" | "yrs" => Self::Years,
            _ => return None,
        })
    }

    fn hours(self) -> Option<f64> {
        match self {
            Self::Minutes => Some(1.0 / 60.0),
            Self::Unit(unit) => unit.hours(),
            Self::Fortnights => Some(336.0),
            Self::BusinessDays | Self::Years => None,
        }
    }
}

/// How a number was written: `a`/`an` only ever counts as one unit of
/// time, and only digits can be a bare amount of money.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Form {
    Digits,
    Words,
    Article,
}

/// One number of the reply, read whole.
#[derive(Clone, Debug)]
struct Number {
    value: f64,
    start: usize,
    end: usize,
    form: Form,
    /// Digits only, no separators: what dates are made of.
    plain: bool,
    /// Joined to other digits or an id (`2-3`, `3:15`, `12/17`, `#5`).
    compound: bool,
    in_date: bool,
}

impl Number {
    fn new(lower: &str, value: f64, (start, end): (usize, usize), form: Form) -> Self {
        let plain = form == Form::Digits && lower[start..end].bytes().all(|b| b.is_ascii_digit());
        let compound = is_compound(lower, start, end);
        let in_date = false;
        Self {
            value,
            start,
            end,
            form,
            plain,
            compound,
            in_date,
        }
    }

    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// A currency marker beside a figure: where it reaches, and the ISO codes
/// it can mean, separated by spaces.
#[derive(Clone, Copy)]
struct Marker<'a> {
    edge: usize,
    codes: &'a str,
}

impl Marker<'_> {
    fn accepts(&self, currency: &str) -> bool {
        self.codes
            .split(' ')
            .any(|c| c.eq_ignore_ascii_case(currency))
    }
}

/// A fact of the expected kind stated in the reply, and whether it is the
/// expected value.
struct Mention {
    start: usize,
    end: usize,
    hit: bool,
}

impl Mention {
    fn new(start: usize, end: usize, hit: bool) -> Self {
        Self { start, end, hit }
    }
}

#[derive(Clone, Copy, Debug)]
struct DateMention {
    start: usize,
    end: usize,
    year: Option<i32>,
    month: u32,
    day: u32,
}

impl DateMention {
    /// `None` unless the month and day can be a date.
    fn new(start: usize, end: usize, year: Option<i32>, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && (1..=31).contains(&day);
        valid.then_some(Self {
            start,
            end,
            year,
            month,
            day,
        })
    }
}

/// A reply, lowercased, with its numbers and dates read once.
///
/// Every position is a byte offset on a char boundary: the scanners stop
/// only at ASCII bytes or at the edges of whole symbols, and lowercasing
/// ASCII letters keeps every byte where it was.
struct Reply {
    lower: String,
    numbers: Vec<Number>,
    dates: Vec<DateMention>,
}

impl Reply {
    fn new(text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        let mut numbers = digit_numbers(&lower);
        numbers.extend(word_numbers(&lower));
        numbers.sort_by_key(|n| n.start);
        let dates = Vec::new();
        let mut reply = Self {
            lower,
            numbers,
            dates,
        };
        reply.dates = reply.scan_dates();
        for n in &mut reply.numbers {
            n.in_date = reply
                .dates
                .iter()
                .any(|d| d.start <= n.start && n.end <= d.end);
        }
        reply
    }

    /// Numbers that state a quantity of their own (not part of a date, a
    /// range or an id), `a`/`an` aside.
    fn quantities(&self) -> impl Iterator<Item = &Number> {
        let alone = |n: &&Number| !n.compound && !n.in_date && n.form != Form::Article;
        self.numbers.iter().filter(alone)
    }

    fn number_at(&self, pos: usize) -> Option<&Number> {
        let index = self.numbers.binary_search_by_key(&pos, |n| n.start);
        index.ok().map(|i| &self.numbers[i])
    }

    fn skip_spaces(&self, pos: usize) -> usize {
        let rest = &self.lower[pos..];
        pos + rest.len() - rest.trim_start_matches(is_space).len()
    }

    /// The ASCII word starting at `pos`, and its end, when it ends at a word
    /// boundary.
    fn word_at(&self, pos: usize) -> Option<(&str, usize)> {
        let rest = &self.lower[pos..];
        let len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let whole = len > 0 && !alnum(char_at(rest, len));
        whole.then(|| (&rest[..len], pos + len))
    }

    fn next_word(&self, pos: usize) -> Option<(&str, usize)> {
        self.word_at(self.skip_spaces(pos))
    }

    /// The ASCII letters just before `pos`, past any spaces.
    fn word_before(&self, pos: usize) -> &str {
        let head = self.lower[..pos].trim_end_matches(is_space);
        let start = head
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .len();
        &head[start..]
    }

    /// Where the word naming a number's unit starts: after spaces, after a
    /// hyphen (`3-week`), or glued to digits (`3wks`).
    fn unit_start(&self, n: &Number) -> Option<usize> {
        let after = self.skip_spaces(n.end);
        match char_at(&self.lower, n.end) {
            _ if after > n.end => Some(after),
            Some('-') if n.form != Form::Article => Some(n.end + 1),
            Some(c) if c.is_ascii_alphabetic() && n.form == Form::Digits => Some(n.end),
            _ => None,
        }
    }

    /// Up to `max` words from `pos` in one clause: joined by spaces or
    /// hyphens, not punctuation.
    fn phrase(&self, mut pos: usize, max: usize) -> Vec<(&str, usize)> {
        let mut words = Vec::new();
        while let Some((word, end)) = self.word_at(pos).filter(|_| words.len() < max) {
            words.push((word, end));
            pos = match char_at(&self.lower, end) {
                Some('-') => end + 1,
                _ if self.skip_spaces(end) > end => self.skip_spaces(end),
                _ => break,
            };
        }
        words
    }

    /// A figure whose unit the text does not name: no letters glued to it
    /// (`17th`, `15kg`, `15-inch`), no percent sign.
    fn is_unitless(&self, n: &Number) -> bool {
        let glued = match char_at(&self.lower, n.end) {
            Some('-') => char_at(&self.lower, n.end + 1).is_some_and(char::is_alphabetic),
            c => c.is_some_and(char::is_alphabetic),
        };
        !glued && self.percent_end(n).is_none()
    }

    fn money(&self, amount: f64, currency: &str) -> Vec<Mention> {
        let mut mentions = Vec::new();
        for n in self.quantities() {
            let before = self.currency_before(n.start, currency);
            let after = self.currency_after(n.end, currency);
            if before.is_none() && after.is_none() && !self.is_bare_amount(n) {
                continue;
            }
            let markers = [before, after].into_iter().flatten();
            let hit = markers.clone().all(|m| m.accepts(currency))
                && (n.value - amount).abs() <= MONEY_TOLERANCE;
            let start = before.map_or(n.start, |m| m.edge);
            let end = after.map_or(n.end, |m| m.edge);
            mentions.push(Mention { start, end, hit });
        }
        mentions
    }

    /// A figure in digits with nothing after it that makes it a quantity of
    /// something else: people write "your budget of 1,500".
    fn is_bare_amount(&self, n: &Number) -> bool {
        let unit = |(word, _): (&str, usize)| {
            listed(NON_MONEY_UNITS, word) || TimeWord::parse(word).is_some()
        };
        n.form == Form::Digits && self.is_unitless(n) && !self.next_word(n.end).is_some_and(unit)
    }

    fn currency_before(&self, start: usize, expected: &str) -> Option<Marker<'_>> {
        let head = self.lower[..start].trim_end_matches(is_space);
        for &(symbol, codes) in PREFIX_SYMBOLS {
            let Some(rest) = head.strip_suffix(symbol) else {
                continue;
            };
            let edge = rest.len();
            // `s$` in `costs$5` is a word's last letter and a `$`.
            if !(symbol.len() > 1 && symbol.is_ascii() && alnum(char_before(rest, edge))) {
                return Some(Marker { edge, codes });
            }
        }
        let codes = self.word_before(head.len());
        let edge = head.len() - codes.len();
        let whole = !alnum(char_before(&self.lower, edge));
        (whole && is_currency_code(codes, expected)).then_some(Marker { edge, codes })
    }

    fn currency_after(&self, end: usize, expected: &str) -> Option<Marker<'_>> {
        let hyphen = self.lower[end..].starts_with('-'); // `a 1,500-dollar laptop`
        let pos = if hyphen {
            end + 1
        } else {
            self.skip_spaces(end)
        };
        for &(symbol, codes) in SUFFIX_SYMBOLS {
            if !self.lower[pos..].starts_with(symbol) {
                continue;
            }
            let edge = pos + symbol.len();
            // In `2 $20 items` the `$` is the next figure's.
            let next = char_at(&self.lower, self.skip_spaces(edge));
            if !next.is_some_and(|c| c.is_ascii_digit()) {
                return Some(Marker { edge, codes });
            }
        }
        let (word, edge) = self.word_at(pos)?;
        if let Some(codes) = dollar_nation(word) {
            let (dollars, edge) = self.next_word(edge)?;
            return dollars
                .starts_with("dollar")
                .then_some(Marker { edge, codes });
        }
        let code = is_currency_code(word, expected).then_some(word);
        let codes = currency_word(word).or(code)?;
        Some(Marker { edge, codes })
    }

    fn durations(&self, amount: f64, unit: DurationUnit) -> Vec<Mention> {
        let mut mentions = Vec::new();
        for n in self.numbers.iter().filter(|n| !n.compound && !n.in_date) {
            let Some((said, end)) = self.time_after(n) else {
                continue;
            };
            let hit = match (unit.hours(), said.hours()) {
                (Some(want), Some(per)) => same(amount * want, n.value * per),
                _ => said == TimeWord::Unit(unit) && same(amount, n.value),
            };
            mentions.push(Mention::new(n.start, end, hit));
        }
        mentions
    }

    /// The time unit a number counts, and where its words end; `None` for a
    /// rate (`7 days a week`, `24 hours a day`), which is no span of time.
    fn time_after(&self, n: &Number) -> Option<(TimeWord, usize)> {
        let words = self.phrase(self.unit_start(n)?, 2);
        let (mut word, mut end) = words.first().copied()?;
        let business = listed(BUSINESS, word);
        if business || listed(TIME_QUALIFIERS, word) {
            (word, end) = words.get(1).copied()?;
        }
        let mut said = TimeWord::parse(word)?;
        if business {
            // Business days skip weekends and holidays: no fixed number of
            // calendar days, so they never equal days.
            let days = said == TimeWord::Unit(DurationUnit::Days);
            said = days.then_some(TimeWord::BusinessDays)?;
        }
        let is_unit = |(w, _): (&str, usize)| TimeWord::parse(w).is_some();
        let link = self.next_word(end).filter(|(w, _)| listed(RATE_LINKS, w));
        let rate_after = link
            .and_then(|(_, e)| self.next_word(e))
            .is_some_and(is_unit);
        let before = self.word_before(n.start);
        let rate_word = listed(&["once", "twice", "thrice", "times"], before)
            || TimeWord::parse(before).is_some();
        let rate_before = n.form == Form::Article && rate_word;
        (!rate_after && !rate_before).then_some((said, end))
    }

    fn counts(&self, amount: f64, noun: &str) -> Vec<Mention> {
        let noun: Vec<String> = noun.split_whitespace().map(singular).collect();
        let mut mentions = Vec::new();
        for n in self.quantities() {
            let end = if noun.is_empty() {
                self.is_bare_count(n).then_some(n.end)
            } else {
                self.noun_end(n, &noun)
            };
            if let Some(end) = end {
                mentions.push(Mention::new(n.start, end, same(amount, n.value)));
            }
        }
        mentions
    }

    /// A number that is neither money, a percentage nor a duration.
    fn is_bare_count(&self, n: &Number) -> bool {
        self.is_unitless(n)
            && self.currency_before(n.start, "").is_none()
            && self.currency_after(n.end, "").is_none()
            && self.time_after(n).is_none()
    }

    /// Where `noun` ends when it follows the number, with up to two words
    /// between (`5,000 loyalty points`, `5,000 of your points`).
    fn noun_end(&self, n: &Number, noun: &[String]) -> Option<usize> {
        let words = self.phrase(self.unit_start(n)?, noun.len() + 2);
        (0..=2).find_map(|skip| {
            let said = words.get(skip..skip + noun.len())?;
            let between = words[..skip].iter().all(|(w, _)| !listed(CLAUSE_WORDS, w));
            let same_noun = said
                .iter()
                .zip(noun)
                .all(|((w, _), want)| singular(w) == *want);
            (between && same_noun).then(|| said.last().map_or(n.end, |&(_, end)| end))
        })
    }

    fn percentages(&self, amount: f64) -> Vec<Mention> {
        let mention = |n: &Number| {
            let end = self.percent_end(n)?;
            Some(Mention::new(n.start, end, same(amount, n.value)))
        };
        self.quantities().filter_map(mention).collect()
    }

    /// Where `%`, `percent`, `per cent` or `pct` after the number ends.
    fn percent_end(&self, n: &Number) -> Option<usize> {
        let pos = self.skip_spaces(n.end);
        if self.lower[pos..].starts_with('%') {
            return Some(pos + 1);
        }
        match self.word_at(pos)? {
            ("percent" | "pct", end) => Some(end),
            ("per", end) => self
                .next_word(end)
                .filter(|(w, _)| *w == "cent")
                .map(|(_, e)| e),
            _ => None,
        }
    }

    fn dates(&self, year: i32, month: u32, day: u32) -> Vec<Mention> {
        let mention = |d: &DateMention| {
            let same_year = d.year.is_none_or(|y| y == year);
            Mention::new(
                d.start,
                d.end,
                d.month == month && d.day == day && same_year,
            )
        };
        self.dates.iter().map(mention).collect()
    }

    fn scan_dates(&self) -> Vec<DateMention> {
        let mut dates = self.numeric_dates();
        let days = self.numbers.iter().filter(|n| is_day(n));
        dates.extend(days.filter_map(|n| self.day_first(n)));
        for (start, end) in ascii_words(&self.lower) {
            let month = month_of(&self.lower[start..end]);
            dates.extend(month.and_then(|m| self.month_first(m, start, end)));
        }
        dates.sort_by_key(|d| d.start);
        dates
    }

    /// `2026-12-17`, `2026/12/17`, `12/17/2026`, `17/12/2026`.
    fn numeric_dates(&self) -> Vec<DateMention> {
        let bytes = self.lower.as_bytes();
        let mut dates = Vec::new();
        for triple in self.numbers.windows(3) {
            let [a, b, c] = triple else { continue };
            let sep = bytes[a.end];
            let joined = b.start == a.end + 1 && c.start == b.end + 1 && bytes[b.end] == sep;
            if !(joined && matches!(sep, b'-' | b'/') && a.plain && b.plain && c.plain) {
                continue;
            }
            let (x, y, z) = (a.value as u32, b.value as u32, c.value as u32);
            let (year, month, day) = match (a.len(), b.len(), c.len()) {
                (4, 1..=2, 1..=2) => (x, y, z),
                (1..=2, 1..=2, 4) if sep == b'/' && x <= 12 => (z, x, y),
                (1..=2, 1..=2, 4) if sep == b'/' => (z, y, x),
                _ => continue,
            };
            let year = Some(year as i32);
            dates.extend(DateMention::new(a.start, c.end, year, month, day));
        }
        dates
    }

    /// `17 December 2026`, `17th December`, `17th of December`.
    fn day_first(&self, day: &Number) -> Option<DateMention> {
        let end = self.ordinal_end(day.end)?;
        let spaced = self.skip_spaces(end) > end;
        let (mut word, mut month_end) = self.next_word(end).filter(|_| spaced)?;
        if word == "of" {
            (word, month_end) = self.next_word(month_end)?;
        }
        let (year, end) = self.year_after(self.after_dot(month_end));
        DateMention::new(day.start, end, year, month_of(word)?, day.value as u32)
    }

    /// `December 17, 2026`, `Dec 17`, `Dec. 17th`.
    fn month_first(&self, month: u32, start: usize, end: usize) -> Option<DateMention> {
        let after = self.after_dot(end);
        let pos = self.skip_spaces(after);
        let day = self.number_at(pos).filter(|n| pos > after && is_day(n))?;
        let (year, end) = self.year_after(self.ordinal_end(day.end)?);
        DateMention::new(start, end, year, month, day.value as u32)
    }

    fn after_dot(&self, pos: usize) -> usize {
        pos + usize::from(self.lower[pos..].starts_with('.'))
    }

    /// The end of `st`/`nd`/`rd`/`th` after a day; `None` when other
    /// letters are glued to it.
    fn ordinal_end(&self, pos: usize) -> Option<usize> {
        match self.word_at(pos) {
            Some(("st" | "nd" | "rd" | "th", end)) => Some(end),
            Some(_) => None,
            None => Some(pos),
        }
    }

    /// `, 2026` or ` 2026` after a day or a month, if there, and where the
    /// date then ends.
    fn year_after(&self, pos: usize) -> (Option<i32>, usize) {
        let comma = pos + usize::from(self.lower[pos..].starts_with(','));
        let at = self.skip_spaces(comma);
        let year = self
            .number_at(at)
            .filter(|n| at > comma && n.plain && n.len() == 4);
        year.map_or((None, pos), |y| (Some(y.value as i32), y.end))
    }
}

fn is_day(n: &Number) -> bool {
    n.plain && n.len() <= 2 && (1.0..=31.0).contains(&n.value)
}

/// Every number written in digits, read whole: `1,500.00`, `.5`. Runs with
/// bad grouping (`1,5000`) and digits glued to a letter before them
/// (`A15`) are no number at all.
fn digit_numbers(lower: &str) -> Vec<Number> {
    let bytes = lower.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !digit_at(i) {
            i += 1;
            continue;
        }
        let start = i - usize::from(i > 0 && bytes[i - 1] == b'.');
        let mut end = i;
        // A separator belongs to the number only between digits.
        while digit_at(end) || (matches!(bytes.get(end), Some(b',' | b'.')) && digit_at(end + 1)) {
            end += 1;
        }
        let glued = char_before(lower, start).is_some_and(char::is_alphabetic);
        if let Some(value) = parse_literal(&lower[start..end]).filter(|_| !glued) {
            numbers.push(Number::new(lower, value, (start, end), Form::Digits));
        }
        i = end;
    }
    numbers
}

/// `1,500.00` → 1500; `None` unless every comma separates a group of three.
fn parse_literal(literal: &str) -> Option<f64> {
    let (whole, fraction) = literal.split_once('.').unwrap_or((literal, ""));
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let grouped = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
    if (whole.contains(',') && !grouped) || fraction.contains(['.', ',']) {
        return None;
    }
    // The trailing 0 keeps `1500.` and `.5` parseable without changing them.
    format!("{}.{fraction}0", whole.replace(',', ""))
        .parse()
        .ok()
}

/// Joined to other digits or letters by `-`, `–`, `/` or `:` (a range, a
/// date, a time, an id), or numbered with `#`.
fn is_compound(lower: &str, start: usize, end: usize) -> bool {
    let mut before = lower[..start].chars().rev();
    let mut after = lower[end..].chars();
    let joiner = |c: Option<char>| matches!(c, Some('-' | '–' | '/' | ':'));
    let (b1, b2) = (before.next(), before.next());
    let (a1, a2) = (after.next(), after.next());
    (joiner(b1) && alnum(b2))
        || b1 == Some('#')
        || (joiner(a1) && a2.is_some_and(|c| c.is_ascii_digit()))
}

/// Every number spelled out, from zero to one hundred, and `a`/`an`.
fn word_numbers(lower: &str) -> Vec<Number> {
    let words = ascii_words(lower);
    let word = |i: usize| words.get(i).map_or("", |&(start, end)| &lower[start..end]);
    // Word `i + 1` follows word `i` after spaces, or a hyphen where allowed.
    let joined = |i: usize, hyphen: bool| {
        let gap = words
            .get(i + 1)
            .map_or("", |next| &lower[words[i].1..next.0]);
        (!gap.is_empty() && gap.chars().all(is_space)) || (hyphen && gap == "-")
    };
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = word(i);
        let hundred =
            matches!(w, "a" | "an" | "one") && joined(i, false) && word(i + 1) == "hundred";
        let unit = position(ONES, word(i + 1)).filter(|u| (1..10).contains(u) && joined(i, true));
        let read = match (position(ONES, w), position(TENS, w), unit) {
            _ if hundred => Some((100, 2, Form::Words)),
            (_, Some(tens), Some(unit)) => Some((tens * 10 + 20 + unit, 2, Form::Words)),
            (_, Some(tens), None) => Some((tens * 10 + 20, 1, Form::Words)),
            (Some(ones), _, _) => Some((ones, 1, Form::Words)),
            _ if matches!(w, "a" | "an") => Some((1, 1, Form::Article)),
            _ => None,
        };
        let Some((value, used, form)) = read else {
            i += 1;
            continue;
        };
        let span = (words[i].0, words[i + used - 1].1);
        numbers.push(Number::new(lower, value as f64, span, form));
        i += used;
    }
    numbers
}

/// Spans of whole ASCII words: letters with no letter or digit either side.
fn ascii_words(lower: &str) -> Vec<(usize, usize)> {
    let bytes = lower.as_bytes();
    let mut words = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let letters = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let end = start + letters;
        if letters > 0 && !alnum(char_before(lower, start)) && !alnum(char_at(lower, end)) {
            words.push((start, end));
        }
        start = end.max(start + 1);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_goldens_facts_become_what_the_matcher_finds() {
        use crate::contract::golden::{Fact, FactKind as Kind};
        let of = |kind, value, unit: &str| {
            Expected::try_from(&Fact {
                kind,
                value,
                unit: unit.into(),
                about: "policy_limit".into(),
            })
        };
        let limit = of(Kind::Duration, 30.0, "days").unwrap();
        assert!(find(&limit, "Returns are accepted within a month, 30 days.").is_ok());
        let units = of(Kind::Count, 6.0, "units").unwrap();
        assert!(find(&units, "The cart takes at most 6 of any one item.").is_ok());
        let miles = of(Kind::Count, 40.0, "miles").unwrap();
        assert!(find(&miles, "We deliver within 40 miles.").is_ok());
        assert!(find(&miles, "We deliver within 40 minutes.").is_err());
        let price = of(Kind::Money, 1500.0, "USD").unwrap();
        assert!(find(&price, "That comes to $1,500 each.").is_ok());
        let bad = of(Kind::Duration, 3.0, "fortnights").unwrap_err();
        assert_eq!(bad.value, "fortnights");
    }

    /// A fact as a golden states it: `money 1500 USD`, `duration 3 weeks`,
    /// `count 5000 points`, `count 3` (no noun), `percent 15`,
    /// `date 2026-12-17`.
    fn fact(spec: &str) -> Expected {
        let mut parts = spec.splitn(3, ' ');
        let kind = parts.next().unwrap().parse().unwrap();
        let (value, unit) = (parts.next().unwrap(), parts.next().unwrap_or("").to_owned());
        let amount = value.parse().unwrap_or(f64::NAN);
        let date = |i: usize| {
            value
                .split('-')
                .nth(i)
                .map_or(0, |p| p.parse().unwrap_or(0))
        };
        let (currency, noun) = (unit.clone(), unit.clone());
        let (year, month, day) = (date(0) as i32, date(1), date(2));
        match kind {
            FactKind::Money => Expected::Money { amount, currency },
            FactKind::Duration => Expected::Duration {
                amount,
                unit: unit.parse().unwrap(),
            },
            FactKind::Count => Expected::Count { amount, noun },
            FactKind::Percent => Expected::Percent { amount },
            FactKind::Date => Expected::Date { year, month, day },
        }
    }

    /// (fact, reply, whether the reply communicates the fact).
    const ROWS: &[(&str, &str, bool)] = &[
        // Money: symbols, codes and words, with or without separators and cents.
        ("money 1500 USD", "The total is $1,500.", true),
        ("money 1500 USD", "That comes to $1500.00 in all.", true),
        ("money 1500 USD", "USD 1,500 is the total.", true),
        ("money 1500 USD", "a total of 1,500 USD", true),
        ("money 1500 USD", "It costs 1,500 dollars.", true),
        ("money 1500 USD", "the 1,500-dollar laptop", true),
        ("money 1500 USD", "US$1,500 all in", true),
        ("money 1500 USD", "about 1,500 bucks", true),
        ("money 1500 USD", "Your budget of 1,500 covers it.", true),
        ("money 1500 USD", "Budget: 1500.0", true),
        ("money 1500 USD", "a budget of 1,500 per month", true),
        ("money 1500 USD", "about 1,500 rupees", false),
        ("money 1500 USD", "€1,500 is the price", false),
        ("money 1500 USD", "C$1,500 is the price", false),
        ("money 1500 USD", "You have 1,500 points.", false),
        ("money 1500 USD", "It is $1,5000 now.", false),
        ("money 1500 USD", "Only $1,499 or $150.00 today.", false),
        ("money 373.72 USD", "The price is $373.72.", true),
        ("money 373.72 USD", "The price is $373.7.", false),
        ("money 373.72 USD", "The price is $1373.72.", false),
        ("money 373.72 USD", "That is 373.72 US dollars.", true),
        (
            "money 373.72 USD",
            "I can't sell it at $300, but the price is $373.72.",
            true,
        ),
        ("money 15 USD", "just fifteen dollars", true),
        ("money 15 USD", "a 15% discount", false),
        ("money 15 USD", "we opened in 2015", false),
        ("money 15 USD", "version 1.15", false),
        ("money 15 USD", "it costs 150", false),
        ("money 15 USD", "fifteen of them are left", false),
        ("money 15 USD", "a 15-inch screen", false),
        ("money 15 USD", "between $10-15", false),
        ("money 3 USD", "restock takes 3 weeks", false),
        ("money 12.5 EUR", "🎉 Great news — it's €12.50!", true),
        ("money 12.5 EUR", "12.50 euros", true),
        ("money 12.5 EUR", "soit 12.50\u{a0}€ au total", true),
        ("money 12.5 EUR", "EUR 12.50", true),
        ("money 12.5 EUR", "$12.50", false),
        ("money 12.5 EUR", "12,50 €", false),
        ("money 9.99 GBP", "only £9.99", true),
        ("money 9.99 GBP", "9.99 GBP", true),
        ("money 9.99 GBP", "€9.99", false),
        ("money 20 CAD", "It's $20.", true),
        ("money 20 CAD", "It's US$20.", false),
        // Durations: synonyms, spelled-out numbers and exact conversions.
        ("duration 3 weeks", "Restock takes 3 weeks.", true),
        ("duration 3 weeks", "Restock takes Three Weeks.", true),
        ("duration 3 weeks", "expect a 3-week wait", true),
        ("duration 3 weeks", "about a three-week lead time", true),
        ("duration 3 weeks", "3 wks, or 3wks", true),
        ("duration 3 weeks", "back in 21 days", true),
        ("duration 3 weeks", "back in 504 hours", true),
        ("duration 3 weeks", "3 full weeks", true),
        ("duration 3 weeks", "back in 13 weeks", false),
        ("duration 3 weeks", "back in 2-3 weeks", false),
        ("duration 3 weeks", "back in 3 months", false),
        ("duration 1 weeks", "in a week", true),
        ("duration 1 weeks", "in 7 days", true),
        ("duration 1 weeks", "in one week", true),
        ("duration 1 weeks", "we ship 7 days a week", false),
        ("duration 2 weeks", "in 14 days", true),
        ("duration 2 weeks", "in a fortnight", true),
        ("duration 2 days", "within 48 hours", true),
        ("duration 1 days", "support 24 hours a day", false),
        ("duration 3 days", "in 3 business days", false),
        ("duration 3 days", "in 3 working days", false),
        ("duration 3 days", "in 3 calendar days", true),
        ("duration 90 days", "in 3 months", false),
        ("duration 21 days", "in twenty-one days", true),
        ("duration 21 days", "in twenty one days", true),
        ("duration 100 days", "in a hundred days", true),
        ("duration 2 months", "in 2 months", true),
        ("duration 2 months", "in two months", true),
        ("duration 2 months", "in 60 days or 8 weeks", false),
        ("duration 12 months", "in 1 year", false),
        // Counts: words between, singular or plural, abbreviations, no noun.
        ("count 5000 points", "You have 5,000 points.", true),
        ("count 5000 points", "You have 5000 loyalty points.", true),
        (
            "count 5000 points",
            "You have 5,000 bonus loyalty points.",
            true,
        ),
        ("count 5000 points", "Redeem 5,000 of your points.", true),
        ("count 5000 points", "You have 5,000 pts.", true),
        (
            "count 5000 points",
            "You have 500 points, not 50,000 points.",
            false,
        ),
        ("count 5 points", "5 items and 3 points", false),
        ("count 1 points", "just 1 point", true),
        ("count 3 items", "three items", true),
        ("count 3 items", "13 items", false),
        ("count 3", "there are 3 left", true),
        ("count 3", "there are three left", true),
        ("count 3", "3% or $3, in 3 weeks, the 3rd", false),
        // Percentages: sign, word, spelled-out number.
        ("percent 15", "15% off", true),
        ("percent 15", "15 % off", true),
        ("percent 15", "15\u{a0}% off", true),
        ("percent 15", "15 percent off", true),
        ("percent 15", "15 per cent off", true),
        ("percent 15", "Fifteen percent off", true),
        ("percent 15", "15.0% off", true),
        ("percent 15", "15 items", false),
        ("percent 15", "150% more", false),
        ("percent 15", "1.15% fee", false),
        ("percent 15", "a 5% discount on 15 items", false),
        // Dates: ISO, month names either side, slashes when unambiguous.
        ("date 2026-12-17", "Back on 2026-12-17.", true),
        ("date 2026-12-17", "Back on 2026/12/17.", true),
        ("date 2026-12-17", "Back on December 17, 2026.", true),
        ("date 2026-12-17", "Back on Dec 17.", true),
        ("date 2026-12-17", "Back on Dec. 17th.", true),
        ("date 2026-12-17", "Back on 17 December 2026.", true),
        ("date 2026-12-17", "Back on December 17th", true),
        ("date 2026-12-17", "Back on the 17th of December.", true),
        ("date 2026-12-17", "Back on Thursday, 12/17/2026.", true),
        ("date 2026-12-17", "Back on 17/12/2026.", true),
        ("date 2026-12-17", "Back on December 18, 2026.", false),
        ("date 2026-12-17", "Back on November 17.", false),
        ("date 2026-12-17", "Back on December 17, 2025.", false),
        ("date 2026-12-17", "Back on 2026-12-18.", false),
        ("date 2026-12-17", "Back on 12/17/26 or 12/17.", false),
        ("date 2026-06-05", "Back on 05/06/2026.", false),
        ("date 2026-06-05", "Back on 06/05/2026.", true),
        ("date 2026-03-03", "Back on Mar. 3rd", true),
    ];

    #[test]
    fn every_row_of_the_table_matches_as_stated() {
        assert!(ROWS.len() >= 60);
        let wrong: Vec<String> = ROWS
            .iter()
            .filter(|&&(spec, text, should)| find(&fact(spec), text).is_ok() != should)
            .map(|(spec, text, should)| format!("{spec} in {text:?}: should match: {should}"))
            .collect();
        assert!(
            wrong.is_empty(),
            "{} rows disagree:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    #[test]
    fn found_spans_are_the_words_that_say_the_fact() {
        let refusal = "I can't sell it at $300, but the price is $373.72.";
        let cases = [
            ("money 373.72 USD", refusal, "$373.72"),
            ("money 300 USD", refusal, "$300"),
            ("money 1500 USD", "USD 1,500 total", "USD 1,500"),
            ("money 12.5 EUR", "— 12.50 € —", "12.50 €"),
            ("duration 3 weeks", "a 3-week wait", "3-week"),
            (
                "count 5000 points",
                "5000 loyalty points!",
                "5000 loyalty points",
            ),
            ("percent 15", "15 per cent off", "15 per cent"),
            (
                "date 2026-12-17",
                "on December 17th, 2026.",
                "December 17th, 2026",
            ),
        ];
        for (spec, text, said) in cases {
            let found = find(&fact(spec), text).unwrap();
            assert_eq!(
                (found.text.as_str(), &text[found.start..found.end]),
                (said, said)
            );
        }
    }

    #[test]
    fn not_found_says_what_was_expected_and_what_the_reply_said() {
        let cases = [
            (
                "money 1500 USD",
                "It was $150.00, now $1,499.00 (or $150.00).",
                "no money amount of $1,500.00 in the reply; amounts found: $150.00, $1,499.00",
            ),
            (
                "duration 3 days",
                "in 3 business days, not 13 days",
                "no duration of 3 days in the reply; durations found: 3 business days, 13 days",
            ),
            (
                "percent 15",
                "no discount",
                "no percentage of 15% in the reply; percentages found: none",
            ),
        ];
        for (spec, text, reason) in cases {
            assert_eq!(find(&fact(spec), text).unwrap_err().to_string(), reason);
        }
    }

    #[test]
    fn expected_values_render_canonically() {
        let cases = [
            ("money 1500 USD", "$1,500.00"),
            ("money 12.5 EUR", "€12.50"),
            ("money 1234567.891 JPY", "1,234,567.89 JPY"),
            ("duration 3 weeks", "3 weeks"),
            ("duration 1 week", "1 week"),
            ("duration 1.5 days", "1.5 days"),
            ("count 5000 points", "5,000 points"),
            ("count 1 points", "1 point"),
            ("count 7", "7"),
            ("percent 12.5", "12.5%"),
            ("date 2026-03-07", "2026-03-07"),
        ];
        for (spec, rendered) in cases {
            assert_eq!(fact(spec).to_string(), rendered);
        }
    }

    #[test]
    fn names_parse_and_bad_names_say_what_is_valid() {
        assert!(FactKind::ALL.iter().all(|k| k.as_str().parse() == Ok(*k)));
        assert_eq!("Week".parse(), Ok(DurationUnit::Weeks));
        let unit = "fortnights"
            .parse::<DurationUnit>()
            .unwrap_err()
            .to_string();
        assert_eq!(
            unit,
            "unknown duration unit 'fortnights'; valid: hours, days, weeks, months"
        );
        let kind = "price".parse::<FactKind>().unwrap_err().to_string();
        assert_eq!(
            kind,
            "unknown fact kind 'price'; valid: money, duration, count, percent, date"
        );
    }

    #[test]
    fn no_cut_of_a_reply_with_multibyte_characters_panics() {
        let text = "€12.50 — £9.99, ¥500 🎉 ₹40 at 15 % in ３ weeks, Dec 17th\u{a0}2026 …";
        let specs = [
            "money 12.5 EUR",
            "duration 3 weeks",
            "count 15",
            "percent 15",
            "date 2026-12-17",
        ];
        for (cut, _) in text.char_indices() {
            for (spec, part) in specs
                .iter()
                .flat_map(|s| [(s, &text[..cut]), (s, &text[cut..])])
            {
                if let Ok(found) = find(&fact(spec), part) {
                    assert_eq!(found.text, &part[found.start..found.end]);
                }
            }
        }
    }
}
