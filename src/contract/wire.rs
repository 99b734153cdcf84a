//! How optional and varying parts of a schema-4 row are written so that
//! every row of every file has the same columns with the same types
//! (spec `scenario-content.md` §8). Column-oriented loaders such as
//! `datasets.load_dataset("json", data_files=[…])` take the first file's
//! columns and cast every other file to them, so a field that is null in
//! every row of one file, an object whose keys differ between files, or a
//! list that is empty throughout a file cannot be loaded beside files that
//! hold values. Each helper here writes a fixed shape and reads both it
//! and the schema-3 form, so the Rust types stay what they mean.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An optional string written as `""` when absent; `null` and `""` read as
/// absent.
pub mod empty_is_none {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_deref().unwrap_or(""))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let value = Option::<String>::deserialize(d)?;
        Ok(value.filter(|text| !text.is_empty()))
    }
}

/// A map of names to strings written as a list of `{field, line}` (the
/// keys differ between domains); a JSON object reads too.
pub mod field_lines {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Line {
        field: String,
        line: String,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, String>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let lines: Vec<Line> = map
            .iter()
            .map(|(field, line)| Line {
                field: field.clone(),
                line: line.clone(),
            })
            .collect();
        lines.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .map(|item| {
                    let line: Line = serde_json::from_value(item).map_err(D::Error::custom)?;
                    Ok((line.field, line.line))
                })
                .collect(),
            other => serde_json::from_value(other).map_err(D::Error::custom),
        }
    }
}

/// Function-call arguments written as a JSON string, as OpenAI writes
/// `function.arguments` (their keys differ by function); an object reads
/// too.
pub mod arguments_as_json {
    use super::*;

    pub fn serialize<S: Serializer>(map: &Map<String, Value>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Value::Object(map.clone()).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
        match Value::deserialize(d)? {
            Value::String(text) => serde_json::from_str(&text).map_err(D::Error::custom),
            Value::Object(map) => Ok(map),
            other => Err(D::Error::custom(format!(
                "arguments must be a JSON object or its text, not {other}"
            ))),
        }
    }
}

/// A map of argument names to how they are compared, written as a list of
/// `{argument, compare}`; an object reads too.
pub mod compare_list {
    use super::*;
    use crate::contract::golden::Compare;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        argument: String,
        compare: Compare,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, Compare>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let entries: Vec<Entry> = map
            .iter()
            .map(|(argument, compare)| Entry {
                argument: argument.clone(),
                compare: *compare,
            })
            .collect();
        entries.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Compare>, D::Error> {
        match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .map(|item| {
                    let entry: Entry = serde_json::from_value(item).map_err(D::Error::custom)?;
                    Ok((entry.argument, entry.compare))
                })
                .collect(),
            other => serde_json::from_value(other).map_err(D::Error::custom),
        }
    }
}

/// An optional object written, when absent, as a fixed "nothing" value of
/// the same shape ([`Nothing::none`]); that value, or `null`, reads back as
/// absent.
pub trait Nothing: Sized + Serialize + for<'de> Deserialize<'de> {
    /// The value written for "none".
    fn none() -> Value;
    /// Whether a value read is that "none".
    fn is_none(value: &Value) -> bool;
}

pub mod nothing {
    use super::*;

    pub fn serialize<T: Nothing, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => value.serialize(s),
            None => T::none().serialize(s),
        }
    }

    pub fn deserialize<'de, T: Nothing, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        let value = Value::deserialize(d)?;
        if value.is_null() || T::is_none(&value) {
            return Ok(None);
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(D::Error::custom)
    }
}
