//! # coverage
//!
//! Evaluation datasets for conversational shopping assistants with provably
//! complete coverage. The taxonomy (domains × behaviors × variation axes) and
//! its exclusion rules are compiled from YAML into the types of
//! [`taxonomy`]; [`Coverage`] runs the rules and answers which scenarios are
//! kept and why every other one was excluded; [`generate`] turns a scenario
//! into a conversation and its golden, and [`content_check`] checks one
//! against the content spec; [`contract`] holds the JSON contracts other
//! programs read; [`job`] writes them to disk as cancellable jobs with
//! typed events, and [`validate`] checks documents against them.
//! [`subset`] picks covering subsets of the kept scenarios.
//! [`matcher`] finds a typed fact (money, a duration, a count, a percentage,
//! a date) in a reply, whatever natural words it is written in.

pub mod assemble;
pub mod content_check;
pub mod contract;
pub mod cost;
mod coverage;
pub mod export;
pub mod figures;
pub mod generate;
pub mod governance;
pub mod grade;
pub mod input;
pub mod job;
pub mod matcher;
pub mod reference;
pub mod report;
pub mod run;
pub mod samples;
pub mod score;
pub mod server;
pub mod strict_json;
pub mod subset;
pub mod taxonomy;
mod tree;
pub mod ui;
pub mod validate;

/// The largest seed, everywhere (CLI, HTTP API, page): 2^53 − 1. Seeds are
/// recorded as JSON numbers in every file (manifest, datasets, runs), and
/// JSON readers that hold numbers as doubles (JavaScript, jq) read whole
/// numbers exactly only up to 2^53 − 1 (RFC 8259, section 6).
pub const MAX_SEED: u64 = (1 << 53) - 1;

pub use coverage::{Coverage, Excluded, Selection};
pub use coverage_core::{DEFAULT_SEED, TaxonomyEnum, UnknownId};
pub use taxonomy::{
    Availability, Behavior, BrandBias, Decision, Difficulty, Domain, PolicyBoundary,
    PriceSensitivity, Scenario,
};
