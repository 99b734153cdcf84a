//! Writing datasets: which files a run produces ([`plan`]), their bytes
//! ([`document`]), how they reach disk safely ([`atomic`]), and the run
//! itself, on one machine or split into shards and merged ([`run`],
//! [`shard`]).
//!
//! Every file is a stream of one line per conversation (or golden entry)
//! between a header and a footer, so memory stays flat however many
//! conversations a run writes, and shards can be concatenated into files
//! byte-identical to a one-machine run.

pub mod atomic;
pub mod body;
pub mod document;
pub mod plan;
pub mod run;
pub mod shard;

pub use plan::{Format, Layout, OutputFile, plan};
pub use run::{FileReport, FileStatus, GenerateOptions, Summary, generate_run, merge_run};
pub use shard::Shard;
