//! One document, streamed: each item is checked against its schema and the
//! taxonomy as it arrives and then reduced to the little the cross-file
//! checks need, and the document's own totals and hash are checked at its
//! end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::schema::{Kind, SUPPORTED, Schemas};
use super::stream::{self, Halt, Listener};
use super::{Problems, checks};
use crate::job::LineHasher;
use crate::taxonomy::Difficulty;

/// What the cross-file checks need of one item. Only items with an id
/// (or, for an entry, a `dataset_id`) are summarized: nothing checks the
/// others against another file.
#[derive(Clone, Debug, Default)]
pub(crate) struct ItemSummary {
    /// Its position in the document.
    pub index: usize,
    /// A conversation's `id`, or an entry's `conversation_id`.
    pub id: Option<String>,
    pub scenario_id: Option<String>,
    /// An entry's `dataset_id`.
    pub dataset_id: Option<String>,
    /// A conversation's turn count and the indexes of its assistant turns.
    pub turns: usize,
    pub assistant_turns: Vec<usize>,
    /// An entry's graded turns.
    pub expected_turns: Vec<usize>,
    /// Where they are: `graded_turns` (schema 4) or `expected_turns`.
    pub turns_key: &'static str,
}

/// One document, reduced.
pub(crate) struct Summary {
    pub file: String,
    pub path: PathBuf,
    pub kind: Kind,
    /// `json` or `jsonl`.
    pub format: &'static str,
    pub schema_version: u32,
    pub metadata: Value,
    /// How many items the document holds.
    pub count: usize,
    /// The items with an id, in order.
    pub items: Vec<ItemSummary>,
    /// SHA-256 over the items as compact JSON lines.
    pub content_hash: String,
    /// Per (domain, behavior) of a dataset: conversations and their hash.
    pub groups: BTreeMap<(String, String), (usize, String)>,
}

/// Streams and checks `path`; `None` when it cannot be read as a document
/// at all (the problem is reported).
pub(crate) fn summarize(
    path: &Path,
    schemas: &Schemas,
    problems: &mut Problems,
) -> Option<Summary> {
    let file = path.display().to_string();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let reader = match crate::input::open_regular(path) {
        Ok(reader) => reader,
        Err(e) => {
            problems.push(&file, "", format!("cannot read: {e}"));
            return None;
        }
    };
    if !name.ends_with(".jsonl") {
        let mut checker = Checker::new(file, schemas, problems);
        let result = stream::json(reader, &mut checker);
        return checker.end(path, result);
    }
    let kind = if name.ends_with(".dataset.jsonl") {
        Kind::Dataset
    } else if name.ends_with(".golden.jsonl") {
        Kind::Golden
    } else {
        problems.push(
            &file,
            "",
            "a JSON Lines file must be named *.dataset.jsonl or *.golden.jsonl",
        );
        return None;
    };
    let sidecar = read_sidecar(path, problems)?;
    let mut checker = Checker::new(file, schemas, problems);
    let result = stream::json_lines(reader, kind.items_key(), sidecar, &mut checker);
    checker.end(path, result)
}

/// The header of a JSON Lines file from its sidecar: `Some(None)` when
/// there is none (the file may carry its header on its first line, as
/// before schema 3), `None` when the sidecar is unreadable (reported).
#[allow(clippy::option_option)]
fn read_sidecar(path: &Path, problems: &mut Problems) -> Option<Option<Map<String, Value>>> {
    let sidecar = crate::job::sidecar_of(path);
    let file = sidecar.display().to_string();
    let text = match crate::input::read_to_string(&sidecar, stream::MAX_ITEM_BYTES) {
        Ok(text) => text,
        Err(crate::input::InputError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some(None);
        }
        Err(e) => {
            problems.push(&file, "", format!("cannot read: {e}"));
            return None;
        }
    };
    match crate::strict_json::from_str(&text) {
        Ok(Value::Object(map)) => Some(Some(map)),
        Ok(_) => {
            problems.push(
                &file,
                "",
                "not a JSON object with schema_version and metadata",
            );
            None
        }
        Err(e) => {
            problems.push(&file, "", stream::not_json(&e));
            None
        }
    }
}

