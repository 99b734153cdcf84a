//! Reading a document one item at a time, whatever its format, so memory
//! does not grow with file size. A JSON document is walked by a streaming
//! deserializer that hands over each element of `conversations` or
//! `entries` as it is parsed; a JSON Lines document is a header line and
//! one item per line.

use std::fmt;
use std::io::{BufRead, BufReader, Read};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::strict_json::StrictValue;

/// Told what a document holds, in order.
pub trait Listener {
    /// A top-level field other than the item list.
    fn header(&mut self, key: String, value: Value);
    /// The item list begins, under `key`.
    fn begin_items(&mut self, key: &str);
    /// One item of the list.
    fn item(&mut self, index: usize, item: Value);
}

/// Streams a JSON document to `listener`. `Err` names what is not JSON.
pub fn json(reader: impl Read, listener: &mut dyn Listener) -> Result<(), String> {
    let mut deserializer = serde_json::Deserializer::from_reader(BufReader::new(reader));
    DocumentSeed { listener }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|e| not_json(&e))
}

/// What is wrong with a document that did not parse: a repeated key is
/// named as such, anything else is "not valid JSON".
pub(super) fn not_json(error: &serde_json::Error) -> String {
    match crate::strict_json::duplicate_key(error) {
        Some(_) => error.to_string(),
        None => format!("not valid JSON: {error}"),
    }
}

/// Streams a JSON Lines document: the header's fields (from its sidecar
/// when there is one, else from a first line holding `metadata`, the
/// layout before schema 3), then one item per non-blank line under `key`.
/// `Err` names what is not JSON; a missing header is the caller's to report
/// (no `metadata` reaches the listener).
pub fn json_lines(
    reader: impl Read,
    key: &str,
    sidecar: Option<Map<String, Value>>,
    listener: &mut dyn Listener,
) -> Result<(), String> {
    let mut header = sidecar;
    let mut began = false;
    let mut index = 0;
    for (number, line) in BufReader::new(reader).lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let item: Value = crate::strict_json::from_str(&line)
            .map_err(|e| format!("line {}: {}", number + 1, not_json(&e)))?;
        if !began {
            began = true;
            let legacy = header.is_none() && item.get("metadata").is_some();
            if let (true, Value::Object(map)) = (legacy, &item) {
                header = Some(map.clone());
            }
            for (k, v) in header.take().unwrap_or_default() {
                listener.header(k, v);
            }
            listener.begin_items(key);
            if legacy {
                continue;
            }
        }
        listener.item(index, item);
        index += 1;
    }
    if !began {
        for (k, v) in header.take().unwrap_or_default() {
            listener.header(k, v);
        }
        listener.begin_items(key);
    }
    Ok(())
}

/// The item lists a document may hold.
pub const ITEM_KEYS: [&str; 2] = ["conversations", "entries"];

struct DocumentSeed<'a> {
    listener: &'a mut dyn Listener,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(crate::strict_json::duplicate_message(
                    &key,
                )));
            }
            if ITEM_KEYS.contains(&key.as_str()) {
                self.listener.begin_items(&key);
                map.next_value_seed(ItemsSeed {
                    listener: &mut *self.listener,
                })?;
            } else {
                let StrictValue(value) = map.next_value()?;
                self.listener.header(key, value);
            }
        }
        Ok(())
    }
}

struct ItemsSeed<'a> {
    listener: &'a mut dyn Listener,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(StrictValue(item)) = seq.next_element()? {
            self.listener.item(index, item);
            index += 1;
        }
        Ok(())
    }
}
