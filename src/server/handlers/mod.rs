//! One file per resource. Handlers read and check the request, call the
//! library (the job API, the manifest, the generator) and shape the answer;
//! nothing here knows about the command line.

pub mod cost;
pub mod files;
pub mod generate;
pub mod health;
pub mod jobs;
pub mod manifest;
pub mod page;
pub mod scenarios;

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::ApiError;

/// A query string's pairs, lists gathered from repeated keys and commas;
/// a key outside `allowed` is a 422 naming it.
pub(crate) fn query_pairs(
    query: Option<&str>,
    allowed: &[&str],
) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in super::request::pairs(query.unwrap_or_default())? {
        if !allowed.contains(&key.as_str()) {
            return Err(ApiError::invalid(
                &key,
                Value::String(value),
                format!("unknown parameter '{key}'"),
                allowed.join(", "),
            ));
        }
        map.entry(key)
            .or_default()
            .extend(value.split(',').map(str::to_owned));
    }
    Ok(map)
}

/// The `seed` parameter, or the default.
pub(crate) fn seed_param(params: &BTreeMap<String, Vec<String>>) -> Result<u64, ApiError> {
    match params.get("seed").and_then(|v| v.last()) {
        None => Ok(crate::DEFAULT_SEED),
        Some(text) => text
            .parse()
            .ok()
            .filter(|seed| *seed <= super::request::MAX_SEED)
            .ok_or_else(|| super::request::bad_seed(Value::String(text.clone()))),
    }
}
