//! What a running job tells its listeners, in order: `Planned` once; for
//! each file in plan order `FileStarted`, then `Progress` as its lines are
//! made and hashed; once every file is decided (a refusal comes before any
//! write), `FileDone` for each file in the same order as it reaches disk;
//! `Finished` last. A progress bar, the server's event
//! stream and a metrics file are all listeners of this one stream.

use serde::{Deserialize, Serialize};

use super::files::Layout;
use super::report::{FileStatus, RunReport};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The work ahead: `conversations` is what the `Progress` events of the
    /// job add up to.
    Planned { files: usize, conversations: u64 },
    /// Work on one dataset/golden pair (or shard part pair) begins.
    FileStarted {
        path: String,
        dataset_id: String,
        layout: Layout,
        conversations: usize,
    },
    /// This many more conversations are done.
    Progress { conversations: u64 },
    /// The pair is on disk (or, in a dry run, decided), with its status.
    FileDone {
        path: String,
        golden_path: String,
        status: FileStatus,
        content_hash: String,
        golden_hash: String,
        /// Bytes of the pair's files on disk (0 in a dry run).
        bytes: u64,
    },
    /// The job finished; nothing follows.
    Finished { report: Box<RunReport> },
}
