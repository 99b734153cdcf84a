//! Version discipline. Beside each taxonomy `vN.yaml` lies a committed lock,
//! `vN.lock`: the version, the hashes of the taxonomy and fixtures files,
//! and every id with a fingerprint of its text and of its effect. The build
//! compares the taxonomy with its lock and decides which bump a change
//! needs; a change whose version was not bumped (or bumped too little), or
//! whose version has no changelog entry, fails the build.
//!
//! | change | bump |
//! |---|---|
//! | an id removed or renamed (scenario ids, manifests, goldens change) | major |
//! | an id added; a rule's or outcome row's effect changed; an order changed; a behavior's difficulty changed | minor |
//! | labels, descriptions, rationales, comments, fixtures | patch |

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::check::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Condition, Entry, GroupKey, RuleKind, Taxonomy};

/// The command that rewrites every lock from the compiled taxonomies.
pub const LOCK_COMMAND: &str = "cargo run -- taxonomy lock";

/// How much a version must grow. Ordered: a larger bump satisfies a smaller need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn name(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }

    /// `version` bumped by this much.
    pub fn apply(self, version: &semver::Version) -> semver::Version {
        match self {
            Self::Patch => semver::Version::new(version.major, version.minor, version.patch + 1),
            Self::Minor => semver::Version::new(version.major, version.minor + 1, 0),
            Self::Major => semver::Version::new(version.major + 1, 0, 0),
        }
    }

    /// The bump that goes from `old` to `new`; `None` when `new` is not larger.
    pub fn between(old: &semver::Version, new: &semver::Version) -> Option<Self> {
        if new <= old {
            None
        } else if new.major > old.major {
            Some(Self::Major)
        } else if new.minor > old.minor {
            Some(Self::Minor)
        } else {
            Some(Self::Patch)
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of thing a lock line records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockKind {
    Vertical,
    Difficulty,
    Domain,
    Behavior,
    Axis,
    Bin,
    Decision,
    Rule,
    Outcome,
}

impl LockKind {
    const ALL: [Self; 9] = [
        Self::Vertical,
        Self::Difficulty,
        Self::Domain,
        Self::Behavior,
        Self::Axis,
        Self::Bin,
        Self::Decision,
        Self::Rule,
        Self::Outcome,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Vertical => "vertical",
            Self::Difficulty => "difficulty",
            Self::Domain => "domain",
            Self::Behavior => "behavior",
            Self::Axis => "axis",
            Self::Bin => "bin",
            Self::Decision => "decision",
            Self::Rule => "rule",
            Self::Outcome => "outcome",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == text)
    }

    /// Rules and outcome rows are dropped from a taxonomy that has errors,
    /// so they are only compared when it has none.
    fn needs_sound_taxonomy(self) -> bool {
        matches!(self, Self::Rule | Self::Outcome)
    }

    /// What its text fingerprint covers.
    fn text_name(self) -> &'static str {
        match self {
            Self::Rule | Self::Outcome => "rationale",
            _ => "label or description",
        }
    }
}

/// One recorded id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEntry {
    pub kind: LockKind,
    /// The id; a bin's is `axis.bin`.
    pub id: String,
    /// A short hash of the label and description (of the rationale for rules
    /// and outcome rows); `-` when there is none.
    pub text: String,
    /// What the entry does, in words (`-` when nothing beyond its id):
    /// a rule's kind, scope, match and cap; an outcome row's decision and
    /// condition; a behavior's difficulty.
    pub effect: String,
}

/// The record of one taxonomy at one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    pub version: String,
    /// `sha256:…` of the taxonomy file's bytes.
    pub taxonomy_hash: String,
    /// `sha256:…` of the fixtures file's bytes, or `-`.
    pub fixtures_hash: String,
    /// In file order within each kind.
    pub entries: Vec<LockEntry>,
}

/// A lock file that cannot be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockError {
    /// 1-based line of the lock file.
    pub line: u64,
    pub message: String,
}

