//! Reading taxonomy YAML into the [`Taxonomy`] model. Serde checks the shape
//! (YAML syntax, unknown keys, types); the resolver then turns names into
//! indexes and reports every bad name, duplicate and empty list it finds.

use std::borrow::Cow;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{
    Axis, AxisMatch, BehaviorDef, Cap, Condition, Entry, GroupKey, OutcomeRow, Rule, RuleKind,
    Taxonomy,
};

pub(crate) type Names = Spanned<Vec<Spanned<String>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    vertical: Spanned<String>,
    version: Spanned<String>,
    difficulties: Spanned<Vec<RawEntry>>,
    domains: Spanned<Vec<RawEntry>>,
    behaviors: Spanned<Vec<RawBehavior>>,
    axes: Spanned<Vec<RawAxis>>,
    #[serde(default)]
    rules: Vec<RawRule>,
    decisions: Option<Spanned<Vec<RawEntry>>>,
    #[serde(default)]
    outcomes: Vec<RawOutcome>,
    /// Path of the conversation fixtures, relative to this file.
    fixtures: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    id: Spanned<String>,
    decision: Spanned<String>,
    #[serde(default)]
    scope: RawScope,
    #[serde(rename = "match")]
    matches: Option<Spanned<IndexMap<Spanned<String>, Names>>>,
    rationale: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBehavior {
    id: Spanned<String>,
    label: String,
    difficulty: Spanned<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    description: String,
    bins: Spanned<Vec<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    kind: Spanned<RawKind>,
    #[serde(default)]
    scope: RawScope,
    #[serde(rename = "match")]
    matches: Option<Spanned<IndexMap<Spanned<String>, Names>>>,
    per: Option<Names>,
    /// Read as text so a bad value gets our message, not serde's.
    max: Option<Spanned<String>>,
    balance: Option<Spanned<String>>,
    rationale: Spanned<String>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    Exclude,
    Cap,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    domains: Option<Names>,
    domains_except: Option<Names>,
    behaviors: Option<Names>,
    behaviors_except: Option<Names>,
}

/// Where each rule's id stands in the file, for messages about whole rules.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Position {
    pub line: u64,
    pub column: u64,
}

impl<T> From<&Spanned<T>> for Position {
    fn from(spanned: &Spanned<T>) -> Self {
        Self {
            line: spanned.referenced.line(),
            column: spanned.referenced.column(),
        }
    }
}

pub(crate) struct Parsed {
    /// Present when domains, behaviors and axes resolved; rules that did not
    /// resolve are left out (their errors are in `errors`).
    pub taxonomy: Option<Taxonomy>,
    /// Parallel to `taxonomy.rules`.
    pub rule_positions: Vec<Position>,
    /// Parallel to `taxonomy.outcomes`.
    pub outcome_positions: Vec<Position>,
    /// The `fixtures:` path as written, and where it was written.
    pub fixtures: Option<(String, Position)>,
    pub errors: Vec<Diagnostic>,
}

pub(crate) fn parse(file: &str, source: &str) -> Parsed {
    let mut resolver = Resolver {
        file,
        errors: Vec::new(),
    };
    let (raw, shape_errors) = parse_shape(source);
    for (at, subject, message) in shape_errors {
        resolver.report(at, subject, message);
    }
    let Some(raw) = raw else {
        return Parsed {
            taxonomy: None,
            rule_positions: Vec::new(),
            outcome_positions: Vec::new(),
            fixtures: None,
            errors: resolver.errors,
        };
    };
    let fixtures = raw
        .fixtures
        .as_ref()
        .map(|path| (path.value.clone(), Position::from(path)));
    let (taxonomy, rule_positions, outcome_positions) = resolver.taxonomy(raw);
    Parsed {
        taxonomy,
        rule_positions,
        outcome_positions,
        fixtures,
        errors: resolver.errors,
    }
}

/// Where, in which rule or entry, and what.
type ShapeError = (Position, Option<String>, String);

/// At most this many unknown keys are reported before giving up.
const MAX_UNKNOWN_KEYS: usize = 50;

