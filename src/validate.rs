//! `coverage validate`: datasets and goldens against their JSON Schemas, and
//! each golden against its dataset.
//!
//! Every problem is reported with its file and a JSON pointer into it. The
//! schemas are compiled into the binary; validation never touches the
//! network.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use coverage_core::TaxonomyEnum;
use jsonschema::Validator;
use serde_json::Value;

use crate::contract::dataset::DatasetDifficulty;
use crate::taxonomy::{
    Availability, Behavior, BrandBias, Decision, Domain, FIXTURES, PolicyBoundary,
    PriceSensitivity, Scenario,
};

/// One thing wrong with one document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    /// RFC 6901 pointer to the offending value; empty for the whole document.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{}: {pointer}: {}", self.file, self.message)
    }
}

/// What a JSON document is, from its top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dataset,
    Golden,
}

/// The compiled schemas of every supported version.
pub struct Schemas {
    dataset: [Validator; 3],
    golden: [Validator; 3],
}

const SCHEMA_SOURCES: [(&str, &str); 6] = [
    (
        "dataset.v1",
        include_str!("../schemas/dataset.v1.schema.json"),
    ),
    (
        "dataset.v2",
        include_str!("../schemas/dataset.v2.schema.json"),
    ),
    (
        "dataset.v3",
        include_str!("../schemas/dataset.v3.schema.json"),
    ),
    (
        "golden.v1",
        include_str!("../schemas/golden.v1.schema.json"),
    ),
    (
        "golden.v2",
        include_str!("../schemas/golden.v2.schema.json"),
    ),
    (
        "golden.v3",
        include_str!("../schemas/golden.v3.schema.json"),
    ),
];

impl Schemas {
    pub fn load() -> Self {
        let [d1, d2, d3, g1, g2, g3] = SCHEMA_SOURCES.map(|(name, source)| {
            let schema: Value = serde_json::from_str(source)
                .unwrap_or_else(|e| panic!("schema {name} is not JSON: {e}"));
            jsonschema::draft202012::new(&schema)
                .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"))
        });
        Self {
            dataset: [d1, d2, d3],
            golden: [g1, g2, g3],
        }
    }

    /// Schema problems of `document`, checked against version `version`
    /// (1, 2 or 3) of its kind: `(pointer, message)` pairs.
    pub fn check(&self, kind: Kind, version: u32, document: &Value) -> Vec<(String, String)> {
        let validators = match kind {
            Kind::Dataset => &self.dataset,
            Kind::Golden => &self.golden,
        };
        let validator = &validators[version as usize - 1];
        validator
            .iter_errors(document)
            .map(|error| (error.instance_path().as_str().to_owned(), error.to_string()))
            .collect()
    }
}

/// The file names `coverage validate` looks for in directories.
const DOCUMENT_SUFFIXES: [&str; 4] = [
    ".dataset.json",
    ".golden.json",
    ".dataset.jsonl",
    ".golden.jsonl",
];

/// A document read from disk.
struct Document {
    file: String,
    path: PathBuf,
    kind: Kind,
    value: Value,
}

/// Validates every dataset and golden under `paths` (files, or directories
/// searched for `*.dataset.json` and `*.golden.json`). Returns the problems
/// and how many files were checked; a missing path is an `Err`.
pub fn validate_paths(paths: &[PathBuf]) -> Result<(Vec<Problem>, usize), String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut files);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("no such file or directory: {}", path.display()));
        }
    }
    files.sort();
    files.dedup();
    let schemas = Schemas::load();
    let mut problems = Vec::new();
    let mut documents = Vec::new();
    for path in &files {
        match read(path) {
            Ok(document) => {
                problems.extend(schema_problems(&schemas, &document));
                documents.push(document);
            }
            Err(problem) => problems.push(problem),
        }
    }
    problems.extend(cross_check(&documents));
    problems.sort();
    Ok((problems, files.len()))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            collect(&path, out);
        } else if name.starts_with(crate::output::atomic::TEMP_PREFIX) {
            // A killed run's leftover; the next run removes it.
        } else if DOCUMENT_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix))
        {
            out.push(path);
        }
    }
}