impl Lock {
    /// The lock of a checked taxonomy (its rules and outcome rows as far as
    /// they resolved).
    pub fn of(taxonomy: &Taxonomy, report: &Report) -> Self {
        let mut entries = vec![LockEntry {
            kind: LockKind::Vertical,
            id: taxonomy.vertical.to_string(),
            text: "-".into(),
            effect: "-".into(),
        }];
        let plain = |kind, entry: &Entry, effect: String| LockEntry {
            kind,
            id: entry.id.to_string(),
            text: text_hash(&[&entry.label, &entry.description]),
            effect,
        };
        for entry in taxonomy.difficulties.iter() {
            entries.push(plain(LockKind::Difficulty, entry, "-".into()));
        }
        for entry in taxonomy.domains.iter() {
            entries.push(plain(LockKind::Domain, entry, "-".into()));
        }
        for behavior in taxonomy.behaviors.iter() {
            let difficulty = &taxonomy.difficulties[usize::from(behavior.difficulty)].id;
            entries.push(plain(
                LockKind::Behavior,
                &behavior.entry,
                format!("difficulty={difficulty}"),
            ));
        }
        for axis in taxonomy.axes.iter() {
            entries.push(plain(LockKind::Axis, &axis.entry, "-".into()));
        }
        for axis in taxonomy.axes.iter() {
            for bin in axis.bins.iter() {
                let mut entry = plain(LockKind::Bin, bin, "-".into());
                entry.id = format!("{}.{}", axis.entry.id, bin.id);
                entries.push(entry);
            }
        }
        for entry in taxonomy.decisions.iter() {
            entries.push(plain(LockKind::Decision, entry, "-".into()));
        }
        for rule in taxonomy.rules.iter() {
            let mut effect = format!(
                "{} {}",
                rule.kind_id(),
                condition_text(taxonomy, &rule.when)
            );
            if let RuleKind::Cap(cap) = &rule.kind {
                let per: Vec<&str> = cap
                    .per
                    .iter()
                    .map(|key| match key {
                        GroupKey::Domain => "domain",
                        GroupKey::Behavior => "behavior",
                        GroupKey::Axis(axis) => &taxonomy.axes[usize::from(*axis)].entry.id,
                    })
                    .collect();
                effect += &format!(" per={} max={}", list_or_dash(&per), cap.max);
                if let Some(axis) = cap.balance {
                    effect += &format!(" balance={}", taxonomy.axes[usize::from(axis)].entry.id);
                }
            }
            entries.push(LockEntry {
                kind: LockKind::Rule,
                id: rule.id.to_string(),
                text: text_hash(&[&rule.rationale]),
                effect,
            });
        }
        for row in taxonomy.outcomes.iter() {
            let decision = &taxonomy.decisions[usize::from(row.decision)].id;
            entries.push(LockEntry {
                kind: LockKind::Outcome,
                id: row.id.to_string(),
                text: text_hash(&[&row.rationale]),
                effect: format!(
                    "decision={decision} {}",
                    condition_text(taxonomy, &row.when)
                ),
            });
        }
        Self {
            version: taxonomy.version.to_string(),
            taxonomy_hash: report.hash.clone(),
            fixtures_hash: report.fixtures_hash.clone().unwrap_or_else(|| "-".into()),
            entries,
        }
    }

    /// The lock file's text; `file` is the taxonomy it records.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!(
            "# The lock of {file}, written by `coverage taxonomy lock`\n\
             # ({LOCK_COMMAND}); do not edit it by hand. `cargo build` compares the\n\
             # taxonomy with this record to decide which version bump a change\n\
             # needs (CONTRIBUTING.md, \"Versions\").\n\
             version {}\ntaxonomy {}\nfixtures {}\n\
             # kind id text-fingerprint effect\n",
            self.version, self.taxonomy_hash, self.fixtures_hash
        );
        for entry in &self.entries {
            out += &format!(
                "{} {} {} {}\n",
                entry.kind.name(),
                entry.id,
                entry.text,
                entry.effect
            );
        }
        out
    }

    /// Reads a lock file's text back.
    pub fn parse(text: &str) -> Result<Self, LockError> {
        let mut version = None;
        let mut taxonomy_hash = None;
        let mut fixtures_hash = None;
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index as u64 + 1;
            let error = |message: String| LockError {
                line: line_no,
                message,
            };
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(4, ' ');
            let key = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            match key {
                "version" => version = Some(value.to_owned()),
                "taxonomy" => taxonomy_hash = Some(value.to_owned()),
                "fixtures" => fixtures_hash = Some(value.to_owned()),
                _ => {
                    let kind = LockKind::parse(key).ok_or_else(|| {
                        error(format!(
                            "unknown line kind '{key}'; valid: version, taxonomy, fixtures, {}",
                            LockKind::ALL.map(LockKind::name).join(", ")
                        ))
                    })?;
                    let (Some(text), Some(effect)) = (parts.next(), parts.next()) else {
                        return Err(error(format!(
                            "expected '{key} ID TEXT-FINGERPRINT EFFECT', got '{line}'"
                        )));
                    };
                    if value.is_empty() {
                        return Err(error(format!("'{key}' line without an id")));
                    }
                    entries.push(LockEntry {
                        kind,
                        id: value.to_owned(),
                        text: text.to_owned(),
                        effect: effect.to_owned(),
                    });
                }
            }
        }
        let missing = |what: &str| LockError {
            line: 0,
            message: format!("no '{what}' line"),
        };
        Ok(Self {
            version: version.ok_or_else(|| missing("version"))?,
            taxonomy_hash: taxonomy_hash.ok_or_else(|| missing("taxonomy"))?,
            fixtures_hash: fixtures_hash.ok_or_else(|| missing("fixtures"))?,
            entries,
        })
    }
}

