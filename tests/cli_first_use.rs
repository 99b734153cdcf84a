//! The command line as a new user meets it (issue 21): `--help` says what
//! every flag takes, `serve --addr` takes a host name and creates nothing
//! when it cannot listen, sizes take units, seeds have one range, `--resume`
//! refuses another run's layouts, and shells get completions.

use coverage::TaxonomyEnum;

use crate::support::{assert_refused, assert_success, coverage};

fn stdout(args: &[&str]) -> String {
    let output = coverage().args(args).output().unwrap();
    assert_success(&output);
    String::from_utf8(output.stdout).unwrap()
}

/// `--help` listed no domain or behavior id (only the error did), and
/// `--format` had no help text.
#[test]
fn help_lists_every_domain_and_behavior_id_and_explains_format() {
    for command in ["generate", "manifest", "cost", "report", "samples"] {
        let help = stdout(&[command, "--help"]);
        for id in coverage::Domain::IDS.iter().chain(coverage::Behavior::IDS) {
            assert!(help.contains(id), "`{command} --help` lacks {id}:\n{help}");
        }
    }
    let help = stdout(&["generate", "--help"]);
    let format = help
        .split("\n      --")
        .find(|flag| flag.starts_with("format"))
        .expect("a --format entry");
    assert!(format.contains("one document per file"), "{format}");
    assert!(
        format.contains("[possible values: json, jsonl]"),
        "{format}"
    );
    // The short form stays short.
    let short = stdout(&["generate", "-h"]);
    assert!(!short.contains(coverage::Domain::IDS[1]), "{short}");
}

/// `--max-memory 12` meant 12 bytes (and printed "0.0 MB"): a size under
/// 1MiB is refused at once naming the value and the forms; units and
/// fractions are taken.
#[test]
fn max_memory_without_a_unit_is_refused_and_units_are_taken() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = coverage()
        .args(["generate", "--max-memory", "12", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_refused(
        &output,
        "invalid size '12': below the 1MiB minimum; expected a size of at least 1MiB: a number and a unit B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 512MiB, 2GB, 1.5GiB); a bare number is bytes",
    );
    assert!(!out.exists());
    for size in ["1.5GiB", "512MiB", "2GB"] {
        let output = coverage()
            .args([
                "generate",
                "--dry-run",
                "--global",
                "--domain",
                "returns_refunds_exchanges",
            ])
            .args(["--behavior", "happy_path", "--max-memory", size, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_success(&output);
    }
}
