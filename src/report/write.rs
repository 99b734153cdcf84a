//! The report's files on disk: each written whole (a temporary file,
//! synced, renamed into place), none replaced unless asked for.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::contract::report_doc::ReportDoc;
use crate::job::TEMP_PREFIX;

/// One file of a report: its name in the output directory and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFile {
    pub name: &'static str,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file of the report exists and replacing was not asked for;
    /// nothing was written.
    #[error("{} exists; nothing was written", path.display())]
    Exists { path: PathBuf },
    /// The output directory cannot be used (it is a file, or cannot be
    /// created); nothing was written.
    #[error("--out '{}' cannot be a report directory: {reason}; give a directory (created if missing); nothing was written", path.display())]
    NotADirectory { path: PathBuf, reason: String },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Every file of the report, in a fixed order.
pub fn files(doc: &ReportDoc) -> Vec<ReportFile> {
    vec![
        ReportFile {
            name: "report.html",
            contents: super::html::page(doc),
        },
        ReportFile {
            name: "pairs.csv",
            contents: super::csv::pairs(doc),
        },
        ReportFile {
            name: "rules.csv",
            contents: super::csv::rules(doc),
        },
        ReportFile {
            name: "axes.csv",
            contents: super::csv::axes(doc),
        },
        ReportFile {
            name: "gaps.csv",
            contents: super::csv::gaps(doc),
        },
        ReportFile {
            name: "cost.csv",
            contents: super::csv::cost(doc),
        },
        ReportFile {
            name: "report.json",
            contents: doc.to_json(),
        },
    ]
}

/// Writes `files` into `dir` (created if missing). Unless `overwrite`,
/// refuses before writing anything when one of them exists. Returns the
/// paths written.
pub fn write(
    dir: &Path,
    files: &[ReportFile],
    overwrite: bool,
) -> Result<Vec<PathBuf>, ReportError> {
    if let Some(path) = files
        .iter()
        .map(|f| dir.join(f.name))
        .find(|p| !overwrite && p.symlink_metadata().is_ok())
    {
        return Err(ReportError::Exists { path });
    }
    if let Ok(meta) = std::fs::metadata(dir)
        && !meta.is_dir()
    {
        return Err(ReportError::NotADirectory {
            path: dir.to_owned(),
            reason: format!("it is {}", crate::input::describe(meta.file_type())),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| ReportError::NotADirectory {
        path: dir.to_owned(),
        reason: e.to_string(),
    })?;
    let mut written = Vec::with_capacity(files.len());
    for file in files {
        let target = dir.join(file.name);
        let temp = dir.join(format!("{TEMP_PREFIX}{}-{}", std::process::id(), file.name));
        let result = (|| {
            let mut handle = std::fs::File::create(&temp)?;
            handle.write_all(file.contents.as_bytes())?;
            handle.sync_all()?;
            std::fs::rename(&temp, &target)
        })();
        if let Err(source) = result {
            let _ = std::fs::remove_file(&temp);
            return Err(ReportError::Io {
                path: target,
                source,
            });
        }
        written.push(target);
    }
    Ok(written)
}
