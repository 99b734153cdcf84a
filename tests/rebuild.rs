//! The acceptance loop a reviewer relies on: editing `taxonomy/commerce/
//! v1.yaml` into something invalid makes `cargo build` fail with
//! `file:line` and the rule, and undoing the edit builds again, no
//! `cargo clean` needed. Runs cargo on a copy of the crate, offline.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::root;

const TAXONOMY: &str = "taxonomy/commerce/v1.yaml";

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Held by each test for its whole run, copy included. Cargo gives every
/// copy of the crate the same build-script and fingerprint directories in
/// the shared target directory (the copies differ only in where they are),
/// so a build of one copy can make another's edits look already built, and
/// cargo would replay the other copy's build-script output. One test at a
/// time, with its copy made after the previous test's last build, keeps
/// every edit newer than the last build.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where the copy and its build live: the test's scratch directory under
/// whatever target directory cargo uses, never inside the checkout.
fn scratch() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("rebuild-test")
}

/// A private copy of what `cargo build` reads, so edits never touch the
/// real checkout; its target directory persists to keep reruns fast. Each
/// test has its own copy (`name`), so tests running at once never share one.
fn workspace_copy(name: &str) -> PathBuf {
    let work = scratch().join(name);
    let _ = std::fs::remove_dir_all(&work);
    for dir in [
        "src",
        "core",
        "macros",
        "taxonomy",
        "schemas",
        "benches",
        "templates",
        "assets",
    ] {
        copy_tree(&root().join(dir), &work.join(dir));
    }
    for file in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        std::fs::copy(root().join(file), work.join(file)).unwrap();
    }
    work
}

/// `cargo build` of the copy: (success, stderr).
fn build(work: &Path) -> (bool, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--offline", "--bin", "coverage"])
        .current_dir(work)
        .env("CARGO_TARGET_DIR", scratch().join("target"))
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `yaml` with `rule` added at the end of its `rules:` list, which is
/// followed by a blank line and the (commented) `decisions:` section.
fn with_rule(yaml: &str, rule: &str) -> String {
    let decisions = yaml
        .find("\ndecisions:")
        .expect("the taxonomy has a decisions section");
    let end_of_rules = yaml[..decisions]
        .rfind("\n\n")
        .expect("a blank line ends the rules");
    format!(
        "{}{}{}",
        &yaml[..end_of_rules],
        rule.trim_end(),
        &yaml[end_of_rules..]
    )
}

/// The 1-based line of the last line containing `needle` (edits add at the end).
fn last_line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .rposition(|line| line.contains(needle))
        .unwrap()
        + 1
}

#[test]
fn breaking_the_taxonomy_fails_the_build_and_undoing_it_mends_it() {
    let _serial = serial();
    let work = workspace_copy("work");
    let yaml_path = work.join(TAXONOMY);
    let original = std::fs::read_to_string(&yaml_path).unwrap();
    let (ok, stderr) = build(&work);
    assert!(ok, "the pristine copy must build:\n{stderr}");
    assert!(
        stderr.contains("rule 'skew-control': cap never binds"),
        "{stderr}"
    );

    let repeat_rule = "\n  - id: repeat-irrelevance\n    kind: exclude\n    scope:\n      domains: [trust_safety_fraud]\n    match:\n      brand_bias: [hard]\n    rationale: Repeats an earlier exclusion.\n";
    let edits: [(&str, String, &str, &str); 3] = [
        (
            "a rule that repeats an earlier exclusion",
            with_rule(&original, repeat_rule),
            "repeat-irrelevance",
            "rule 'repeat-irrelevance': every scenario it matches was already removed by 'business-irrelevance'",
        ),
        (
            "a rule naming an unknown bin",
            original.replacen(
                "availability: [backorder, out_of_stock]",
                "availability: [backorder, sold_out]",
                1,
            ),
            "sold_out",
            "rule 'physical-impossibility': unknown availability bin 'sold_out'; valid: in_stock, low_stock, backorder, out_of_stock",
        ),
        (
            "a second rule with an existing id",
            with_rule(
                &original,
                &repeat_rule
                    .replace("repeat-irrelevance", "low-risk-cap")
                    .replace("trust_safety_fraud", "cart_management"),
            ),
            "low-risk-cap",
            "rule 'low-risk-cap': duplicate id; first defined at line",
        ),
    ];
    for (what, edited, marker, message) in edits {
        std::fs::write(&yaml_path, &edited).unwrap();
        let (ok, stderr) = build(&work);
        assert!(!ok, "{what}: the build must fail:\n{stderr}");
        let line = last_line_of(&edited, marker);
        let located = format!("{TAXONOMY}:{line}:");
        assert!(
            stderr.contains(&located),
            "{what}: expected {located} in:\n{stderr}"
        );
        assert!(
            stderr.contains(message),
            "{what}: expected {message:?} in:\n{stderr}"
        );

        std::fs::write(&yaml_path, &original).unwrap();
        let (ok, stderr) = build(&work);
        assert!(ok, "{what}: undoing the edit must build again:\n{stderr}");
    }
}

