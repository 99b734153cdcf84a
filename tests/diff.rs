//! `coverage diff`: the scenarios a change adds and removes, per rule and
//! per pair, from manifest files or seeded runs.

use std::collections::BTreeSet;

use coverage::contract::diff::ManifestDiff;
use coverage::contract::manifest::Manifest;
use coverage::{Coverage, Selection};

use crate::support::{assert_refused, coverage};

fn kept(seed: u64) -> BTreeSet<String> {
    Manifest::build(&Coverage::evaluate(seed), &Selection::all())
        .scenarios
        .into_iter()
        .map(|entry| entry.id)
        .collect()
}

fn stdout_of(args: &[&str]) -> (Option<i32>, String, String) {
    let output = coverage().args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Between two seeds only the caps' picks move: exactly the scenarios one
/// seed keeps and the other does not, all of them low-risk-cap and
/// regulatory-retain picks.
#[test]
fn diff_between_seeds_42_and_7_lists_exactly_the_cap_picks_that_moved() {
    let (code, text, stderr) = stdout_of(&["diff", "--seed", "42", "--seed", "7"]);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!("diff_seed_42_seed_7", text);

    let (old, new) = (kept(42), kept(7));
    let listed = |sign: &str| -> BTreeSet<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix(sign))
            .map(|rest| rest.split(' ').next().unwrap().to_owned())
            .collect()
    };
    let added: BTreeSet<String> = new.difference(&old).cloned().collect();
    let removed: BTreeSet<String> = old.difference(&new).cloned().collect();
    assert!(!added.is_empty());
    assert_eq!(listed("+ "), added);
    assert_eq!(listed("- "), removed);

    let (code, json, _) = stdout_of(&["diff", "--seed", "42", "--seed", "7", "--json"]);
    assert_eq!(code, Some(0));
    let diff: ManifestDiff = serde_json::from_str(&json).unwrap();
    let rules: Vec<&str> = diff.rules.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["regulatory-retain", "low-risk-cap"]);
    assert!(
        diff.added_scenarios
            .iter()
            .map(|s| s.was.as_deref())
            .chain(diff.removed_scenarios.iter().map(|s| s.now.as_deref()))
            .all(|rule| matches!(rule, Some("low-risk-cap" | "regulatory-retain")))
    );
    assert_eq!(diff.added, added.len());
    assert_eq!(diff.removed, removed.len());
}

#[test]
fn diff_reads_manifest_files_and_gates_on_removals() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let (_, manifest, _) = stdout_of(&["manifest", "--json"]);
    std::fs::write(&old, manifest).unwrap();
    let old = old.to_str().unwrap();

    let (code, text, stderr) = stdout_of(&["diff", old, "--seed", "42"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        text.ends_with("\nNo kept scenario was added or removed.\n"),
        "{text}"
    );
    let (code, _, _) = stdout_of(&["diff", old, old, "--fail-on-removed"]);
    assert_eq!(code, Some(0));

    let (code, text, stderr) = stdout_of(&["diff", old, "--seed", "7", "--fail-on-removed"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        text.contains("- "),
        "the diff is printed before failing:\n{text}"
    );
    assert!(
        stderr.contains("scenario(s) kept in OLD are not kept in NEW (--fail-on-removed)"),
        "{stderr}"
    );
}

#[test]
fn diff_refuses_bad_sides_with_one_line_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let junk = junk.to_str().unwrap();
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let cases: [(&[&str], String); 4] = [
        (
            &["diff", "--seed", "42"],
            "coverage diff compares two sides, OLD and NEW, each a manifest file or --seed N; got 0 file(s) and 1 seed(s)".into(),
        ),
        (
            &["diff", missing, "--seed", "42"],
            format!("OLD '{missing}' cannot be read ("),
        ),
        (
            &["diff", "--seed", "42", "--seed", "7", "--seed", "1"],
            "got 0 file(s) and 3 seed(s)".into(),
        ),
        (
            &["diff", junk, "--seed", "42"],
            format!("OLD '{junk}' is not a manifest (missing field"),
        ),
    ];
    for (args, needle) in cases {
        let output = coverage().args(args).output().unwrap();
        assert_refused(&output, &needle);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("give a file written by `coverage manifest --json`")
                || stderr.contains("each a manifest file or --seed N"),
            "{stderr}"
        );
    }
    let output = coverage()
        .args(["diff", "--seed", "many", "--seed", "7"])
        .output()
        .unwrap();
    assert_refused(&output, "expected a whole number");
}

/// A full manifest against a narrowed one labelled 5,312 scenarios "(not in
/// the other grid)": they are in the grid, outside the narrowed selection.
/// Only a scenario the other grid truly lacks keeps that label.
#[test]
fn a_narrowed_side_says_outside_its_selection_and_only_a_missing_id_says_grid() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (_, full, _) = stdout_of(&["manifest", "--json"]);
    let (_, narrow, _) = stdout_of(&["manifest", "--json", "--domain", "cart_management"]);
    let (full_path, narrow_path) = (write("full.json", &full), write("narrow.json", &narrow));

    let (code, text, stderr) = stdout_of(&["diff", &full_path, &narrow_path]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!text.contains("grid"), "{text}");
    let removed = text.lines().filter(|l| l.starts_with("- ")).count();
    let kept = |manifest: &str| {
        serde_json::from_str::<serde_json::Value>(manifest).unwrap()["totals"]["kept"]
            .as_u64()
            .unwrap() as usize
    };
    assert_eq!(removed, kept(&full) - kept(&narrow));
    assert_eq!(
        text.lines()
            .filter(|l| l.ends_with(" (outside NEW's selection)"))
            .count(),
        removed,
        "{text}"
    );
    let row = format!("| (outside the other's selection) |     0 | {removed:>7} |");
    assert!(text.contains(&row), "no {row:?} in:\n{text}");
    // Swapped, the scenarios are added, outside OLD's selection.
    let (_, text, _) = stdout_of(&["diff", &narrow_path, &full_path, "--json"]);
    let diff: serde_json::Value = serde_json::from_str(&text).unwrap();
    let added = diff["added_scenarios"].as_array().unwrap();
    assert_eq!(added.len(), removed);
    assert!(
        added
            .iter()
            .all(|s| s["was"].is_null() && s["outside_old_selection"] == true)
    );

    // One scenario renamed to an id no grid has: only it is "not in the
    // other grid".
    let mut other: serde_json::Value = serde_json::from_str(&full).unwrap();
    let first = other["scenarios"][0]["id"].as_str().unwrap().to_owned();
    other["scenarios"][0]["id"] = format!("{first}.extra").into();
    let other_path = write("other.json", &other.to_string());
    let (_, text, _) = stdout_of(&["diff", &full_path, &other_path]);
    assert!(
        text.contains(&format!("- {first} (not in NEW's grid)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("+ {first}.extra (not in OLD's grid)")),
        "{text}"
    );
    assert!(
        text.contains("| (not in the other grid) |     1 |       1 |"),
        "{text}"
    );
    assert!(!text.contains("selection"), "{text}");
}