/// Deserializes the file's shape. Serde stops at the first unknown key, so
/// each one is reported (with the rule or entry it sits in), blanked out
/// and parsing resumed, until the shape is sound or another kind of error
/// stops it. Blanking keeps every line where it was, so later positions
/// stay right.
fn parse_shape(source: &str) -> (Option<RawTaxonomy>, Vec<ShapeError>) {
    let mut text = source.to_owned();
    let mut errors = Vec::new();
    loop {
        let error = match serde_saphyr::from_str::<RawTaxonomy>(&text) {
            Ok(raw) => return (Some(raw), errors),
            Err(error) => error,
        };
        let (at, message) = yaml_error(&error);
        let key = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        errors.push((at, enclosing_entry(&text, at.line), message));
        let recovered = key.is_some_and(|key| {
            errors.len() < MAX_UNKNOWN_KEYS && blank_key(&mut text, at.line, &key)
        });
        if !recovered {
            return (None, errors);
        }
    }
}

/// Blanks the block of `key` that starts on 1-based `line`: the key's own
/// line and every more indented line after it. Refuses keys that open a
/// list item (`- key:`) or share their line with others.
fn blank_key(text: &mut String, line: u64, key: &str) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(start) = usize::try_from(line)
        .ok()
        .and_then(|l| l.checked_sub(1))
        .filter(|l| *l < lines.len())
    else {
        return false;
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = lines[start];
    if !own.trim_start().starts_with(&format!("{key}:")) {
        return false;
    }
    let mut end = start + 1;
    while end < lines.len() && (lines[end].trim().is_empty() || indent(lines[end]) > indent(own)) {
        end += 1;
    }
    let blanked: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if (start..end).contains(&i) {
                String::new()
            } else {
                (*l).to_owned()
            }
        })
        .collect();
    *text = blanked.join("\n");
    true
}

/// `rule 'x'`, `domain 'y'`, …: the entry whose `- id:` most closely
/// precedes 1-based `line`, named after the top-level section it is in.
fn enclosing_entry(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(usize::try_from(line).ok()?).collect();
    let id_line = lines.iter().rev().find_map(|l| {
        l.trim_start()
            .strip_prefix("- id:")
            .map(|id| (l, id.trim()))
    })?;
    let section = lines
        .iter()
        .rev()
        .find(|l| !l.starts_with([' ', '#', '-']) && l.ends_with(':'))?;
    let nested = id_line.0.len() - id_line.0.trim_start().len() > 2;
    let kind = match section.trim_end_matches(':') {
        "rules" => "rule",
        "outcomes" => "outcome",
        "domains" => "domain",
        "behaviors" => "behavior",
        "difficulties" => "difficulty",
        "decisions" => "decision",
        "axes" if nested => "bin",
        "axes" => "axis",
        _ => return None,
    };
    Some(format!("{kind} '{}'", id_line.1))
}

/// Where serde-saphyr found a problem, and its message without the source
/// snippet: the location goes in our `file:line:column` prefix instead.
pub(crate) fn yaml_error(error: &serde_saphyr::Error) -> (Position, String) {
    let (line, column) = error
        .location()
        .map_or((0, 0), |at| (at.line(), at.column()));
    let text = error.without_snippet().to_string();
    let first = text.lines().next().unwrap_or_default();
    let message = match first.rfind(" at line ") {
        Some(cut) => &first[..cut],
        None => first,
    };
    (Position { line, column }, message.to_owned())
}

pub(crate) struct Resolver<'a> {
    pub file: &'a str,
    pub errors: Vec<Diagnostic>,
}