fn read(path: &Path) -> Result<Document, Problem> {
    let file = path.display().to_string();
    let problem = |message: String| Problem {
        file: file.clone(),
        pointer: String::new(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| problem(format!("cannot read: {e}")))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let value: Value = if name.ends_with(".jsonl") {
        let key = match (
            name.ends_with(".dataset.jsonl"),
            name.ends_with(".golden.jsonl"),
        ) {
            (true, _) => "conversations",
            (_, true) => "entries",
            _ => {
                return Err(problem(
                    "a JSON Lines file must be named *.dataset.jsonl or *.golden.jsonl".into(),
                ));
            }
        };
        from_json_lines(&text, key).map_err(problem)?
    } else {
        serde_json::from_str(&text).map_err(|e| problem(format!("not valid JSON: {e}")))?
    };
    let kind = match (value.get("conversations"), value.get("entries")) {
        (Some(_), None) => Kind::Dataset,
        (None, Some(_)) => Kind::Golden,
        _ => {
            return Err(problem(
                "neither a dataset (with 'conversations') nor a golden (with 'entries')".into(),
            ));
        }
    };
    Ok(Document {
        file,
        path: path.to_owned(),
        kind,
        value,
    })
}

/// A JSON Lines document (a header line with `schema_version` and
/// `metadata`, then one item per line) as the equivalent JSON document, so
/// pointers read the same in both formats.
fn from_json_lines(text: &str, key: &str) -> Result<Value, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    let (_, header) = lines.next().ok_or("empty file; expected a header line")?;
    let mut document: Value =
        serde_json::from_str(header).map_err(|e| format!("line 1: not valid JSON: {e}"))?;
    let mut items = Vec::new();
    for (number, line) in lines {
        items.push(
            serde_json::from_str::<Value>(line)
                .map_err(|e| format!("line {}: not valid JSON: {e}", number + 1))?,
        );
    }
    document
        .as_object_mut()
        .ok_or("line 1: the header is not a JSON object")?
        .insert(key.to_owned(), Value::Array(items));
    Ok(document)
}

fn schema_problems(schemas: &Schemas, document: &Document) -> Vec<Problem> {
    let problem = |pointer: String, message: String| Problem {
        file: document.file.clone(),
        pointer,
        message,
    };
    let version = match document.value.get("schema_version") {
        None => 1,
        Some(Value::Number(n)) if matches!(n.as_u64(), Some(1..=3)) => {
            n.as_u64().unwrap_or(1) as u32
        }
        Some(other) => {
            return vec![problem(
                "/schema_version".into(),
                format!("unsupported schema version {other}; supported: 1, 2, 3"),
            )];
        }
    };
    schemas
        .check(document.kind, version, &document.value)
        .into_iter()
        .map(|(pointer, message)| problem(pointer, message))
        .collect()
}

/// Each golden against its dataset: the same `dataset_id`, exactly one entry
/// per conversation, no orphan entries, expectations on real turns.
fn cross_check(documents: &[Document]) -> Vec<Problem> {
    let datasets: Vec<&Document> = documents
        .iter()
        .filter(|d| d.kind == Kind::Dataset)
        .collect();
    let mut problems = Vec::new();
    for dataset in &datasets {
        problems.extend(dataset_consistency(dataset));
        if matches!(dataset.value["schema_version"].as_u64(), Some(2 | 3)) {
            problems.extend(dataset_against_taxonomy(dataset));
        }
    }
    for golden in documents.iter().filter(|d| {
        d.kind == Kind::Golden && matches!(d.value["schema_version"].as_u64(), Some(2 | 3))
    }) {
        problems.extend(golden_against_taxonomy(golden));
    }
    for golden in documents.iter().filter(|d| d.kind == Kind::Golden) {
        let twin = golden
            .path
            .to_string_lossy()
            .replace(".golden.json", ".dataset.json");
        let dataset = datasets
            .iter()
            .find(|d| d.path.to_string_lossy() == twin)
            .copied();
        let loaded_twin;
        let dataset = match dataset {
            Some(dataset) => dataset,
            None => match read(Path::new(&twin)) {
                Ok(document) if document.kind == Kind::Dataset => {
                    loaded_twin = document;
                    &loaded_twin
                }
                _ => {
                    problems.push(Problem {
                        file: golden.file.clone(),
                        pointer: String::new(),
                        message: format!("no dataset to check against: expected {twin}"),
                    });
                    continue;
                }
            },
        };
        problems.extend(golden_against_dataset(golden, dataset));
    }
    problems
}

