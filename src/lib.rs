//! # coverage
//!
//! Evaluation datasets for conversational shopping assistants with provably
//! complete coverage. The taxonomy (domains × behaviors × variation axes) and
//! its exclusion rules are compiled from YAML into the types of
//! [`taxonomy`]; [`Coverage`] runs the rules and answers which scenarios are
//! kept and why every other one was excluded; [`manifest`] is the JSON
//! contract other programs read.

pub mod cli;
mod coverage;
pub mod manifest;
pub mod taxonomy;

pub use coverage::{Coverage, Excluded, Selection};
pub use coverage_core::{DEFAULT_SEED, TaxonomyEnum, UnknownId};
pub use taxonomy::{
    Availability, Behavior, BrandBias, Difficulty, Domain, PolicyBoundary, PriceSensitivity,
    Scenario,
};
