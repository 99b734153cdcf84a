//! JSON where a key repeated in one object is an error, not "the last one
//! wins": `{"dry_run": true, …, "dry_run": false}` must not quietly start a
//! real job, nor a document with two `schema_version`s validate.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A [`Value`] read with duplicate keys refused, at any depth.
#[derive(Clone, Debug, PartialEq)]
pub struct StrictValue(pub Value);

/// The start of the error a duplicate key raises; [`duplicate_key`] reads
/// the key back out of it.
const DUPLICATE: &str = "duplicate key '";

/// The key named by a duplicate-key error, if `error` is one.
pub fn duplicate_key(error: &serde_json::Error) -> Option<String> {
    let text = error.to_string();
    let rest = text.strip_prefix(DUPLICATE)?;
    let end = rest.rfind("' in one object")?;
    Some(rest[..end].to_owned())
}

/// The error message of a key repeated in one object.
pub fn duplicate_message(key: &str) -> String {
    format!("{DUPLICATE}{key}' in one object; give each key once")
}

/// Parses `bytes` as JSON, refusing a key repeated in one object.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<StrictValue>(bytes).map(|v| v.0)
}

/// Parses `text` as JSON, refusing a key repeated in one object.
pub fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<StrictValue>(text).map(|v| v.0)
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(duplicate_message(&key)));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_an_error_naming_it_at_any_depth() {
        for text in [
            r#"{"dry_run": true, "seed": 1, "dry_run": false}"#,
            r#"{"a": [{"dry_run": 1, "dry_run": 2}]}"#,
        ] {
            let error = from_str(text).unwrap_err();
            assert_eq!(duplicate_key(&error).as_deref(), Some("dry_run"), "{error}");
            assert!(
                error.to_string().starts_with(
                    "duplicate key 'dry_run' in one object; give each key once at line 1"
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn values_read_as_serde_json_reads_them() {
        let text = r#"{"a": [1, -2, 2.5, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#;
        assert_eq!(
            from_str(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        let error = from_str("{").unwrap_err();
        assert_eq!(duplicate_key(&error), None);
    }
}
