//! Walking and writing inside a root without leaving it. No walk here
//! follows a symbolic link: a link inside a tree is reported and skipped,
//! so a walk can neither escape its root nor go round a loop.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// What a walk passed over, for the caller to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: &'static str,
}

/// Every regular file under `root` (itself, when it is a file) that
/// `wanted` accepts, sorted. Symbolic links below `root` are skipped and
/// reported; `root` itself may be a link (the caller named it).
pub fn files(
    root: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    skipped: &mut Vec<Skipped>,
) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if fs::metadata(root)?.is_file() {
        found.push(root.to_owned());
        return Ok(found);
    }
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                skipped.push(Skipped {
                    path,
                    reason: "a symbolic link (links inside a tree are not followed)",
                });
            } else if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && wanted(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Checks that `relative` names a place inside `root` reached through real
/// directories only: no `..`, no absolute part, no symbolic link on the way
/// (the last component included, when it exists). Returns the joined path.
pub fn inside(root: &Path, relative: &Path) -> Result<PathBuf, Escape> {
    let mut path = root.to_owned();
    for component in relative.components() {
        match component {
            Component::Normal(name) => path.push(name),
            Component::CurDir => {}
            _ => {
                return Err(Escape {
                    path: root.join(relative),
                    what: "leaves its root",
                });
            }
        }
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Escape {
                    path,
                    what: "is a symbolic link",
                });
            }
            Ok(_) => {}
            // Not there yet: nothing below it can be a link.
            Err(_) => break,
        }
    }
    Ok(root.join(relative))
}

/// A path that would take a walk or a write out of its root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escape {
    pub path: PathBuf,
    pub what: &'static str,
}
