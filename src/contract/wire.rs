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

/// A map written as a list of `{<key>: name, <value>: value}` pairs, the
/// shape column loaders need when the names differ between rows; a JSON
/// object of the same map reads too.
fn write_pairs<S: Serializer, V: Serialize>(
    map: &BTreeMap<String, V>,
    [key, value]: [&str; 2],
    s: S,
) -> Result<S::Ok, S::Error> {
    let pairs: Vec<Value> = map
        .iter()
        .map(|(name, v)| {
            let mut pair = Map::new();
            pair.insert(key.to_owned(), Value::String(name.clone()));
            pair.insert(
                value.to_owned(),
                serde_json::to_value(v).unwrap_or(Value::Null),
            );
            Value::Object(pair)
        })
        .collect();
    pairs.serialize(s)
}

fn read_pairs<'de, D: Deserializer<'de>, V: for<'a> Deserialize<'a>>(
    d: D,
    [key, value]: [&str; 2],
) -> Result<BTreeMap<String, V>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .map(|mut item| {
                let name = item[key]
                    .as_str()
                    .ok_or_else(|| D::Error::custom(format!("each pair needs a string '{key}'")))?
                    .to_owned();
                let v = serde_json::from_value(item[value].take()).map_err(D::Error::custom)?;
                Ok((name, v))
            })
            .collect(),
        other => serde_json::from_value(other).map_err(D::Error::custom),
    }
}

/// A customer record, field to line, written as a list of `{field, line}`
/// (the fields differ between domains).
pub mod field_lines {
    use super::*;

    const NAMES: [&str; 2] = ["field", "line"];

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, String>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        write_pairs(map, NAMES, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, String>, D::Error> {
        read_pairs(d, NAMES)
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
/// `{argument, compare}`.
pub mod compare_list {
    use super::*;
    use crate::contract::golden::Compare;

    const NAMES: [&str; 2] = ["argument", "compare"];

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, Compare>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        write_pairs(map, NAMES, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Compare>, D::Error> {
        read_pairs(d, NAMES)
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