impl Resolver<'_> {
    pub(crate) fn report(&mut self, at: Position, subject: Option<String>, message: String) {
        self.errors.push(Diagnostic {
            severity: Severity::Error,
            file: self.file.to_owned(),
            line: at.line,
            column: at.column,
            subject,
            message,
        });
    }

    fn taxonomy(&mut self, raw: RawTaxonomy) -> (Option<Taxonomy>, Vec<Position>, Vec<Position>) {
        self.check_id(&raw.vertical, "vertical", IdStyle::Snake);
        if semver::Version::parse(&raw.version.value).is_err() {
            self.report(
                (&raw.version).into(),
                Some("version".into()),
                format!(
                    "'{}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)",
                    raw.version.value
                ),
            );
        }
        let errors_before = self.errors.len();
        let difficulties = self.entries(&raw.difficulties, "difficulty", "difficulties");
        let domains = self.entries(&raw.domains, "domain", "domains");
        let behaviors = self.behaviors(&raw.behaviors, &difficulties);
        let axes = self.axes(&raw.axes);
        let decisions = match &raw.decisions {
            Some(list) => self.entries(list, "decision", "decisions"),
            None => Vec::new(),
        };
        if self.errors.len() > errors_before {
            return (None, Vec::new(), Vec::new());
        }
        let mut taxonomy = Taxonomy {
            vertical: raw.vertical.value.clone().into(),
            version: raw.version.value.clone().into(),
            difficulties: difficulties.into(),
            domains: domains.into(),
            behaviors: behaviors.into(),
            axes: axes.into(),
            rules: Cow::Owned(Vec::new()),
            decisions: decisions.into(),
            outcomes: Cow::Owned(Vec::new()),
        };
        let (rules, positions) = self.rules(&raw.rules, &taxonomy);
        let (outcomes, outcome_positions) = self.outcomes(&raw, &taxonomy);
        taxonomy.outcomes = outcomes.into();
        taxonomy.rules = rules.into();
        (Some(taxonomy), positions, outcome_positions)
    }

    /// Resolves one list of entries, reporting empty lists, bad and
    /// duplicate ids.
    fn entries(&mut self, list: &Spanned<Vec<RawEntry>>, kind: &str, key: &str) -> Vec<Entry> {
        let ids: Vec<&Spanned<String>> = list.value.iter().map(|e| &e.id).collect();
        self.check_list(list, &ids, kind, key);
        list.value
            .iter()
            .map(|e| Entry {
                id: e.id.value.clone().into(),
                label: e.label.clone().into(),
                description: e.description.clone().into(),
            })
            .collect()
    }

    fn check_list<T>(
        &mut self,
        list: &Spanned<T>,
        ids: &[&Spanned<String>],
        kind: &str,
        key: &str,
    ) {
        if ids.is_empty() {
            self.report(
                list.into(),
                None,
                format!("'{key}' is empty; list at least one {kind}"),
            );
        }
        if ids.len() > usize::from(u8::MAX) {
            self.report(
                list.into(),
                None,
                format!(
                    "'{key}' has {} entries; at most 255 are supported",
                    ids.len()
                ),
            );
        }
        for (i, id) in ids.iter().enumerate() {
            self.check_id(id, kind, IdStyle::Snake);
            if let Some(first) = ids[..i].iter().find(|earlier| earlier.value == id.value) {
                let line = first.referenced.line();
                self.report(
                    (*id).into(),
                    Some(format!("{kind} '{}'", id.value)),
                    format!("duplicate id; first defined at line {line}"),
                );
            }
        }
    }

    pub(crate) fn check_id(&mut self, id: &Spanned<String>, kind: &str, style: IdStyle) {
        let separator = style.separator();
        let mut chars = id.value.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == separator)
            && !id.value.ends_with(separator)
            && !id.value.contains(&format!("{separator}{separator}"));
        if !valid {
            self.report(
                id.into(),
                Some(format!("{kind} '{}'", id.value)),
                format!(
                    "ids are {}: lowercase letters and digits in words joined by single '{separator}', starting with a letter",
                    style.name()
                ),
            );
        }
    }

    fn behaviors(
        &mut self,
        list: &Spanned<Vec<RawBehavior>>,
        difficulties: &[Entry],
    ) -> Vec<BehaviorDef> {
        let ids: Vec<&Spanned<String>> = list.value.iter().map(|b| &b.id).collect();
        self.check_list(list, &ids, "behavior", "behaviors");
        let mut behaviors = Vec::new();
        for raw in &list.value {
            let subject = format!("behavior '{}'", raw.id.value);
            let difficulty = self.lookup(&raw.difficulty, difficulties, "difficulty", &subject);
            behaviors.push(BehaviorDef {
                entry: Entry {
                    id: raw.id.value.clone().into(),
                    label: raw.label.clone().into(),
                    description: raw.description.clone().into(),
                },
                difficulty: difficulty.unwrap_or(0),
            });
        }
        behaviors
    }

    fn axes(&mut self, list: &Spanned<Vec<RawAxis>>) -> Vec<Axis> {
        let ids: Vec<&Spanned<String>> = list.value.iter().map(|a| &a.id).collect();
        self.check_list(list, &ids, "axis", "axes");
        for id in ids
            .iter()
            .filter(|id| RESERVED_AXIS_IDS.contains(&id.value.as_str()))
        {
            self.report(
                (*id).into(),
                Some(format!("axis '{}'", id.value)),
                format!(
                    "'{}' is reserved (it names a scenario field or Rust keyword); reserved: {}",
                    id.value,
                    RESERVED_AXIS_IDS.join(", ")
                ),
            );
        }
        list.value
            .iter()
            .map(|raw| Axis {
                entry: Entry {
                    id: raw.id.value.clone().into(),
                    label: raw.label.clone().into(),
                    description: raw.description.clone().into(),
                },
                bins: self
                    .entries(&raw.bins, &format!("{} bin", raw.id.value), "bins")
                    .into(),
            })
            .collect()
    }

    /// The index of `name` in `known`, or an error naming the valid ids.
    pub(crate) fn lookup(
        &mut self,
        name: &Spanned<String>,
        known: &[Entry],
        what: &str,
        subject: &str,
    ) -> Option<u8> {
        let found = known.iter().position(|e| e.id == name.value.as_str());
        if found.is_none() {
            let valid: Vec<&str> = known.iter().map(|e| e.id.as_ref()).collect();
            self.report(
                name.into(),
                Some(subject.to_owned()),
                format!(
                    "unknown {what} '{}'; valid: {}",
                    name.value,
                    valid.join(", ")
                ),
            );
        }
        found.map(|i| i as u8)
    }

    /// Resolves a list of names to sorted indexes; `None` if any is bad.
    pub(crate) fn lookup_all(
        &mut self,
        names: &Names,
        known: &[Entry],
        what: &str,
        key: &str,
        subject: &str,
    ) -> Option<Vec<u8>> {
        if names.value.is_empty() {
            self.report(
                names.into(),
                Some(subject.to_owned()),
                format!("'{key}' is empty; list at least one {what}"),
            );
            return None;
        }
        let mut indexes = Vec::new();
        let mut ok = true;
        for (i, name) in names.value.iter().enumerate() {
            if names.value[..i]
                .iter()
                .any(|earlier| earlier.value == name.value)
            {
                self.report(
                    name.into(),
                    Some(subject.to_owned()),
                    format!("'{key}' lists '{}' twice", name.value),
                );
                ok = false;
            }
            match self.lookup(name, known, what, subject) {
                Some(index) => indexes.push(index),
                None => ok = false,
            }
        }
        indexes.sort_unstable();
        indexes.dedup();
        ok.then_some(indexes)
    }

    fn rules(&mut self, raws: &[RawRule], taxonomy: &Taxonomy) -> (Vec<Rule>, Vec<Position>) {
        let mut rules = Vec::new();
        let mut positions = Vec::new();
        for (i, raw) in raws.iter().enumerate() {
            self.check_id(&raw.id, "rule", IdStyle::Kebab);
            if let Some(first) = raws[..i]
                .iter()
                .find(|earlier| earlier.id.value == raw.id.value)
            {
                let line = first.id.referenced.line();
                self.report(
                    (&raw.id).into(),
                    Some(format!("rule '{}'", raw.id.value)),
                    format!("duplicate id; first defined at line {line}"),
                );
            }
            if let Some(rule) = self.rule(raw, taxonomy) {
                rules.push(rule);
                positions.push((&raw.id).into());
            }
        }
        (rules, positions)
    }

    fn rule(&mut self, raw: &RawRule, taxonomy: &Taxonomy) -> Option<Rule> {
        let subject = format!("rule '{}'", raw.id.value);
        let errors_before = self.errors.len();
        if raw.rationale.value.trim().is_empty() {
            self.report(
                (&raw.rationale).into(),
                Some(subject.clone()),
                "'rationale' is empty; say why the rule exists".into(),
            );
        }
        let when = self.condition(&raw.scope, &raw.matches, taxonomy, &subject);
        let kind = self.kind(raw, taxonomy, &subject);
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Rule {
            id: raw.id.value.clone().into(),
            kind: kind?,
            rationale: collapse_whitespace(&raw.rationale.value).into(),
            when: when?,
        })
    }

    /// Resolves a scope and a match into the exact scenarios they cover.
    fn condition(
        &mut self,
        scope: &RawScope,
        matches: &Option<Spanned<IndexMap<Spanned<String>, Names>>>,
        taxonomy: &Taxonomy,
        subject: &str,
    ) -> Option<Condition> {
        let domains = self.scope(
            &scope.domains,
            &scope.domains_except,
            &taxonomy.domains,
            "domain",
            "domains",
            subject,
        );
        let behavior_entries: Vec<Entry> =
            taxonomy.behaviors.iter().map(|b| b.entry.clone()).collect();
        let behaviors = self.scope(
            &scope.behaviors,
            &scope.behaviors_except,
            &behavior_entries,
            "behavior",
            "behaviors",
            subject,
        );
        let matches = self.matches(matches, taxonomy, subject);
        Some(Condition {
            domains: domains?.into(),
            behaviors: behaviors?.into(),
            matches: matches?.into(),
        })
    }

    fn outcomes(
        &mut self,
        raw: &RawTaxonomy,
        taxonomy: &Taxonomy,
    ) -> (Vec<OutcomeRow>, Vec<Position>) {
        if raw.decisions.is_some() && raw.outcomes.is_empty() {
            let at = raw.decisions.as_ref().map(Position::from).expect("checked");
            self.report(
                at,
                None,
                "'decisions' are listed but 'outcomes' is missing or empty; add the outcome table"
                    .into(),
            );
        }
        if raw.decisions.is_none() && !raw.outcomes.is_empty() {
            let at = Position::from(&raw.outcomes[0].id);
            self.report(
                at,
                None,
                "'outcomes' needs a 'decisions' list to choose from".into(),
            );
            return (Vec::new(), Vec::new());
        }
        let mut rows = Vec::new();
        let mut positions = Vec::new();
        for (i, row) in raw.outcomes.iter().enumerate() {
            let subject = format!("outcome '{}'", row.id.value);
            self.check_id(&row.id, "outcome", IdStyle::Kebab);
            if let Some(first) = raw.outcomes[..i]
                .iter()
                .find(|earlier| earlier.id.value == row.id.value)
            {
                let line = first.id.referenced.line();
                self.report(
                    (&row.id).into(),
                    Some(subject.clone()),
                    format!("duplicate id; first defined at line {line}"),
                );
            }
            if row.rationale.value.trim().is_empty() {
                self.report(
                    (&row.rationale).into(),
                    Some(subject.clone()),
                    "'rationale' is empty; say why the row decides this".into(),
                );
            }
            let decision = self.lookup(&row.decision, &taxonomy.decisions, "decision", &subject);
            let when = self.condition(&row.scope, &row.matches, taxonomy, &subject);
            if let (Some(decision), Some(when)) = (decision, when) {
                rows.push(OutcomeRow {
                    id: row.id.value.clone().into(),
                    decision,
                    rationale: collapse_whitespace(&row.rationale.value).into(),
                    when,
                });
                positions.push((&row.id).into());
            }
        }
        (rows, positions)
    }

    /// A scope list: the named entries, every entry but the named ones, or
    /// (when neither key is given) every entry.
    fn scope(
        &mut self,
        only: &Option<Names>,
        except: &Option<Names>,
        known: &[Entry],
        what: &str,
        key: &str,
        subject: &str,
    ) -> Option<Vec<u8>> {
        let all = (0..known.len() as u8).collect::<Vec<_>>();
        match (only, except) {
            (Some(_), Some(except)) => {
                self.report(
                    except.into(),
                    Some(subject.to_owned()),
                    format!("give either '{key}' or '{key}_except', not both"),
                );
                None
            }
            (Some(only), None) => self.lookup_all(only, known, what, key, subject),
            (None, Some(except)) => {
                let excluded =
                    self.lookup_all(except, known, what, &format!("{key}_except"), subject)?;
                Some(all.into_iter().filter(|i| !excluded.contains(i)).collect())
            }
            (None, None) => Some(all),
        }
    }

    fn matches(
        &mut self,
        matches: &Option<Spanned<IndexMap<Spanned<String>, Names>>>,
        taxonomy: &Taxonomy,
        subject: &str,
    ) -> Option<Vec<AxisMatch>> {
        let Some(map) = matches else {
            return Some(Vec::new());
        };
        if map.value.is_empty() {
            self.report(map.into(), Some(subject.to_owned()), "'match' is empty; name at least one axis, or leave 'match' out to match the whole scope".into());
            return None;
        }
        let axis_entries: Vec<Entry> = taxonomy.axes.iter().map(|a| a.entry.clone()).collect();
        let mut matches = Vec::new();
        let mut ok = true;
        for (axis_name, bins) in &map.value {
            let Some(axis) = self.lookup(axis_name, &axis_entries, "axis", subject) else {
                ok = false;
                continue;
            };
            let what = format!("{} bin", axis_name.value);
            match self.lookup_all(
                bins,
                &taxonomy.axes[usize::from(axis)].bins,
                &what,
                &axis_name.value,
                subject,
            ) {
                Some(bins) => matches.push(AxisMatch {
                    axis,
                    bins: bins.into(),
                }),
                None => ok = false,
            }
        }
        matches.sort_by_key(|m| m.axis);
        ok.then_some(matches)
    }

    fn kind(&mut self, raw: &RawRule, taxonomy: &Taxonomy, subject: &str) -> Option<RuleKind> {
        if raw.kind.value == RawKind::Exclude {
            let cap_keys = [
                raw.per.as_ref().map(|p| ("per", Position::from(p))),
                raw.max.as_ref().map(|m| ("max", Position::from(m))),
                raw.balance.as_ref().map(|b| ("balance", Position::from(b))),
            ];
            for (key, at) in cap_keys.into_iter().flatten() {
                self.report(
                    at,
                    Some(subject.to_owned()),
                    format!("'{key}' applies only to rules of kind cap"),
                );
            }
            return Some(RuleKind::Exclude);
        }
        let Some(max) = &raw.max else {
            self.report(
                (&raw.kind).into(),
                Some(subject.to_owned()),
                "a cap needs 'max': how many matches to keep per group".into(),
            );
            return None;
        };
        let max_value = match max.value.parse::<u32>() {
            Ok(0) => {
                self.report(
                    max.into(),
                    Some(subject.to_owned()),
                    "'max: 0' keeps nothing; use kind: exclude to remove every match".into(),
                );
                None
            }
            Ok(n) => Some(n),
            Err(_) => {
                self.report(
                    max.into(),
                    Some(subject.to_owned()),
                    format!(
                        "'max' must be a whole number from 1 up; got '{}'",
                        max.value
                    ),
                );
                None
            }
        };
        let mut keys: Vec<Entry> = vec![key_entry("domain"), key_entry("behavior")];
        keys.extend(taxonomy.axes.iter().map(|a| a.entry.clone()));
        let per = match &raw.per {
            None => Some(Vec::new()),
            Some(per) => self.lookup_all(per, &keys, "'per' key", "per", subject),
        };
        // Keys are listed as domain, behavior, then the axes, so a key's
        // index in that list says which coordinate it groups by.
        let per: Option<Vec<GroupKey>> = per.map(|indexes| {
            indexes
                .into_iter()
                .map(|i| match i {
                    0 => GroupKey::Domain,
                    1 => GroupKey::Behavior,
                    axis => GroupKey::Axis(axis - 2),
                })
                .collect()
        });
        let axis_entries: Vec<Entry> = taxonomy.axes.iter().map(|a| a.entry.clone()).collect();
        let balance = match &raw.balance {
            None => Some(None),
            Some(name) => self
                .lookup(name, &axis_entries, "balance axis", subject)
                .map(Some),
        };
        if let (Some(per), Some(Some(axis)), Some(name)) = (&per, balance, &raw.balance)
            && per.contains(&GroupKey::Axis(axis))
        {
            let message = format!(
                "balance axis '{}' is also a 'per' key, so each group holds one bin and there is nothing to balance",
                name.value
            );
            self.report(name.into(), Some(subject.to_owned()), message);
        }
        Some(RuleKind::Cap(Cap {
            per: per?.into(),
            max: max_value?,
            balance: balance?,
        }))
    }
}

/// Folded YAML (`>-`) keeps single spaces; this also drops doubled ones.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn key_entry(id: &'static str) -> Entry {
    Entry {
        id: id.into(),
        label: id.into(),
        description: Cow::Borrowed(""),
    }
}

/// Axis ids become `Scenario` fields and type names, so they must not clash
/// with the fixed fields or the generated types, nor be Rust keywords.
const RESERVED_AXIS_IDS: &[&str] = &[
    "domain",
    "behavior",
    "difficulty",
    "scenario",
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
];

#[derive(Clone, Copy)]
pub(crate) enum IdStyle {
    /// `snake_case`: domains, behaviors, axes, bins (they become Rust names).
    Snake,
    /// `kebab-case`: rule ids.
    Kebab,
}

impl IdStyle {
    fn separator(self) -> char {
        match self {
            Self::Snake => '_',
            Self::Kebab => '-',
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Snake => "snake_case",
            Self::Kebab => "kebab-case",
        }
    }
}
