//! What a finished job reports: every file it wrote or kept, per layout and
//! per rule totals, and the manifest of its selection. The CLI prints it
//! (`--json`), and the HTTP API returns it as is.

use serde::{Deserialize, Serialize};

use super::files::{Format, Layout};
use super::manifest::Manifest;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunReport {
    /// The output directory, as given.
    pub out: String,
    pub seed: u64,
    pub format: Format,
    /// `K/N` for a shard run, else null.
    pub shard: Option<String>,
    pub dry_run: bool,
    /// One per planned dataset/golden pair (or shard part pair), in plan order.
    pub files: Vec<FileReport>,
    /// `commerce/manifest.json` under the output directory, and what became of it
    /// (a shard run writes its shard manifest instead).
    pub manifest_path: String,
    pub manifest_status: FileStatus,
    pub layouts: Vec<LayoutTotal>,
    /// Scenarios of the selection each rule excluded, in rule order.
    pub excluded: Vec<RuleExclusion>,
    pub kept: usize,
    /// The manifest of the selection, as `coverage manifest --json` prints it.
    pub manifest: Manifest,
}

impl RunReport {
    /// How many files have `status`.
    pub fn count(&self, status: FileStatus) -> usize {
        self.files.iter().filter(|f| f.status == status).count()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Written,
    /// Already there with exactly this content; left alone.
    Unchanged,
    /// Dry run: would be written.
    WouldWrite,
    /// Dry run: exists, and a real run without --overwrite would refuse.
    WouldRefuse,
}

impl FileStatus {
    pub fn id(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Unchanged => "unchanged",
            Self::WouldWrite => "would_write",
            Self::WouldRefuse => "would_refuse",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileReport {
    /// The dataset file (or dataset part), relative to the output directory.
    pub path: String,
    /// Its golden, beside it.
    pub golden_path: String,
    /// JSON Lines only: the sidecars holding the dataset's and the golden's
    /// headers (`<name>.meta.json`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meta_paths: Vec<String>,
    pub dataset_id: String,
    pub layout: Layout,
    pub conversations: usize,
    /// Semantic version of the pair; empty for shard parts.
    pub version: String,
    pub status: FileStatus,
    /// SHA-256 over the dataset's items (one compact JSON line each).
    pub content_hash: String,
    /// SHA-256 over the golden's entries.
    pub golden_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LayoutTotal {
    pub layout: Layout,
    pub files: usize,
    pub conversations: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleExclusion {
    pub rule: String,
    pub removed: usize,
}
