//! The command line as a new user meets it (issue 21): `--help` says what
//! every flag takes, `serve --addr` takes a host name and creates nothing
//! when it cannot listen, sizes take units, seeds have one range, `--resume`
//! refuses another run's layouts, and shells get completions.

use coverage::TaxonomyEnum;

use crate::support::{assert_success, coverage};

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