fn dataset_consistency(dataset: &Document) -> Vec<Problem> {
    let mut problems = Vec::new();
    let conversations = dataset.value["conversations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut seen = BTreeMap::new();
    for (i, conversation) in conversations.iter().enumerate() {
        if let Some(id) = conversation["id"].as_str()
            && let Some(first) = seen.insert(id.to_owned(), i)
        {
            problems.push(Problem {
                file: dataset.file.clone(),
                pointer: format!("/conversations/{i}/id"),
                message: format!(
                    "duplicate conversation id '{id}' (first at /conversations/{first})"
                ),
            });
        }
    }
    if let Some(count) = dataset.value["metadata"]["conversation_count"].as_u64()
        && count != conversations.len() as u64
    {
        problems.push(Problem {
            file: dataset.file.clone(),
            pointer: "/metadata/conversation_count".into(),
            message: format!(
                "says {count} but the dataset has {} conversations",
                conversations.len()
            ),
        });
    }
    problems
}

fn golden_against_dataset(golden: &Document, dataset: &Document) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |file: &str, pointer: String, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            pointer,
            message,
        })
    };
    let dataset_id = dataset.value["metadata"]["dataset_id"]
        .as_str()
        .unwrap_or_default();
    let golden_id = golden.value["metadata"]["dataset_id"]
        .as_str()
        .unwrap_or_default();
    if golden_id != dataset_id {
        report(
            &golden.file,
            "/metadata/dataset_id".into(),
            format!("'{golden_id}' does not match the dataset's '{dataset_id}'"),
        );
    }
    let conversations: BTreeMap<&str, (usize, &Value)> = dataset.value["conversations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c["id"].as_str()?, (i, c))))
        .collect();
    let mut graded: BTreeMap<&str, usize> = BTreeMap::new();
    let entries = golden.value["entries"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let at = |field: &str| format!("/entries/{i}/{field}");
        if let Some(entry_dataset) = entry["dataset_id"].as_str()
            && entry_dataset != dataset_id
        {
            report(
                &golden.file,
                at("dataset_id"),
                format!("'{entry_dataset}' is not this golden's dataset '{dataset_id}'"),
            );
        }
        let Some(conversation_id) = entry["conversation_id"].as_str() else {
            continue;
        };
        let Some((_, conversation)) = conversations.get(conversation_id) else {
            report(
                &golden.file,
                at("conversation_id"),
                format!("orphan entry: the dataset has no conversation '{conversation_id}'"),
            );
            continue;
        };
        if let Some(first) = graded.insert(conversation_id, i) {
            report(
                &golden.file,
                at("conversation_id"),
                format!(
                    "second entry for conversation '{conversation_id}' (first at /entries/{first})"
                ),
            );
        }
        if let (Some(a), Some(b)) = (
            entry["scenario_id"].as_str(),
            conversation["scenario_id"].as_str(),
        ) && a != b
        {
            report(
                &golden.file,
                at("scenario_id"),
                format!("'{a}' differs from the conversation's scenario '{b}'"),
            );
        }
        let turns = conversation["turns"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (j, expected) in entry["expected_turns"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(turn) = expected["turn"].as_u64() else {
                continue;
            };
            let turn = turn as usize;
            let on_assistant =
                turn == turns.len() || turns.get(turn).is_some_and(|t| t["role"] == "assistant");
            if !on_assistant {
                report(
                    &golden.file,
                    format!("/entries/{i}/expected_turns/{j}/turn"),
                    format!(
                        "turn {turn} is not an assistant turn of conversation '{conversation_id}' ({} turns)",
                        turns.len()
                    ),
                );
            }
        }
    }
    for (id, (i, _)) in &conversations {
        if !graded.contains_key(id) {
            report(
                &dataset.file,
                format!("/conversations/{i}"),
                format!("conversation '{id}' has no entry in {}", golden.file),
            );
        }
    }
    problems
}

/// Problems of a value that must be the id of a taxonomy entry.
fn check_id<T: TaxonomyEnum>(
    value: &Value,
    pointer: String,
    out: &mut Vec<(String, String)>,
) -> Option<T> {
    let text = value.as_str()?;
    match T::from_id(text) {
        Ok(entry) => Some(entry),
        Err(error) => {
            out.push((pointer, error.to_string()));
            None
        }
    }
}

/// A schema-2 dataset against the compiled taxonomy: known ids, scenario
/// ids made of the conversation's parts, difficulties that follow from the
/// behaviors, conversations that end on the user's turn.
fn dataset_against_taxonomy(dataset: &Document) -> Vec<Problem> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut difficulties = Vec::new();
    let conversations = dataset.value["conversations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, c) in conversations.iter().enumerate() {
        let at = |field: &str| format!("/conversations/{i}/{field}");
        let domain = check_id::<Domain>(&c["domain"], at("domain"), &mut found);
        let behavior = check_id::<Behavior>(&c["behavior"], at("behavior"), &mut found);
        let axes = &c["axes"];
        let price = check_id::<PriceSensitivity>(
            &axes["price_sensitivity"],
            at("axes/price_sensitivity"),
            &mut found,
        );
        let brand = check_id::<BrandBias>(&axes["brand_bias"], at("axes/brand_bias"), &mut found);
        let availability =
            check_id::<Availability>(&axes["availability"], at("axes/availability"), &mut found);
        let policy = check_id::<PolicyBoundary>(
            &axes["policy_boundary"],
            at("axes/policy_boundary"),
            &mut found,
        );
        if let (
            Some(domain),
            Some(behavior),
            Some(price_sensitivity),
            Some(brand_bias),
            Some(availability),
            Some(policy_boundary),
        ) = (domain, behavior, price, brand, availability, policy)
        {
            let scenario = Scenario {
                domain,
                behavior,
                price_sensitivity,
                brand_bias,
                availability,
                policy_boundary,
            };
            if c["scenario_id"]
                .as_str()
                .is_some_and(|id| id != scenario.id())
            {
                found.push((
                    at("scenario_id"),
                    format!(
                        "{} does not match the conversation's domain, behavior and axes ('{}')",
                        c["scenario_id"],
                        scenario.id()
                    ),
                ));
            }
            let difficulty = behavior.difficulty();
            difficulties.push(difficulty);
            if c["difficulty"]
                .as_str()
                .is_some_and(|d| d != difficulty.id())
            {
                found.push((
                    at("difficulty"),
                    format!(
                        "{} but behavior '{behavior}' is '{difficulty}'",
                        c["difficulty"]
                    ),
                ));
            }
        }
        if c["turns"]
            .as_array()
            .and_then(|turns| turns.last())
            .is_some_and(|turn| turn["role"] == "assistant")
        {
            found.push((
                at("turns"),
                "ends on an assistant turn; the reply under test must follow a user turn".into(),
            ));
        }
    }
    let declared = &dataset.value["metadata"]["difficulty"];
    let expected = serde_json::to_value(DatasetDifficulty::of(difficulties.iter().copied()))
        .unwrap_or_default();
    let listed = |list: &Value| {
        let mut ids: Vec<&str> = list
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        let mut present: Vec<&str> = difficulties.iter().map(|d| d.id()).collect();
        present.sort_unstable();
        present.dedup();
        ids == present
    };
    if !conversations.is_empty()
        && *declared != expected
        && !(declared.is_array() && listed(declared))
    {
        found.push((
            "/metadata/difficulty".into(),
            format!("{declared} but the conversations make it {expected}"),
        ));
    }
    located(dataset, found)
}

