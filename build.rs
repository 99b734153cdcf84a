//! Validates every taxonomy under `taxonomy/` before the crate compiles.
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
        let source = match std::fs::read_to_string(&file) {
            Ok(source) => source,
            Err(error) => {
                println!("cargo::error={shown}: cannot read: {error}");
                continue;
            }
        };
        for diagnostic in coverage_core::check(&shown, &source).diagnostics {
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
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            out.push(path);
        }
    }
}
