//! The machine-readable contracts other programs read: the manifest (and
//! the diff of two), the dataset and the golden, and what a generation job
//! reports (its events, its final report, a shard's manifest). Kept apart from the engine so
//! that a change here is visibly a change of contract; `schemas/` holds the
//! JSON Schemas of datasets and goldens.

pub mod dataset;
pub mod diff;
pub mod event;
pub mod files;
pub mod golden;
pub mod manifest;
pub mod report;
pub mod report_doc;
pub mod run;
pub mod sample;
pub mod score;
pub mod shard;
pub mod subset;
pub mod wire;

/// The schema version of every dataset and golden this build writes.
pub const SCHEMA_VERSION: u32 = 4;