/// A schema-2 golden against the compiled taxonomy and fixtures.
fn golden_against_taxonomy(golden: &Document) -> Vec<Problem> {
    let mut found: Vec<(String, String)> = Vec::new();
    let entries = golden.value["entries"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(count) = golden.value["metadata"]["entry_count"].as_u64()
        && count != entries.len() as u64
    {
        found.push((
            "/metadata/entry_count".into(),
            format!("says {count} but the golden has {} entries", entries.len()),
        ));
    }
    let traps: Vec<&str> = FIXTURES.traps.iter().map(|t| t.id.as_ref()).collect();
    for (i, entry) in entries.iter().enumerate() {
        let flags = &entry["policy_flags"];
        check_id::<PolicyBoundary>(
            &flags["boundary"],
            format!("/entries/{i}/policy_flags/boundary"),
            &mut found,
        );
        check_id::<Decision>(
            &entry["final_outcome"]["decision"],
            format!("/entries/{i}/final_outcome/decision"),
            &mut found,
        );
        if let Some(trap) = flags["trap"].as_str()
            && !traps.contains(&trap)
        {
            found.push((
                format!("/entries/{i}/policy_flags/trap"),
                format!(
                    "unknown trap '{trap}'; valid: {}, or null",
                    traps.join(", ")
                ),
            ));
        }
    }
    located(golden, found)
}

fn located(document: &Document, found: Vec<(String, String)>) -> Vec<Problem> {
    found
        .into_iter()
        .map(|(pointer, message)| Problem {
            file: document.file.clone(),
            pointer,
            message,
        })
        .collect()
}