/// One difference between a lock and the taxonomy as it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub bump: Bump,
    pub kind: LockKind,
    /// The id, or empty for a change of a whole file.
    pub id: String,
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.id.is_empty() {
            f.write_str(&self.what)
        } else {
            write!(f, "{} '{}' {}", self.kind.name(), self.id, self.what)
        }
    }
}

/// Every change from `old` to `new`, most serious first, then in kind and
/// file order. `sound`: whether `new` came from a taxonomy without errors
/// (otherwise its rules and outcome rows are incomplete and not compared).
pub fn changes(old: &Lock, new: &Lock, sound: bool) -> Vec<Change> {
    let mut out = Vec::new();
    for kind in LockKind::ALL {
        if !sound && kind.needs_sound_taxonomy() {
            continue;
        }
        let before: Vec<&LockEntry> = old.entries.iter().filter(|e| e.kind == kind).collect();
        let after: Vec<&LockEntry> = new.entries.iter().filter(|e| e.kind == kind).collect();
        let find = |list: &[&LockEntry], id: &str| list.iter().position(|e| e.id == id);
        for entry in &before {
            if find(&after, &entry.id).is_none() {
                out.push(change(
                    Bump::Major,
                    entry,
                    "was removed (or renamed)".into(),
                ));
            }
        }
        for entry in &after {
            match find(&before, &entry.id) {
                None => out.push(change(Bump::Minor, entry, "was added".into())),
                Some(i) => {
                    let old_entry = before[i];
                    if old_entry.effect != entry.effect {
                        let what = format!(
                            "changed its effect from '{}' to '{}'",
                            old_entry.effect, entry.effect
                        );
                        out.push(change(Bump::Minor, entry, what));
                    }
                    if old_entry.text != entry.text {
                        let what = format!("changed its {}", kind.text_name());
                        out.push(change(Bump::Patch, entry, what));
                    }
                }
            }
        }
        let kept_before: Vec<&str> = before
            .iter()
            .filter(|e| find(&after, &e.id).is_some())
            .map(|e| e.id.as_str())
            .collect();
        let kept_after: Vec<&str> = after
            .iter()
            .filter(|e| find(&before, &e.id).is_some())
            .map(|e| e.id.as_str())
            .collect();
        if kept_before != kept_after {
            out.push(Change {
                bump: Bump::Minor,
                kind,
                id: String::new(),
                what: format!(
                    "the order of the {} list changed (rules and outcome rows run in order; manifests list in order)",
                    kind.name()
                ),
            });
        }
    }
    let file_changes = [
        (
            &old.fixtures_hash,
            &new.fixtures_hash,
            "the fixtures file changed (catalogue, policies or phrasings)",
        ),
        (
            &old.taxonomy_hash,
            &new.taxonomy_hash,
            "the taxonomy file changed (comments, formatting or the version line)",
        ),
    ];
    for (before, after, what) in file_changes {
        if before != after && (out.is_empty() || what.contains("fixtures")) {
            out.push(Change {
                bump: Bump::Patch,
                kind: LockKind::Vertical,
                id: String::new(),
                what: what.into(),
            });
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.bump));
    out
}

fn change(bump: Bump, entry: &LockEntry, what: String) -> Change {
    Change {
        bump,
        kind: entry.kind,
        id: entry.id.clone(),
        what,
    }
}

