//! Version discipline and generated files: which bump a change needs, the
//! committed lock and `docs/taxonomy.md` are current.

use coverage::governance::{LOCK_COMMAND, LockState, expected_locks};
use coverage::reference::{DOCS_COMMAND, taxonomy_reference};
use coverage_core::{Bump, Lock, Severity, changes};

use crate::support::root;

const TAXONOMY: &str = "taxonomy/commerce/v1.yaml";

fn lock_of(source: &str) -> (Lock, bool) {
    let report = coverage_core::check(TAXONOMY, source);
    let sound = report.is_ok();
    let taxonomy = report.taxonomy.as_ref().expect("the grid resolves");
    (Lock::of(taxonomy, &report), sound)
}

/// A change to the taxonomy's text.
type Edit = Box<dyn Fn(&str) -> String>;

/// The bump the edit needs, and the changes found, as text.
fn needed(edit: impl Fn(&str) -> String) -> (Option<Bump>, Vec<String>) {
    let original = std::fs::read_to_string(root().join(TAXONOMY)).unwrap();
    let (old, _) = lock_of(&original);
    let (new, sound) = lock_of(&edit(&original));
    let found = changes(&old, &new, sound);
    (
        found.iter().map(|c| c.bump).max(),
        found.iter().map(ToString::to_string).collect(),
    )
}

#[test]
fn each_kind_of_change_needs_its_bump() {
    let cases: [(&str, Edit, Option<Bump>, &str); 7] = [
        ("nothing", Box::new(str::to_owned), None, ""),
        (
            "a rationale",
            Box::new(|y| y.replacen("carry the least risk", "carry the lowest risk", 1)),
            Some(Bump::Patch),
            "rule 'low-risk-cap' changed its rationale",
        ),
        (
            "a label",
            Box::new(|y| y.replacen("label: Backorder", "label: On backorder", 1)),
            Some(Bump::Patch),
            "bin 'availability.backorder' changed its label or description",
        ),
        (
            "a comment",
            Box::new(|y| y.replacen("# Rules run top to bottom", "# Rules run in order", 1)),
            Some(Bump::Patch),
            "the taxonomy file changed",
        ),
        (
            "a cap's max",
            Box::new(|y| y.replacen("max: 12", "max: 15", 1)),
            Some(Bump::Minor),
            "rule 'low-risk-cap' changed its effect from",
        ),
        (
            "a new domain",
            Box::new(|y| {
                y.replacen(
                    "behaviors:\n  - id: happy_path",
                    "  - id: gift_cards\n    label: Gift cards\n\nbehaviors:\n  - id: happy_path",
                    1,
                )
            }),
            Some(Bump::Minor),
            "domain 'gift_cards' was added",
        ),
        (
            "a removed bin",
            Box::new(|y| {
                y.replacen(
                    "      - id: low_stock\n        label: Low stock\n        description: Only a few units left.\n",
                    "",
                    1,
                )
            }),
            Some(Bump::Major),
            "bin 'availability.low_stock' was removed (or renamed)",
        ),
    ];
    for (what, edit, bump, change) in cases {
        let (found, listed) = needed(edit);
        assert_eq!(found, bump, "{what}: {listed:?}");
        assert!(
            change.is_empty() || listed.iter().any(|l| l.contains(change)),
            "{what}: expected {change:?} in {listed:?}"
        );
    }
}

#[test]
fn a_lock_reads_back_as_written() {
    let source = std::fs::read_to_string(root().join(TAXONOMY)).unwrap();
    let (lock, _) = lock_of(&source);
    assert_eq!(Lock::parse(&lock.render(TAXONOMY)).unwrap(), lock);
    let error = Lock::parse("version 1.0.0\nfrobnicate x y z\n").unwrap_err();
    assert_eq!(error.line, 2);
    assert!(error.message.contains("unknown line kind 'frobnicate'"));
}

#[test]
fn changelog_headings_name_versions_exactly() {
    let log = "# Changelog\n\n## 1.0.1 (2026-11-25)\n\n## [1.0.0]\n";
    assert!(coverage_core::has_entry(log, "1.0.1"));
    assert!(coverage_core::has_entry(log, "1.0.0"));
    assert!(!coverage_core::has_entry(log, "1.0"));
    assert!(!coverage_core::has_entry(log, "1.0.10"));
}

/// CI fails on a stale lock: the committed lock is what the build computes.
#[test]
fn committed_taxonomy_locks_are_current() {
    for lock in expected_locks() {
        assert_eq!(
            lock.state(root()),
            LockState::Current,
            "{} is not current; after bumping `version`, run `{LOCK_COMMAND}`",
            lock.file
        );
    }
}