struct Checker<'a> {
    file: String,
    schemas: &'a Schemas,
    problems: &'a mut Problems,
    header: Map<String, Value>,
    kind: Option<Kind>,
    /// 0 until the header says; an unsupported version is reported once.
    version: u32,
    wrapper: Value,
    items: Vec<ItemSummary>,
    count: usize,
    hash: LineHasher,
    groups: BTreeMap<(String, String), (usize, LineHasher)>,
    difficulties: BTreeSet<Difficulty>,
    /// Without `schema_version` the document is read as version 1; its
    /// problems as such are only counted here, and reported as one line
    /// naming the missing field when there are any.
    implied: Option<Problems>,
}

impl<'a> Checker<'a> {
    fn new(file: String, schemas: &'a Schemas, problems: &'a mut Problems) -> Self {
        Self {
            file,
            schemas,
            problems,
            header: Map::new(),
            kind: None,
            version: 0,
            wrapper: Value::Null,
            items: Vec::new(),
            count: 0,
            hash: LineHasher::default(),
            groups: BTreeMap::new(),
            difficulties: BTreeSet::new(),
            implied: None,
        }
    }

    /// The schema version the header declares (1 when absent), or `None`
    /// when unsupported.
    fn declared_version(&self) -> Option<u32> {
        match self.header.get("schema_version") {
            None => Some(1),
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|v| SUPPORTED.contains(v))
                .map(|v| v as u32),
            Some(_) => None,
        }
    }

    /// Whether the problems found so far are as many as may be: the
    /// document's reading stops.
    fn full(&self) -> bool {
        self.problems.full(&self.file)
            || self
                .implied
                .as_ref()
                .is_some_and(|implied| implied.full(&self.file))
    }

    /// The document's end: a stream error, or the checks of the whole.
    fn end(mut self, path: &Path, result: Result<(), Halt>) -> Option<Summary> {
        match result {
            Ok(()) => {}
            // Without the rest, its totals, hash and pairing cannot be
            // judged: the file is left out of the cross-file checks.
            Err(Halt::Stopped) => {
                // A document without schema_version that stopped on its
                // problems as version 1 has its one line, which says it all.
                let reported = self.problems.full(&self.file);
                self.problems.stop(&self.file, reported);
                if let Some(implied) = self.implied.take() {
                    self.missing_version_stopped(&implied);
                }
                return None;
            }
            Err(Halt::Invalid { pointer, message }) => {
                self.problems.push(&self.file, pointer, message);
                return None;
            }
        }
        let jsonl = path.extension().is_some_and(|e| e == "jsonl");
        self.finish(path, if jsonl { "jsonl" } else { "json" })
    }

    fn finish(mut self, path: &Path, format: &'static str) -> Option<Summary> {
        let Some(kind) = self.kind else {
            self.problems.push(
                &self.file,
                "",
                "neither a dataset (with 'conversations') nor a golden (with 'entries')",
            );
            return None;
        };
        let Some(version) = self.declared_version() else {
            self.problems.push(
                &self.file,
                "/schema_version",
                format!(
                    "unsupported schema version {}; supported: {}",
                    self.header["schema_version"],
                    SUPPORTED
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        };
        // The header alone against the schema; the items were checked one by one.
        let mut document = Value::Object(self.header.clone());
        document[kind.items_key()] = json!([]);
        let items_prefix = format!("/{}/", kind.items_key());
        let target = self.implied.as_mut().unwrap_or(&mut *self.problems);
        let bytes = serde_json::to_vec(&document).map_or(0, |b| b.len());
        for (pointer, message) in self.schemas.check_bounded(kind, version, &document, bytes) {
            if !pointer.starts_with(&items_prefix) {
                target.push(&self.file, pointer, message);
            }
        }
        let metadata = self.header.get("metadata").cloned().unwrap_or(Value::Null);
        let content_hash = self.hash.finish();
        let summary = Summary {
            file: self.file,
            path: path.to_owned(),
            kind,
            format,
            schema_version: version,
            metadata,
            count: self.count,
            items: self.items,
            content_hash,
            groups: self
                .groups
                .into_iter()
                .map(|(key, (n, hash))| (key, (n, hash.finish())))
                .collect(),
        };
        match self.implied {
            None => checks::document_totals(&summary, &self.difficulties, self.problems),
            Some(mut implied) => {
                checks::document_totals(&summary, &self.difficulties, &mut implied);
                let count: usize = implied.per_file.values().sum();
                if count > 0 {
                    self.problems.push(
                        &summary.file,
                        "/schema_version",
                        missing_version_message(count, false),
                    );
                }
            }
        }
        Some(summary)
    }

    /// The one problem of a document without `schema_version` whose
    /// reading stopped at the limit of its problems as version 1.
    fn missing_version_stopped(&mut self, implied: &Problems) {
        let count: usize = implied.per_file.values().sum();
        if count > 0 {
            self.problems.push(
                &self.file,
                "/schema_version",
                missing_version_message(count, true),
            );
        }
    }
}

fn missing_version_message(count: usize, stopped: bool) -> String {
    format!(
        "missing; a document without it is read as version 1, and this one is not a valid version-1 document ({}{count} problem{} as version 1); add schema_version (supported: {})",
        if stopped { "at least " } else { "" },
        if count == 1 { "" } else { "s" },
        SUPPORTED
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl Listener for Checker<'_> {
    fn header(&mut self, key: String, value: Value) {
        self.header.insert(key, value);
    }

    fn begin_items(&mut self, key: &str) {
        self.kind = Kind::of_items_key(key);
        self.version = self.declared_version().unwrap_or(0);
        if self.file.ends_with(".jsonl") && !self.header.contains_key("metadata") {
            // Without a header the schema version is unknown: say so once
            // rather than judge every line by the wrong schema.
            self.version = 0;
            let sidecar = crate::job::sidecar_of(Path::new(&self.file));
            self.problems.push(
                &self.file,
                "",
                format!(
                    "no metadata: expected its sidecar {} with schema_version and metadata",
                    sidecar.display()
                ),
            );
        }
        if self.version == 1 && !self.header.contains_key("schema_version") {
            self.implied = Some(Problems::counter(self.problems.stop_at));
        }
        let mut wrapper = Value::Object(self.header.clone());
        wrapper[key] = json!([Value::Null]);
        self.wrapper = wrapper;
    }

    fn item(&mut self, index: usize, item: Value, _bytes: u64) -> bool {
        let Some(kind) = self.kind else { return true };
        self.count += 1;
        let line = serde_json::to_string(&item).expect("a parsed value serializes");
        self.hash.add(&line);
        let mut summary = ItemSummary {
            index,
            ..ItemSummary::default()
        };
        let target = self.implied.as_mut().unwrap_or(&mut *self.problems);
        match kind {
            Kind::Dataset => {
                checks::conversation(
                    &item,
                    index,
                    &mut summary,
                    &mut self.difficulties,
                    self.version,
                    &mut |p, m| target.push(&self.file, p, m),
                );
                if let (Some(domain), Some(behavior)) =
                    (item["domain"].as_str(), item["behavior"].as_str())
                {
                    let group = self
                        .groups
                        .entry((domain.to_owned(), behavior.to_owned()))
                        .or_default();
                    group.0 += 1;
                    group.1.add(&line);
                }
            }
            Kind::Golden => checks::entry(&item, index, &mut summary, self.version, &mut |p, m| {
                target.push(&self.file, p, m)
            }),
        }
        if summary.id.is_some() || summary.dataset_id.is_some() {
            self.items.push(summary);
        }
        if self.version == 0 {
            return !self.full();
        }
        // The item inside a one-item copy of its document, so the schema's
        // version conditions apply; pointers are moved to the item's index.
        let key = kind.items_key();
        self.wrapper[key][0] = item;
        let inner = format!("/{key}/0");
        let target = self.implied.as_mut().unwrap_or(&mut *self.problems);
        let checked = self
            .schemas
            .check_bounded(kind, self.version, &self.wrapper, line.len());
        for (pointer, message) in checked {
            if let Some(rest) = pointer.strip_prefix(&inner) {
                target.push(&self.file, format!("/{key}/{index}{rest}"), message);
            }
        }
        self.wrapper[key][0] = Value::Null;
        !self.full()
    }
}