/// The outcome of checking one taxonomy against its lock and changelog.
#[derive(Debug, Default)]
pub struct Governance {
    /// The lock as it should read now, when the taxonomy resolved.
    pub lock: Option<String>,
    /// Where that lock belongs, e.g. `taxonomy/commerce/v1.lock`.
    pub lock_file: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks the taxonomy at `path` (shown as `file`, already checked into
/// `report`) against the lock beside it (`vN.lock`) and the changelog in its
/// directory (`CHANGELOG.md`).
pub fn check_governance(file: &str, path: &Path, report: &Report) -> Governance {
    let lock_file = sibling(file, &format!("{}.lock", stem(file)));
    let changelog_file = sibling(file, "CHANGELOG.md");
    let mut governance = Governance {
        lock_file: lock_file.clone(),
        ..Governance::default()
    };
    let Some(taxonomy) = &report.taxonomy else {
        return governance;
    };
    let source = std::fs::read_to_string(path).unwrap_or_default();
    let place = Places::scan(&source);
    let at_version = |severity, message: String| Diagnostic {
        severity,
        file: file.to_owned(),
        line: place.version.0,
        column: place.version.1,
        subject: Some("version".into()),
        message,
    };
    let current = Lock::of(taxonomy, report);
    governance.lock = Some(current.render(file));
    let version = taxonomy.version.to_string();
    let Ok(parsed_version) = semver::Version::parse(&version) else {
        return governance; // already reported by the parser
    };

    let changelog_path = path.with_file_name("CHANGELOG.md");
    let changelog = std::fs::read_to_string(&changelog_path).unwrap_or_default();
    if !has_entry(&changelog, &version) {
        governance.diagnostics.push(at_version(
            Severity::Error,
            format!(
                "{version} has no entry in {changelog_file}; add a '## {version}' heading that says what changed and why"
            ),
        ));
    }

    let lock_path = path.with_extension("lock");
    let Ok(lock_text) = std::fs::read_to_string(&lock_path) else {
        governance.diagnostics.push(at_version(
            Severity::Warning,
            format!(
                "{lock_file} is missing; run `{LOCK_COMMAND}` to record version {version} (CI fails until it is committed)"
            ),
        ));
        return governance;
    };
    let recorded = match Lock::parse(&lock_text) {
        Ok(lock) => lock,
        Err(error) => {
            governance.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                file: lock_file.clone(),
                line: error.line,
                column: 1,
                subject: None,
                message: format!(
                    "{}; restore it from git, or after a version bump run `{LOCK_COMMAND}`",
                    error.message
                ),
            });
            return governance;
        }
    };
    if recorded == current {
        return governance;
    }
    let sound = report.is_ok();
    let found = changes(&recorded, &current, sound);
    if found.is_empty() {
        if sound {
            governance.diagnostics.push(at_version(
                Severity::Warning,
                format!(
                    "{lock_file} was written by another coverage release; run `{LOCK_COMMAND}` to rewrite it"
                ),
            ));
        }
        return governance;
    }
    let needed = found.iter().map(|c| c.bump).max().unwrap_or(Bump::Patch);
    let Ok(locked_version) = semver::Version::parse(&recorded.version) else {
        governance.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: lock_file.clone(),
            line: 0,
            column: 0,
            subject: None,
            message: format!(
                "'{}' is not a semantic version; restore the lock from git",
                recorded.version
            ),
        });
        return governance;
    };
    let target = needed.apply(&locked_version);
    let summary = summarise(&found);
    let steps = format!(
        "set `version: {target}` (or higher), add a '## {target}' entry to {changelog_file}, then run `{LOCK_COMMAND}`"
    );
    let error = match Bump::between(&locked_version, &parsed_version) {
        None if parsed_version == locked_version => Some(format!(
            "the content changed but the version is still {version}, as recorded in {lock_file}; this needs a {needed} bump: {summary}; {steps}"
        )),
        None => Some(format!(
            "{version} is lower than {}, the version recorded in {lock_file}; versions only grow: {steps}",
            recorded.version
        )),
        Some(actual) if actual < needed => Some(format!(
            "{} -> {version} is a {actual} bump but the changes need a {needed} bump: {summary}; {steps}",
            recorded.version
        )),
        Some(_) => None,
    };
    match error {
        Some(message) => {
            governance
                .diagnostics
                .push(at_version(Severity::Error, message));
            for change in found.iter().take(MAX_LISTED) {
                let (line, column) = place.of(change);
                governance.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    file: file.to_owned(),
                    line,
                    column,
                    subject: (!change.id.is_empty())
                        .then(|| format!("{} '{}'", change.kind.name(), change.id)),
                    message: format!(
                        "{} since {} (needs a {} bump)",
                        change.what, recorded.version, change.bump
                    ),
                });
            }
        }
        None if sound => governance.diagnostics.push(at_version(
            Severity::Warning,
            format!(
                "{lock_file} still records {}; run `{LOCK_COMMAND}` to record {version} (CI fails on a stale lock)",
                recorded.version
            ),
        )),
        None => {}
    }
    governance
}

