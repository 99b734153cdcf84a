//! Files appear whole or not at all: each is written to a temporary file in
//! its target's directory, synced, then renamed over the target. Temporary
//! names carry the job's tag, so two jobs never share one; a killed job
//! leaves at most temporary files, which the next job that locks the same
//! directory removes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prefix of every temporary file and directory; nothing else is ever
/// named like this.
pub const TEMP_PREFIX: &str = ".coverage-tmp-";

/// A name unique to one job among every job of every process on the
/// machine: the process id and a per-process counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobTag(String);

impl JobTag {
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self(format!("{:x}-{n:x}", std::process::id()))
    }

    /// The temporary name of `name` for this job.
    pub fn temp_name(&self, name: &str) -> String {
        format!("{TEMP_PREFIX}{}-{name}", self.0)
    }
}

impl Default for JobTag {
    fn default() -> Self {
        Self::new()
    }
}

/// A file being written; invisible under its target name until committed.
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts `target`; its directory must exist.
    pub fn create(target: &Path, tag: &JobTag) -> io::Result<Self> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file");
        let temp = dir.join(tag.temp_name(name));
        let file = File::create_new(&temp)?;
        Ok(Self {
            temp,
            target: target.to_owned(),
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// Flushes, syncs and renames the file into place. When any step
    /// fails (a full disk fails the flush or the sync), the temporary file
    /// is removed: nothing is left half-written.
    pub fn commit(mut self) -> io::Result<()> {
        let writer = self.writer.take().expect("committed once");
        let committed = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|file| file.sync_all())
            .and_then(|()| std::fs::rename(&self.temp, &self.target));
        if committed.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        committed
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.as_mut().expect("not committed").write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Removes what killed jobs left directly in `dirs` (not below them):
/// temporary files, and temporary directories with their contents. Only
/// the job holding the output directory's lock calls this, so no live
/// job's files are touched. Links are removed, never followed.
pub fn remove_stale_temps(dirs: &[PathBuf]) -> io::Result<usize> {
    let mut removed = 0;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let stale = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(TEMP_PREFIX));
            if !stale {
                continue;
            }
            if entry.file_type()?.is_dir() {
                // remove_dir_all removes links inside without following them.
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_that_fails_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory where the file goes: the rename fails.
        let target = dir.path().join("a.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"x").unwrap();
        let mut file = AtomicFile::create(&target, &JobTag::new()).unwrap();
        file.write_all(b"{}").unwrap();
        assert!(file.commit().is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("a.json")]);
    }
}
