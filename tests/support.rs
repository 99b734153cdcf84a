use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

use coverage::Coverage;
use coverage::generate::Deal;
use coverage_core::Taxonomy;

/// The repository root (the root package's manifest directory).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(relative: &str) -> PathBuf {
    root().join("tests/fixtures").join(relative)
}

/// The deal of a run of `seed`, made from its coverage as a job makes it.
pub fn deal(seed: u64) -> Deal {
    Deal::new(&Coverage::evaluate(seed))
}

/// Parses and validates a taxonomy file, panicking with every error.
pub fn load_taxonomy(relative_to_root: &str) -> Taxonomy {
    let source = std::fs::read_to_string(root().join(relative_to_root)).expect("fixture readable");
    let report = coverage_core::check(relative_to_root, &source);
    match report.into_result() {
        Ok(taxonomy) => taxonomy,
        Err(errors) => panic!("{relative_to_root} is invalid:\n{}", lines(&errors)),
    }
}

pub fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|item| format!("{item}\n")).collect()
}

/// `BLESS=1 cargo test` rewrites expected files instead of comparing.
pub fn assert_expected(path: &Path, actual: &str) {
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, actual).expect("write expected file");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run with BLESS=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        expected,
        actual,
        "{} differs (BLESS=1 rewrites it)",
        path.display()
    );
}

/// The built `coverage` binary, ready for arguments.
pub fn coverage() -> Command {
    Command::cargo_bin("coverage").unwrap()
}

/// The command succeeded; its stderr is the failure message otherwise.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The command refused with exit code 2 and said `needle` on stderr.
pub fn assert_refused(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
}

/// Debian's Chromium, when installed. Missing, it fails the test under `CI`
/// (`.ci/run` installs it) and elsewhere says loudly that `what` is skipped.
pub fn chromium(what: &str) -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is missing; .ci/run installs it");
        }
        eprintln!(
            "\n*** SKIPPED {what}: chromium is not installed (apt-get install chromium) ***\n"
        );
    }
    found
}

/// `page` opened in headless `chromium` with `--dump-dom`, with its
/// console logged to stderr; a fresh profile under `profile`.
pub fn dump_dom(chromium: &str, page: &Path, profile: &Path) -> Output {
    let output = std::process::Command::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert_success(&output);
    output
}