/// At most this many changes get a line of their own.
const MAX_LISTED: usize = 12;

fn summarise(changes: &[Change]) -> String {
    let mut text = changes
        .iter()
        .take(3)
        .map(Change::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if changes.len() > 3 {
        text += &format!(" (and {} more)", changes.len() - 3);
    }
    text
}

/// Whether the changelog has a `## VERSION` heading (`## [VERSION]` and a
/// trailing date or title are accepted).
pub fn has_entry(changelog: &str, version: &str) -> bool {
    changelog.lines().any(|line| {
        line.strip_prefix("## ")
            .map(|rest| rest.trim_start().trim_start_matches('['))
            .and_then(|rest| rest.strip_prefix(version))
            .is_some_and(|rest| {
                rest.is_empty() || rest.starts_with([']', ' ', '\t', '—', '-', '('])
            })
    })
}

/// `taxonomy/commerce/v1.yaml` → `v1`.
fn stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.strip_suffix(".yaml").unwrap_or(name)
}

/// A file beside `file`, written the same way.
fn sibling(file: &str, name: &str) -> String {
    match file.rfind('/') {
        Some(cut) => format!("{}/{name}", &file[..cut]),
        None => name.to_owned(),
    }
}

fn text_hash(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("\n").as_bytes());
    format!("{digest:x}")[..12].to_owned()
}

fn list_or_dash(ids: &[&str]) -> String {
    if ids.is_empty() {
        "-".into()
    } else {
        ids.join(",")
    }
}

