//! The shared heart of `coverage`: the taxonomy model, the rule engine that
//! enumerates and filters scenarios, and (with the `parse` feature) the YAML
//! reader, validator and Rust emitter used at build time.
//!
//! One library, thin front ends: `build.rs` and the `taxonomy!` proc-macro
//! both call [`check`], so a taxonomy is validated by exactly one piece of
//! code, and the runtime evaluates the compiled (const) taxonomy with the same
//! [`evaluate`] that the validator uses to find overlapping rules.

mod engine;
mod enums;
mod fixtures;
mod model;

#[cfg(feature = "parse")]
mod analysis;
#[cfg(feature = "parse")]
mod diagnostic;
#[cfg(feature = "parse")]
mod emit;
#[cfg(feature = "parse")]
mod lock;
#[cfg(feature = "parse")]
mod parse;
#[cfg(feature = "parse")]
mod parse_fixtures;

pub use engine::{Evaluation, Fate, RuleStats, evaluate, rank};
pub use enums::{ScenarioAxis, TaxonomyEnum, UnknownId};
pub use fixtures::{
    ASK_SLOT, AVAILABILITY_AXIS, AVAILABILITY_BINS, AssistantPhrasings, BRAND_AXIS,
    BRAND_CLAUSE_SLOT, Corrections, DEMAND_SLOT, DomainFixtures, FROM_SLOT, Fixtures, Item,
    MIN_ITEMS_PER_BIN, OFFER_SLOTS, OfferLabels, POLICY_AXIS, POLICY_BINS, POLICY_TEXT_SLOTS,
    PRICE_AXIS, Policy, RECORD_SLOTS, STORE_SLOTS, Trap, USER_SLOTS, UserPhrasings, ValueIs,
    availability_bin, policy_bin, price_bin, value_range,
};
pub use model::{
    Axis, AxisMatch, BehaviorDef, Cap, Condition, Entry, Grid, GroupKey, OutcomeRow, Rule,
    RuleKind, Taxonomy,
};

#[cfg(feature = "parse")]
pub use check::{Report, check, check_file};
#[cfg(feature = "parse")]
pub use diagnostic::{Diagnostic, Severity};
#[cfg(feature = "parse")]
pub use emit::{emit_errors, emit_rust};
#[cfg(feature = "parse")]
pub use lock::{
    Bump, Change, Governance, LOCK_COMMAND, Lock, LockEntry, LockError, LockKind, changes,
    check_governance, has_entry,
};

/// The seed used when none is given; recorded in every manifest and dataset.
pub const DEFAULT_SEED: u64 = 42;

#[cfg(feature = "parse")]
mod check;

#[doc(hidden)]
pub mod __private {
    //! Paths used by generated code, so that crates expanding `taxonomy!`
    //! need no direct serde dependency of their own.
    pub use serde;
}
