//! The JSON Schemas of every supported version, compiled once.

use jsonschema::Validator;
use serde_json::Value;

/// What a JSON document is, from its item list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dataset,
    Golden,
}

impl Kind {
    pub fn of_items_key(key: &str) -> Option<Self> {
        match key {
            "conversations" => Some(Self::Dataset),
            "entries" => Some(Self::Golden),
            _ => None,
        }
    }

    pub fn items_key(self) -> &'static str {
        match self {
            Self::Dataset => "conversations",
            Self::Golden => "entries",
        }
    }
}

/// The compiled schemas of every supported version.
pub struct Schemas {
    dataset: Vec<Validator>,
    golden: Vec<Validator>,
}

const DATASET_SOURCES: [&str; 4] = [
    include_str!("../../schemas/dataset.v1.schema.json"),
    include_str!("../../schemas/dataset.v2.schema.json"),
    include_str!("../../schemas/dataset.v3.schema.json"),
    include_str!("../../schemas/dataset.v4.schema.json"),
];

const GOLDEN_SOURCES: [&str; 4] = [
    include_str!("../../schemas/golden.v1.schema.json"),
    include_str!("../../schemas/golden.v2.schema.json"),
    include_str!("../../schemas/golden.v3.schema.json"),
    include_str!("../../schemas/golden.v4.schema.json"),
];

/// The schema versions this build reads.
pub const SUPPORTED: std::ops::RangeInclusive<u64> = 1..=DATASET_SOURCES.len() as u64;

fn compile(sources: &[&str]) -> Vec<Validator> {
    sources
        .iter()
        .enumerate()
        .map(|(i, source)| {
            let schema: Value = serde_json::from_str(source)
                .unwrap_or_else(|e| panic!("schema version {} is not JSON: {e}", i + 1));
            jsonschema::draft202012::new(&schema)
                .unwrap_or_else(|e| panic!("schema version {} does not compile: {e}", i + 1))
        })
        .collect()
}

impl Schemas {
    pub fn load() -> Self {
        Self {
            dataset: compile(&DATASET_SOURCES),
            golden: compile(&GOLDEN_SOURCES),
        }
    }

    fn validator(&self, kind: Kind, version: u32) -> &Validator {
        let validators = match kind {
            Kind::Dataset => &self.dataset,
            Kind::Golden => &self.golden,
        };
        &validators[version as usize - 1]
    }

    /// Schema problems of `document`, checked against version `version`
    /// of its kind: `(pointer, message)` pairs.
    pub fn check(&self, kind: Kind, version: u32, document: &Value) -> Vec<(String, String)> {
        self.validator(kind, version)
            .iter_errors(document)
            .map(|error| (error.instance_path().as_str().to_owned(), error.to_string()))
            .collect()
    }

    /// [`Schemas::check`] of a document `bytes` long as compact JSON,
    /// bounded: every problem is collected at once, so one over
    /// [`ALL_PROBLEMS_BYTES`] (half a million wrong array elements take
    /// hundreds of MB) gets only its first.
    pub(crate) fn check_bounded(
        &self,
        kind: Kind,
        version: u32,
        document: &Value,
        bytes: usize,
    ) -> Vec<(String, String)> {
        let validator = self.validator(kind, version);
        if validator.is_valid(document) {
            return Vec::new();
        }
        if bytes <= ALL_PROBLEMS_BYTES {
            return self.check(kind, version, document);
        }
        match validator.validate(document) {
            Ok(()) => Vec::new(),
            Err(error) => vec![(
                error.instance_path().as_str().to_owned(),
                format!(
                    "{error} (only the first schema problem of anything over {} is listed)",
                    super::stream::size(ALL_PROBLEMS_BYTES as u64)
                ),
            )],
        }
    }
}

/// The largest value whose schema problems are all listed: ten times the
/// largest generated conversation.
pub(crate) const ALL_PROBLEMS_BYTES: usize = 64 * 1024;
