//! The vocabulary of output files shared by every contract that names
//! them: how conversations are collated ([`Layout`]) and how a document is
//! encoded ([`Format`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The three ways conversations are collated.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One dataset per (domain, behavior).
    Split,
    /// One dataset per domain over its behaviors.
    Combined,
    /// One dataset over everything selected.
    Global,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Self::Split, Self::Combined, Self::Global];

    pub fn id(self) -> &'static str {
        match self {
            Self::Split => "split",
            Self::Combined => "combined",
            Self::Global => "global",
        }
    }
}

/// How a dataset or golden file is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON document per file.
    Json,
    /// A header line, then one conversation (or golden entry) per line.
    Jsonl,
}

impl Format {
    pub const ALL: [Format; 2] = [Self::Json, Self::Jsonl];

    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Jsonl => "jsonl",
        }
    }
}

/// A name that is none of the valid ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{got}'; valid: {valid}")]
pub struct UnknownName {
    pub what: &'static str,
    pub got: String,
    pub valid: String,
}

fn parse_one<T: Copy>(
    what: &'static str,
    text: &str,
    all: &[T],
    id: fn(T) -> &'static str,
) -> Result<T, UnknownName> {
    all.iter()
        .copied()
        .find(|v| id(*v) == text)
        .ok_or_else(|| UnknownName {
            what,
            got: text.to_owned(),
            valid: all.iter().map(|v| id(*v)).collect::<Vec<_>>().join(", "),
        })
}

impl FromStr for Layout {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_one("layout", text, &Self::ALL, Self::id)
    }
}

impl FromStr for Format {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_one("format", text, &Self::ALL, Self::extension)
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}
