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

    /// Schema problems of `document`, checked against version `version`
    /// of its kind: `(pointer, message)` pairs.
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
