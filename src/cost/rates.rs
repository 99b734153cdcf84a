//! Prices per million tokens, read from a rates file (YAML or JSON): this
//! project's format, or the entries of LiteLLM's
//! `model_prices_and_context_window.json`. A default file ships compiled in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::tokens::Encoding;

/// The rates file compiled into the binary (`src/cost/rates.yaml`).
pub const DEFAULT_RATES: &str = include_str!("rates.yaml");

/// A rates file: when its prices were taken, from where, and one rate per model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    /// When the prices were read, e.g. `2025-06-01`.
    pub date: String,
    /// Where they come from.
    #[serde(default)]
    pub source: String,
    pub models: BTreeMap<String, Rate>,
}

/// USD per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    pub input_per_million: f64,
    pub output_per_million: f64,
    /// The tokenizer to count with; by default the model's own when it is
    /// an OpenAI model tiktoken knows, else `o200k_base` (approximate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<Encoding>,
}

#[derive(Debug, thiserror::Error)]
pub enum RatesError {
    #[error("cannot read rates file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: crate::input::InputError,
    },
    #[error("rates file {name} is not valid: {message}")]
    Invalid { name: String, message: String },
    #[error("no rate for model '{model}'; known models: {}", known.join(", "))]
    NoRate { model: String, known: Vec<String> },
}

impl Rates {
    /// The rates shipped with this build.
    pub fn shipped() -> Self {
        Self::parse("the default rates", DEFAULT_RATES).expect("the shipped rates file is valid")
    }

    /// Reads a rates file: a regular file of at most
    /// [`MAX_INPUT_BYTES`](crate::input::MAX_INPUT_BYTES).
    pub fn load(path: &Path) -> Result<Self, RatesError> {
        let text = crate::input::read_to_string(path, crate::input::MAX_INPUT_BYTES).map_err(
            |source| RatesError::Read {
                path: path.to_owned(),
                source,
            },
        )?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Parses a rates file named `name` (for messages): JSON when it starts
    /// with `{`, YAML otherwise; this project's format when it has a
    /// `models` key, else LiteLLM entries (a map of model to
    /// `input_cost_per_token` / `output_cost_per_token`).
    pub fn parse(name: &str, text: &str) -> Result<Self, RatesError> {
        let invalid = |message: String| RatesError::Invalid {
            name: name.to_owned(),
            message,
        };
        let value: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?
        } else {
            serde_saphyr::from_str(text).map_err(|e| invalid(e.to_string()))?
        };
        let Value::Object(map) = &value else {
            return Err(invalid("expected a mapping at the top level".to_owned()));
        };
        let rates = if map.contains_key("models") {
            serde_json::from_value::<Rates>(value).map_err(|e| invalid(e.to_string()))?
        } else {
            Self::from_litellm(name, map)
        };
        if rates.models.is_empty() {
            return Err(invalid("it names no model with both rates".to_owned()));
        }
        if let Some((model, _)) = rates.models.iter().find(|(_, r)| {
            !(r.input_per_million.is_finite()
                && r.output_per_million.is_finite()
                && r.input_per_million >= 0.0
                && r.output_per_million >= 0.0)
        }) {
            return Err(invalid(format!(
                "model '{model}': rates must be non-negative numbers"
            )));
        }
        Ok(rates)
    }

    /// LiteLLM's entries: every model with numeric `input_cost_per_token`
    /// and `output_cost_per_token` (USD per token); others (such as
    /// `sample_spec`, image or embedding models) are skipped.
    fn from_litellm(name: &str, map: &serde_json::Map<String, Value>) -> Self {
        let per_million = |entry: &Value, key: &str| {
            entry
                .get(key)
                .and_then(Value::as_f64)
                .map(|per_token| (per_token * 1e12).round() / 1e6)
        };
        let models = map
            .iter()
            .filter(|(model, _)| model.as_str() != "sample_spec")
            .filter_map(|(model, entry)| {
                Some((
                    model.clone(),
                    Rate {
                        input_per_million: per_million(entry, "input_cost_per_token")?,
                        output_per_million: per_million(entry, "output_cost_per_token")?,
                        tokenizer: None,
                    },
                ))
            })
            .collect();
        Self {
            date: "unknown (LiteLLM entries carry no date)".to_owned(),
            source: format!("LiteLLM entries in {name}"),
            models,
        }
    }

    /// The rate of `model`, or an error naming every known model.
    pub fn rate(&self, model: &str) -> Result<&Rate, RatesError> {
        self.models.get(model).ok_or_else(|| RatesError::NoRate {
            model: model.to_owned(),
            known: self.models.keys().cloned().collect(),
        })
    }
}