/// `domains=… behaviors=… match=axis:bin,bin;…`, with `*` for every one.
fn condition_text(taxonomy: &Taxonomy, when: &Condition) -> String {
    let names = |indexes: &[u8], total: usize, id: &dyn Fn(usize) -> String| {
        if indexes.len() == total {
            "*".to_owned()
        } else {
            indexes
                .iter()
                .map(|&i| id(usize::from(i)))
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let domains = names(&when.domains, taxonomy.domains.len(), &|i| {
        taxonomy.domains[i].id.to_string()
    });
    let behaviors = names(&when.behaviors, taxonomy.behaviors.len(), &|i| {
        taxonomy.behaviors[i].entry.id.to_string()
    });
    let matches: Vec<String> = when
        .matches
        .iter()
        .map(|m| {
            let axis = &taxonomy.axes[usize::from(m.axis)];
            let bins: Vec<&str> = m
                .bins
                .iter()
                .map(|&b| axis.bins[usize::from(b)].id.as_ref())
                .collect();
            format!("{}:{}", axis.entry.id, bins.join(","))
        })
        .collect();
    format!(
        "domains={domains} behaviors={behaviors} match={}",
        if matches.is_empty() {
            "*".to_owned()
        } else {
            matches.join(";")
        }
    )
}

/// Where things stand in the taxonomy source, found by reading its lines:
/// each `- id:` under its top-level section (bins under their axis).
struct Places {
    version: (u64, u64),
    fixtures: Option<(u64, u64)>,
    sections: Vec<(String, (u64, u64))>,
    ids: Vec<(LockKind, String, (u64, u64))>,
}

impl Places {
    fn scan(source: &str) -> Self {
        let mut places = Self {
            version: (0, 0),
            fixtures: None,
            sections: Vec::new(),
            ids: Vec::new(),
        };
        let mut section = String::new();
        let mut axis = String::new();
        for (index, line) in source.lines().enumerate() {
            let line_no = index as u64 + 1;
            let indent = line.len() - line.trim_start().len();
            if indent == 0 && !line.starts_with(['#', '-']) {
                if let Some((key, value)) = line.split_once(':') {
                    let column = (key.len() + 1 + value.len() - value.trim_start().len()) as u64;
                    match key {
                        "version" => places.version = (line_no, column + 1),
                        "fixtures" => places.fixtures = Some((line_no, column + 1)),
                        _ => {}
                    }
                    section = key.to_owned();
                    places.sections.push((section.clone(), (line_no, 1)));
                }
                continue;
            }
            let Some(id) = line.trim_start().strip_prefix("- id:") else {
                continue;
            };
            let id = id.trim().to_owned();
            let at = (line_no, (indent + 3) as u64);
            let kind = match section.as_str() {
                "difficulties" => LockKind::Difficulty,
                "domains" => LockKind::Domain,
                "behaviors" => LockKind::Behavior,
                "decisions" => LockKind::Decision,
                "rules" => LockKind::Rule,
                "outcomes" => LockKind::Outcome,
                "axes" if indent <= 2 => {
                    axis = id.clone();
                    LockKind::Axis
                }
                "axes" => {
                    places.ids.push((LockKind::Bin, format!("{axis}.{id}"), at));
                    continue;
                }
                _ => continue,
            };
            places.ids.push((kind, id, at));
        }
        places
    }

    /// Where a change is best shown: the entry itself, else (removed) its
    /// axis or section, else the version line.
    fn of(&self, change: &Change) -> (u64, u64) {
        let find = |kind: LockKind, id: &str| {
            self.ids
                .iter()
                .find(|(k, i, _)| *k == kind && i == id)
                .map(|(_, _, at)| *at)
        };
        if change.id.is_empty() {
            if change.what.contains("fixtures") {
                return self.fixtures.unwrap_or(self.version);
            }
            return self.version;
        }
        if let Some(at) = find(change.kind, &change.id) {
            return at;
        }
        if change.kind == LockKind::Bin
            && let Some(at) = change
                .id
                .split_once('.')
                .and_then(|(axis, _)| find(LockKind::Axis, axis))
        {
            return at;
        }
        let section = match change.kind {
            LockKind::Vertical => "vertical",
            LockKind::Difficulty => "difficulties",
            LockKind::Domain => "domains",
            LockKind::Behavior => "behaviors",
            LockKind::Axis | LockKind::Bin => "axes",
            LockKind::Decision => "decisions",
            LockKind::Rule => "rules",
            LockKind::Outcome => "outcomes",
        };
        self.sections
            .iter()
            .find(|(name, _)| name == section)
            .map_or(self.version, |(_, at)| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[test]
    fn the_bump_between_two_versions_is_the_largest_part_that_grew() {
        assert_eq!(Bump::between(&v("1.0.0"), &v("1.0.1")), Some(Bump::Patch));
        assert_eq!(Bump::between(&v("1.0.9"), &v("1.1.0")), Some(Bump::Minor));
        assert_eq!(Bump::between(&v("1.4.2"), &v("2.0.0")), Some(Bump::Major));
        assert_eq!(Bump::between(&v("1.0.0"), &v("1.0.0")), None);
        assert_eq!(Bump::between(&v("1.2.0"), &v("1.1.9")), None);
    }

    #[test]
    fn applying_a_bump_resets_the_smaller_parts() {
        assert_eq!(Bump::Patch.apply(&v("1.2.3")), v("1.2.4"));
        assert_eq!(Bump::Minor.apply(&v("1.2.3")), v("1.3.0"));
        assert_eq!(Bump::Major.apply(&v("1.2.3")), v("2.0.0"));
        assert!(Bump::Major > Bump::Minor && Bump::Minor > Bump::Patch);
    }

    #[test]
    fn a_changelog_entry_is_a_level_two_heading_naming_the_version_exactly() {
        for heading in [
            "## 1.0.1",
            "## [1.0.1]",
            "## 1.0.1 — 2026-12-03",
            "## 1.0.1 (rules)",
        ] {
            assert!(
                has_entry(&format!("# Changes\n\n{heading}\n"), "1.0.1"),
                "{heading}"
            );
        }
        for heading in ["## 1.0.10", "### 1.0.1", "1.0.1", "## 11.0.1", "## 1.0.1.2"] {
            assert!(!has_entry(&format!("{heading}\n"), "1.0.1"), "{heading}");
        }
    }

    #[test]
    fn the_lock_and_changelog_are_named_beside_the_taxonomy() {
        assert_eq!(stem("taxonomy/commerce/v1.yaml"), "v1");
        assert_eq!(
            sibling("taxonomy/commerce/v1.yaml", "v1.lock"),
            "taxonomy/commerce/v1.lock"
        );
        assert_eq!(sibling("v1.yaml", "CHANGELOG.md"), "CHANGELOG.md");
    }
}
