//! Every validation check, as data: `fixtures/taxonomy/invalid/<case>.yaml`
//! next to `<case>.expected`, the exact messages the validator renders.

use crate::support::{assert_expected, fixture, lines};

fn rendered(case: &str) -> String {
    let file = format!("tests/fixtures/taxonomy/invalid/{case}.yaml");
    let source =
        std::fs::read_to_string(fixture(&format!("taxonomy/invalid/{case}.yaml"))).unwrap();
    let report = coverage_core::check(&file, &source);
    assert!(!report.is_ok(), "{case}: expected at least one error");
    lines(&report.diagnostics)
}

#[test]
fn every_invalid_fixture_renders_its_expected_messages() {
    let dir = fixture("taxonomy/invalid");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".yaml").map(str::to_owned)
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the fixture set shrank: {cases:?}");
    for case in cases {
        assert_expected(&dir.join(format!("{case}.expected")), &rendered(&case));
    }
}

#[test]
fn many_errors_are_all_reported_not_just_the_first() {
    let messages = rendered("many_errors");
    for needle in [
        "unknown domain 'refunds'",
        "unknown availability bin 'sold_out'",
        "rule 'no-returns-trap': duplicate id",
        "'max: 0'",
    ] {
        assert!(
            messages.contains(needle),
            "missing {needle:?} in:\n{messages}"
        );
    }
}

#[test]
fn shadowed_rule_names_the_rule_that_already_removed_its_matches() {
    let messages = rendered("shadowed_exclude");
    assert!(
        messages.contains(":49:9: rule 'dup-rule': every scenario it matches was already removed by 'no-returns-trap'"),
        "{messages}"
    );
}

#[test]
fn valid_fixtures_and_the_default_taxonomy_have_no_errors() {
    for file in [
        "taxonomy/commerce/v1.yaml",
        "tests/fixtures/taxonomy/valid/minimal.yaml",
        "tests/fixtures/taxonomy/valid/reordered.yaml",
        "tests/fixtures/taxonomy/valid/appended.yaml",
    ] {
        crate::support::load_taxonomy(file);
    }
}

#[test]
fn the_only_warning_of_the_default_taxonomy_is_the_non_binding_skew_control() {
    let file = "taxonomy/commerce/v1.yaml";
    let source = std::fs::read_to_string(crate::support::root().join(file)).unwrap();
    let report = coverage_core::check(file, &source);
    let warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("rule 'skew-control': cap never binds"),
        "{warnings:?}"
    );
}