#[test]
fn breaking_the_fixtures_fails_the_build_with_every_error_and_undoing_it_mends_it() {
    const FIXTURES: &str = "taxonomy/commerce/v1/fixtures.yaml";
    let _serial = serial();
    let work = workspace_copy("work-fixtures");
    let path = work.join(FIXTURES);
    let original = std::fs::read_to_string(&path).unwrap();
    let dropped = original
        .lines()
        .find(|l| l.contains("id: pds-02,"))
        .unwrap()
        .to_owned();
    // Three mistakes at once: a store fact in the user's mouth, an item
    // whose stock contradicts its bin, and a bin left with 5 items.
    let edited = original
        .replacen(
            "\"I'd like {policy_value} in the cart.\"",
            "\"I'd like {policy_value} in the cart; your limit is {policy_limit}.\"",
            1,
        )
        .replacen(
            "list_price: 91.00, stock: 14 }",
            "list_price: 91.00, stock: 0 }",
            1,
        )
        .replacen(&format!("{dropped}\n"), "", 1);
    std::fs::write(&path, &edited).unwrap();
    let (ok, stderr) = build(&work);
    assert!(!ok, "the build must fail");
    for (marker, message) in [
        (
            "your limit is {policy_limit}",
            "unknown slot '{policy_limit}' (a store fact: the customer does not know it)",
        ),
        (
            "id: pds-01,",
            "item 'pds-01' is listed as in_stock but its stock 0 (restock_weeks none) makes it out_of_stock",
        ),
    ] {
        let located = format!("{FIXTURES}:{}:", last_line_of(&edited, marker));
        assert!(
            stderr.contains(&located),
            "expected {located} in:\n{stderr}"
        );
        assert!(
            stderr.contains(message),
            "expected {message:?} in:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("has 5 backorder items; every availability bin needs at least 6"),
        "{stderr}"
    );
    std::fs::write(&path, &original).unwrap();
    let (ok, stderr) = build(&work);
    assert!(ok, "undoing the edit must build again:\n{stderr}");
}

/// Version discipline end to end: each governance mistake fails `cargo
/// build` naming the file, the line and the bump, and the documented loop
/// (bump, changelog entry, `coverage taxonomy lock`) builds again. Only the
/// last two builds compile the crate; the failing ones stop in the build
/// script, so this costs about two builds.
#[test]
fn version_discipline_fails_the_build_until_bumped_locked_and_logged() {
    const CHANGELOG: &str = "taxonomy/commerce/CHANGELOG.md";
    let _serial = serial();
    let work = workspace_copy("work-governance");
    let yaml_path = work.join(TAXONOMY);
    let original = std::fs::read_to_string(&yaml_path).unwrap();
    let changelog = std::fs::read_to_string(work.join(CHANGELOG)).unwrap();
    let rationale = original.replacen("carry the least risk", "carry the lowest risk", 1);
    let bumped =
        |yaml: &str, to: &str| yaml.replacen("version: 1.0.0", &format!("version: {to}"), 1);
    let logged = |version: &str| {
        changelog.replacen(
            "\n## 1.0.0",
            &format!("\n## {version}\n\nReworded a rationale.\n\n## 1.0.0"),
            1,
        )
    };
    let low_stock_bin = "      - id: low_stock\n        label: Low stock\n        description: Only a few units left.\n";
    let failures: [(&str, String, String, &[&str]); 4] = [
        (
            "a rationale edited without a bump",
            rationale.clone(),
            changelog.clone(),
            &[
                "taxonomy/commerce/v1.yaml:9:10: version: the content changed but the version is still 1.0.0",
                "this needs a patch bump: rule 'low-risk-cap' changed its rationale",
                "set `version: 1.0.1` (or higher), add a '## 1.0.1' entry to taxonomy/commerce/CHANGELOG.md, then run `cargo run -- taxonomy lock`",
                "rule 'low-risk-cap': changed its rationale since 1.0.0 (needs a patch bump)",
            ],
        ),
        (
            "a bin removed",
            original.replacen(low_stock_bin, "", 1),
            changelog.clone(),
            &[
                "this needs a major bump: bin 'availability.low_stock' was removed (or renamed)",
                "set `version: 2.0.0` (or higher)",
            ],
        ),
        (
            "a cap's max changed with a patch bump",
            bumped(&original.replacen("max: 12", "max: 15", 1), "1.0.1"),
            logged("1.0.1"),
            &[
                "version: 1.0.0 -> 1.0.1 is a patch bump but the changes need a minor bump: rule 'low-risk-cap' changed its effect",
            ],
        ),
        (
            "a bump without a changelog entry",
            bumped(&rationale, "1.0.1"),
            changelog.clone(),
            &[
                "taxonomy/commerce/v1.yaml:9:10: version: 1.0.1 has no entry in taxonomy/commerce/CHANGELOG.md",
            ],
        ),
    ];
    for (what, yaml, log, messages) in failures {
        std::fs::write(&yaml_path, &yaml).unwrap();
        std::fs::write(work.join(CHANGELOG), &log).unwrap();
        let (ok, stderr) = build(&work);
        assert!(!ok, "{what}: the build must fail:\n{stderr}");
        for message in messages {
            assert!(
                stderr.contains(message),
                "{what}: expected {message:?} in:\n{stderr}"
            );
        }
        if what == "a rationale edited without a bump" {
            let line = last_line_of(&yaml, "- id: low-risk-cap");
            let located =
                format!("{TAXONOMY}:{line}:5: rule 'low-risk-cap': changed its rationale");
            assert!(
                stderr.contains(&located),
                "expected {located} in:\n{stderr}"
            );
        }
    }

    // The loop CONTRIBUTING.md describes: bump, log, build, lock, build.
    std::fs::write(&yaml_path, bumped(&rationale, "1.0.1")).unwrap();
    std::fs::write(work.join(CHANGELOG), logged("1.0.1")).unwrap();
    let (ok, stderr) = build(&work);
    assert!(ok, "a bump with a changelog entry builds:\n{stderr}");
    let stale = "taxonomy/commerce/v1.lock still records 1.0.0; run `cargo run -- taxonomy lock` to record 1.0.1";
    assert!(stderr.contains(stale), "expected {stale:?} in:\n{stderr}");
    let binary = scratch().join("target/debug/coverage");
    let lock = Command::new(&binary)
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
    assert!(recorded.contains("\nversion 1.0.1\n"), "{recorded}");
    let (ok, stderr) = build(&work);
    assert!(ok, "the refreshed lock builds:\n{stderr}");
    assert!(!stderr.contains("still records"), "{stderr}");
}
