//! Validates every taxonomy under `taxonomy/` (files named `v<N>.yaml`, with
//! the fixtures each names) before the crate compiles.
//!
//! Errors stop the build here, one `error:` line per problem naming
//! `file:line:column` and the rule or entry, so a bad taxonomy never reaches
//! the compiler as a cascade of missing names. Warnings (a cap that never
//! binds) are shown and the build goes on. The `taxonomy!` macro runs the
//! same validator for crates that expand it without this script.

use std::path::{Path, PathBuf};

fn main() {
    // A directory: cargo re-runs this script when any file below it changes,
    // including files added later.
    println!("cargo::rerun-if-changed=taxonomy");
    let mut files = Vec::new();
    collect_yaml(Path::new("taxonomy"), &mut files);
    files.sort();
    for file in files {
        let shown = file.to_string_lossy().replace('\\', "/");
        for diagnostic in coverage_core::check_file(&shown, &file).diagnostics {
            let level = match diagnostic.severity {
                coverage_core::Severity::Error => "error",
                coverage_core::Severity::Warning => "warning",
            };
            println!("cargo::{level}={diagnostic}");
        }
    }
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