#[test]
fn docs_taxonomy_md_is_current() {
    let path = root().join("docs/taxonomy.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = taxonomy_reference();
    if committed != current {
        let line = committed
            .lines()
            .zip(current.lines())
            .position(|(a, b)| a != b)
            .map_or(
                committed.lines().count().min(current.lines().count()),
                |i| i,
            )
            + 1;
        panic!(
            "docs/taxonomy.md is stale (first difference at line {line}); rewrite it with `{DOCS_COMMAND}`"
        );
    }
}

/// A copy of the commerce taxonomy directory (taxonomy, fixtures, lock,
/// changelog) with the taxonomy and changelog replaced; returns every
/// diagnostic `cargo build` would print for it (the build script runs these
/// same two checks) and the lock it would record.
fn governance_of(
    yaml: &str,
    changelog: &str,
    lock: Option<&str>,
) -> (Vec<coverage_core::Diagnostic>, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let source = root().join("taxonomy/commerce");
    std::fs::create_dir_all(dir.path().join("v1")).unwrap();
    std::fs::copy(
        source.join("v1/fixtures.yaml"),
        dir.path().join("v1/fixtures.yaml"),
    )
    .unwrap();
    let committed_lock = std::fs::read_to_string(source.join("v1.lock")).unwrap();
    std::fs::write(dir.path().join("v1.lock"), lock.unwrap_or(&committed_lock)).unwrap();
    std::fs::write(dir.path().join("v1.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("CHANGELOG.md"), changelog).unwrap();
    let path = dir.path().join("v1.yaml");
    let report = coverage_core::check_file(TAXONOMY, &path);
    let governance = coverage_core::check_governance(TAXONOMY, &path, &report);
    let diagnostics = report.diagnostics.iter().chain(&governance.diagnostics);
    (diagnostics.cloned().collect(), governance.lock)
}

/// What the build prints for each version mistake, with `file:line:column`
/// and the bump to make; and the documented loop (bump, changelog entry,
/// lock) ends with no diagnostic. `rebuild.rs` proves with real builds that
/// these diagnostics fail `cargo build` and that the loop builds.
#[test]
fn each_version_mistake_is_named_with_its_line_and_the_bump_to_make() {
    let original = std::fs::read_to_string(root().join(TAXONOMY)).unwrap();
    let changelog = std::fs::read_to_string(root().join("taxonomy/commerce/CHANGELOG.md")).unwrap();
    let rationale = original.replacen("carry the least risk", "carry the lowest risk", 1);
    let bumped =
        |yaml: &str, to: &str| yaml.replacen("version: 1.0.1", &format!("version: {to}"), 1);
    let logged = |version: &str| {
        changelog.replacen(
            "\n## 1.0.1",
            &format!("\n## {version}\n\nReworded a rationale.\n\n## 1.0.1"),
            1,
        )
    };
    let rule_line = 1 + rationale
        .lines()
        .position(|line| line.contains("- id: low-risk-cap"))
        .unwrap();
    let low_stock_bin = "      - id: low_stock\n        label: Low stock\n        description: Only a few units left.\n";
    let cases: [(&str, String, String, Vec<String>); 4] = [
        (
            "a rationale edited without a bump",
            rationale.clone(),
            changelog.clone(),
            vec![
                "taxonomy/commerce/v1.yaml:9:10: version: the content changed but the version is still 1.0.1".into(),
                "this needs a patch bump: rule 'low-risk-cap' changed its rationale".into(),
                "set `version: 1.0.2` (or higher), add a '## 1.0.2' entry to taxonomy/commerce/CHANGELOG.md, then run `cargo run -- taxonomy lock`".into(),
                format!("{TAXONOMY}:{rule_line}:5: rule 'low-risk-cap': changed its rationale since 1.0.1 (needs a patch bump)"),
            ],
        ),
        (
            "a bin removed",
            original.replacen(low_stock_bin, "", 1),
            changelog.clone(),
            vec![
                "this needs a major bump: bin 'availability.low_stock' was removed (or renamed)".into(),
                "set `version: 2.0.0` (or higher)".into(),
            ],
        ),
        (
            "a cap's max changed with a patch bump",
            bumped(&original.replacen("max: 12", "max: 15", 1), "1.0.2"),
            logged("1.0.2"),
            vec![
                "version: 1.0.1 -> 1.0.2 is a patch bump but the changes need a minor bump: rule 'low-risk-cap' changed its effect".into(),
            ],
        ),
        (
            "a bump without a changelog entry",
            bumped(&rationale, "1.0.2"),
            changelog.clone(),
            vec![
                "taxonomy/commerce/v1.yaml:9:10: version: 1.0.2 has no entry in taxonomy/commerce/CHANGELOG.md".into(),
            ],
        ),
    ];
    for (what, yaml, log, messages) in cases {
        let (diagnostics, _) = governance_of(&yaml, &log, None);
        assert!(
            diagnostics.iter().any(|d| d.severity == Severity::Error),
            "{what}: the build must fail"
        );
        let diagnostics = crate::support::lines(&diagnostics);
        for message in messages {
            assert!(
                diagnostics.contains(&message),
                "{what}: expected {message:?} in:\n{diagnostics}"
            );
        }
    }

    // The loop CONTRIBUTING.md describes: bump and log (a warning until
    // locked), then lock: nothing left to say.
    let (yaml, log) = (bumped(&rationale, "1.0.2"), logged("1.0.2"));
    let (diagnostics, lock) = governance_of(&yaml, &log, None);
    assert!(diagnostics.iter().all(|d| d.severity == Severity::Warning));
    assert_eq!(
        crate::support::lines(&diagnostics),
        "taxonomy/commerce/v1.yaml:9:10: version: taxonomy/commerce/v1.lock still records 1.0.1; \
         run `cargo run -- taxonomy lock` to record 1.0.2 (CI fails on a stale lock)\n"
    );
    let lock = lock.expect("a sound taxonomy has a lock to record");
    assert!(lock.contains("\nversion 1.0.2\n"), "{lock}");
    let (diagnostics, _) = governance_of(&yaml, &log, Some(&lock));
    assert_eq!(diagnostics, Vec::new());
}
