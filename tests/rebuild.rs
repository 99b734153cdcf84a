//! The acceptance loop a reviewer relies on, with real `cargo build`s of a
//! copy of the crate: a bad taxonomy or fixture file fails the build naming
//! `file:line` and the rule; undoing the edit builds again with no `cargo
//! clean`; the documented version loop (bump, changelog entry, build,
//! `coverage taxonomy lock`, build) ends with a clean build.
//!
//! What each message says is checked without a build, on the validator
//! itself (`validation.rs`, `governance.rs`); these builds prove the wiring
//! from the build script through cargo to the lock command.
//!
//! The copy holds exactly the files `cargo package --list` names for each
//! workspace member, so a file the build starts to read must be in the
//! package (the root manifest's `include`) or this test fails. The copy's
//! intermediate artifacts go to the test build's own build directory
//! (`CARGO_BUILD_BUILD_DIR`), so the dependencies it shares with the test
//! build are compiled once; its final artifacts stay in a scratch directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::root;

const TAXONOMY: &str = "taxonomy/commerce/v1.yaml";
const FIXTURES: &str = "taxonomy/commerce/v1/fixtures.yaml";
const CHANGELOG: &str = "taxonomy/commerce/CHANGELOG.md";

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The target directory and profile of this test build: the test binary
/// runs from `<target>/<profile dir>/deps/`, where `debug` holds the `test`
/// profile's output (`cargo test`, `cargo nextest run`).
fn test_build_dirs() -> (PathBuf, String) {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let name = profile_dir.file_name().unwrap().to_str().unwrap();
    let profile = match name {
        "debug" => "test",
        other => other,
    };
    (profile_dir.parent().unwrap().to_owned(), profile.to_owned())
}

/// The scratch directory of this test, never inside the checkout.
fn scratch() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("rebuild-test")
}

/// Every file of every workspace member, as `cargo package --list` names
/// them, relative to the workspace root.
fn package_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("Cargo.toml"), PathBuf::from("Cargo.lock")];
    for (package, dir) in [
        ("coverage", ""),
        ("coverage-core", "core"),
        ("coverage-macros", "macros"),
    ] {
        let output = cargo()
            .args([
                "package",
                "--list",
                "--allow-dirty",
                "--offline",
                "-p",
                package,
            ])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo package --list -p {package}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let listed = String::from_utf8(output.stdout).unwrap();
        // `Cargo.toml` is listed as the normalized manifest cargo would
        // write; the member's own one is what a build reads.
        files.extend(
            listed
                .lines()
                .map(|file| Path::new(dir).join(file))
                .filter(|file| root().join(file).is_file()),
        );
    }
    files.sort();
    files.dedup();
    files
}

/// A private copy of the workspace's packages, so edits never touch the
/// checkout.
fn workspace_copy() -> PathBuf {
    let work = scratch().join("work");
    let _ = std::fs::remove_dir_all(&work);
    for file in package_files() {
        let target = work.join(&file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root().join(&file), target).unwrap();
    }
    work
}

/// `cargo build` of the copy's binary: (success, stderr).
fn build(work: &Path) -> (bool, String) {
    let (build_dir, profile) = test_build_dirs();
    let output = cargo()
        .args([
            "build",
            "--offline",
            "--bin",
            "coverage",
            "--profile",
            &profile,
        ])
        .current_dir(work)
        .env("CARGO_TARGET_DIR", scratch().join("target"))
        .env("CARGO_BUILD_BUILD_DIR", build_dir)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_builds(work: &Path, what: &str) -> String {
    let (ok, stderr) = build(work);
    assert!(ok, "{what}: the build must succeed:\n{stderr}");
    stderr
}

fn assert_fails_at(work: &Path, file: &str, edited: &str, marker: &str, message: &str) {
    let (ok, stderr) = build(work);
    assert!(!ok, "{message}: the build must fail:\n{stderr}");
    let lines: Vec<&str> = edited.lines().collect();
    let line = 1 + lines.iter().rposition(|l| l.contains(marker)).unwrap();
    let located = format!("{file}:{line}:");
    assert!(
        stderr.contains(&located) && stderr.contains(message),
        "expected {located} and {message:?} in:\n{stderr}"
    );
}

#[test]
fn breaking_the_taxonomy_fails_cargo_build_and_the_documented_loop_mends_it() {
    let work = workspace_copy();

    // A rule naming an unknown bin: the build stops in the build script.
    let yaml_path = work.join(TAXONOMY);
    let original = std::fs::read_to_string(&yaml_path).unwrap();
    let unknown_bin = original.replacen(
        "availability: [backorder, out_of_stock]",
        "availability: [backorder, sold_out]",
        1,
    );
    std::fs::write(&yaml_path, &unknown_bin).unwrap();
    assert_fails_at(
        &work,
        TAXONOMY,
        &unknown_bin,
        "sold_out",
        "rule 'physical-impossibility': unknown availability bin 'sold_out'; valid: in_stock, low_stock, backorder, out_of_stock",
    );
    std::fs::write(&yaml_path, &original).unwrap();

    // A store fact in the customer's mouth, in the fixtures the taxonomy names.
    let fixtures_path = work.join(FIXTURES);
    let fixtures = std::fs::read_to_string(&fixtures_path).unwrap();
    let store_fact = fixtures.replacen(
        "\"I'd like {policy_value} in the cart.\"",
        "\"I'd like {policy_value} in the cart; your limit is {policy_limit}.\"",
        1,
    );
    std::fs::write(&fixtures_path, &store_fact).unwrap();
    assert_fails_at(
        &work,
        FIXTURES,
        &store_fact,
        "your limit is {policy_limit}",
        "unknown slot '{policy_limit}' (a store fact: the customer does not know it)",
    );
    std::fs::write(&fixtures_path, &fixtures).unwrap();

    // With both edits undone, the version loop of CONTRIBUTING.md: a
    // reworded rationale, bumped and logged, builds (no `cargo clean`
    // after the failures) with a warning until locked; the copy's own
    // binary writes the lock; the next build is clean.
    let changelog = std::fs::read_to_string(work.join(CHANGELOG)).unwrap();
    let reworded = original
        .replacen("carry the least risk", "carry the lowest risk", 1)
        .replacen("version: 1.0.1", "version: 1.0.2", 1);
    std::fs::write(&yaml_path, reworded).unwrap();
    std::fs::write(
        work.join(CHANGELOG),
        changelog.replacen(
            "\n## 1.0.1",
            "\n## 1.0.2\n\nReworded a rationale.\n\n## 1.0.1",
            1,
        ),
    )
    .unwrap();
    let stderr = assert_builds(&work, "a bump with a changelog entry");
    let stale = "taxonomy/commerce/v1.lock still records 1.0.1; run `cargo run -- taxonomy lock` to record 1.0.2";
    assert!(stderr.contains(stale), "expected {stale:?} in:\n{stderr}");

    let (_, profile) = test_build_dirs();
    let profile_dir = if profile == "test" { "debug" } else { &profile };
    let lock = Command::new(scratch().join("target").join(profile_dir).join("coverage"))
        .args(["taxonomy", "lock"])
        .current_dir(&work)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&lock.stdout);
    assert!(
        lock.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    assert_eq!(stdout, "wrote taxonomy/commerce/v1.lock\n");
    let recorded = std::fs::read_to_string(work.join("taxonomy/commerce/v1.lock")).unwrap();
    assert!(recorded.contains("\nversion 1.0.2\n"), "{recorded}");
    let stderr = assert_builds(&work, "the refreshed lock");
    assert!(!stderr.contains("warning: coverage@"), "{stderr}");
}
