//! Version discipline and generated files: which bump a change needs, the
//! committed lock and `docs/taxonomy.md` are current.

use coverage::governance::{LOCK_COMMAND, LockState, expected_locks};
use coverage::reference::{DOCS_COMMAND, taxonomy_reference};
use coverage_core::{Bump, Lock, changes};

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
