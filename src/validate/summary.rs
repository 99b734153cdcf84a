//! One document, streamed: each item is checked against its schema and the
//! taxonomy as it arrives and then reduced to the little the cross-file
//! checks need, and the document's own totals and hash are checked at its
//! end.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::schema::{Kind, SUPPORTED, Schemas};
use super::stream::{self, Listener};
use super::{Problems, checks};
use crate::job::LineHasher;
use crate::taxonomy::Difficulty;

/// What the cross-file checks need of one item.
#[derive(Clone, Debug, Default)]
pub(crate) struct ItemSummary {
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
    let reader = match File::open(path) {
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
    let text = match std::fs::read_to_string(&sidecar) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(None),
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

    /// The document's end: a stream error, or the checks of the whole.
    fn end(self, path: &Path, result: Result<(), String>) -> Option<Summary> {
        if let Err(message) = result {
            self.problems.push(&self.file, "", message);
            return None;
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
        for (pointer, message) in self.schemas.check(kind, version, &document) {
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
                        format!(
                            "missing; a document without it is read as version 1, and this one is not a valid version-1 document ({count} problem{} as version 1); add schema_version (supported: {})",
                            if count == 1 { "" } else { "s" },
                            SUPPORTED
                                .map(|v| v.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        Some(summary)
    }
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
            self.implied = Some(Problems::new(0));
        }
        let mut wrapper = Value::Object(self.header.clone());
        wrapper[key] = json!([Value::Null]);
        self.wrapper = wrapper;
    }

    fn item(&mut self, index: usize, item: Value) {
        let Some(kind) = self.kind else { return };
        let line = serde_json::to_string(&item).expect("a parsed value serializes");
        self.hash.add(&line);
        let mut summary = ItemSummary::default();
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
        self.items.push(summary);
        if self.version == 0 {
            return;
        }
        // The item inside a one-item copy of its document, so the schema's
        // version conditions apply; pointers are moved to the item's index.
        let key = kind.items_key();
        self.wrapper[key][0] = item;
        let inner = format!("/{key}/0");
        let target = self.implied.as_mut().unwrap_or(&mut *self.problems);
        for (pointer, message) in self.schemas.check(kind, self.version, &self.wrapper) {
            if let Some(rest) = pointer.strip_prefix(&inner) {
                target.push(&self.file, format!("/{key}/{index}{rest}"), message);
            }
        }
        self.wrapper[key][0] = Value::Null;
    }
}
