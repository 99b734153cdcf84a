//! Validates every taxonomy under `taxonomy/` (files named `v<N>.yaml`, with
//! the fixtures each names) before the crate compiles, and holds each to
//! its version discipline: the lock beside it (`v<N>.lock`) and the
//! changelog in its directory (`CHANGELOG.md`).
//!
//! Errors stop the build here, one `error:` line per problem naming
//! `file:line:column` and the rule or entry, so a bad taxonomy never reaches
//! the compiler as a cascade of missing names. Warnings (a cap that never
//! binds, a lock to refresh after a version bump) are shown and the build
//! goes on. The `taxonomy!` macro runs the same checks for crates that
//! expand it without this script.
//!
//! The lock each taxonomy should have is written to `$OUT_DIR/locks.rs`,
//! so `coverage taxonomy lock` can refresh the committed locks.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // A directory: cargo re-runs this script when any file below it changes,
    // including files added later.
    println!("cargo::rerun-if-changed=taxonomy");
    let mut files = Vec::new();
    collect_yaml(Path::new("taxonomy"), &mut files);
    files.sort();
    let mut locks = String::from(
        "/// Every taxonomy's lock as it should read now.\npub const LOCKS: &[super::ExpectedLock] = &[\n",
    );
    for file in files {
        let shown = file.to_string_lossy().replace('\\', "/");
        let report = coverage_core::check_file(&shown, &file);
        let governance = coverage_core::check_governance(&shown, &file, &report);
        for diagnostic in report.diagnostics.iter().chain(&governance.diagnostics) {
            let level = match diagnostic.severity {
                coverage_core::Severity::Error => "error",
                coverage_core::Severity::Warning => "warning",
            };
            println!("cargo::{level}={diagnostic}");
        }
        if let Some(lock) = governance.lock {
            let hashes = [Some(&report.hash), report.fixtures_hash.as_ref()];
            let sources: Vec<String> = report
                .sources
                .iter()
                .zip(hashes)
                .filter_map(|(path, hash)| {
                    let path = path.to_string_lossy().replace('\\', "/");
                    hash.map(|hash| format!("({path:?}, {hash:?})"))
                })
                .collect();
            let _ = writeln!(
                locks,
                "    super::ExpectedLock {{ file: {:?}, text: {lock:?}, sources: &[{}] }},",
                governance.lock_file,
                sources.join(", ")
            );
        }
    }
    locks.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("locks.rs"), locks).expect("OUT_DIR is writable");
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if is_taxonomy(&path) {
            out.push(path);
        }
    }
}

/// `taxonomy/<vertical>/v<N>.yaml`; other YAML (fixtures) is checked
/// through the taxonomy that names it.
fn is_taxonomy(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.strip_prefix('v')
        .and_then(|rest| rest.strip_suffix(".yaml"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
