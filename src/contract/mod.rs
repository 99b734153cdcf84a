//! The machine-readable contracts other programs read: the manifest, the
//! dataset and the golden. Kept apart from the engine so that a change here
//! is visibly a change of contract; `schemas/` holds their JSON Schemas.

pub mod dataset;
pub mod golden;
pub mod manifest;

/// The schema version of every dataset and golden this build writes.
pub const SCHEMA_VERSION: u32 = 3;
