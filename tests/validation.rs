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

/// A cap that never binds is legal and the build says nothing about it
/// (the manifest, the report and the reference show it instead), so the
/// default taxonomy builds with no diagnostic at all.
#[test]
fn the_default_taxonomy_builds_without_any_warning() {
    let file = "taxonomy/commerce/v1.yaml";
    let source = std::fs::read_to_string(crate::support::root().join(file)).unwrap();
    let report = coverage_core::check(file, &source);
    let warnings: Vec<String> = report.warnings().map(ToString::to_string).collect();
    assert_eq!(warnings, Vec::<String>::new());
}

/// Checks a copy of the default taxonomy after editing it and its fixtures;
/// returns every rendered diagnostic.
fn check_edited(
    edit_taxonomy: impl Fn(&str) -> String,
    edit_fixtures: impl Fn(&str) -> String,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::support::root();
    let taxonomy = std::fs::read_to_string(root.join("taxonomy/commerce/v1.yaml")).unwrap();
    let fixtures =
        std::fs::read_to_string(root.join("taxonomy/commerce/v1/fixtures.yaml")).unwrap();
    std::fs::create_dir_all(dir.path().join("v1")).unwrap();
    std::fs::write(dir.path().join("v1.yaml"), edit_taxonomy(&taxonomy)).unwrap();
    std::fs::write(
        dir.path().join("v1/fixtures.yaml"),
        edit_fixtures(&fixtures),
    )
    .unwrap();
    let report =
        coverage_core::check_file("taxonomy/commerce/v1.yaml", &dir.path().join("v1.yaml"));
    lines(&report.errors().cloned().collect::<Vec<_>>())
}

fn unchanged(text: &str) -> String {
    text.to_owned()
}

#[test]
fn a_template_slot_the_generator_does_not_fill_fails_with_file_line_and_slot() {
    let errors = check_edited(unchanged, |f| {
        f.replace(
            "\"Any brand of {item_kind} is fine.\"",
            "\"Any {colour} brand of {item_kind} is fine.\"",
        )
    });
    let fixtures =
        std::fs::read_to_string(crate::support::root().join("taxonomy/commerce/v1/fixtures.yaml"))
            .unwrap();
    let line = 1 + fixtures
        .lines()
        .position(|l| l.contains("\"Any brand of {item_kind} is fine.\""))
        .unwrap();
    assert_eq!(
        errors,
        format!(
            "taxonomy/commerce/v1/fixtures.yaml:{line}:9: user.brand.none: unknown slot '{{colour}}'; the generator fills here: \
             item, item_kind, brand, list_price, budget, saving, quantity, policy_value, policy_name\n"
        )
    );
}

#[test]
fn a_correction_only_slot_is_unknown_everywhere_else() {
    let errors = check_edited(unchanged, |f| {
        f.replace(
            "\"Any brand of {item_kind} is fine.\"",
            "\"Any brand of {item_kind} is fine. {from}\"",
        )
    });
    assert!(
        errors.contains("user.brand.none: unknown slot '{from}'; the generator fills here: item,"),
        "{errors}"
    );
    // A store fact in the user's mouth is refused too.
    let errors = check_edited(unchanged, |f| {
        f.replace(
            "\"I'd like {policy_value} in the cart.\"",
            "\"I'd like {policy_value} in the cart; the limit is {policy_limit}.\"",
        )
    });
    assert!(
        errors.contains("policy phrasings: unknown slot '{policy_limit}' (a store fact: the customer does not know it)"),
        "{errors}"
    );
}

#[test]
fn fixtures_must_cover_every_domain_availability_and_policy_bin() {
    let errors = check_edited(unchanged, |f| {
        f.replacen("near_limit: [80, 100]", "near_limit: [70, 100]", 1)
            .replace("        - { id: pds-02, name: \"AeroSound Buds Lite wireless earbud set\", kind: wireless earbud set, brand: \"AeroSound\", list_price: 80.00, stock: 0, restock_weeks: 4 }\n", "")
            .replace("list_price: 91.00, stock: 14 }", "list_price: 91.00, stock: 4 }")
    });
    assert!(
        errors.contains(
            "domain 'product_discovery_search': percents [70, 100] of the limit leave 'near_limit'"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("domain 'product_discovery_search': has 5 backorder items; every availability bin needs at least 6"),
        "{errors}"
    );
    let fixtures =
        std::fs::read_to_string(crate::support::root().join("taxonomy/commerce/v1/fixtures.yaml"))
            .unwrap();
    let line = 1 + fixtures
        .lines()
        .position(|l| l.contains("id: pds-01,"))
        .unwrap();
    assert!(
        errors.contains(&format!("fixtures.yaml:{line}:"))
            && errors.contains("item 'pds-01' is listed as in_stock but its stock 4 (restock_weeks none) makes it low_stock"),
        "{errors}"
    );
}

#[test]
fn the_outcome_table_must_have_no_gap_and_no_clash() {
    let gap = check_edited(
        |t| {
            t.replace("  - id: otherwise\n    decision: fulfill\n    rationale: Within policy and obtainable.\n", "")
        },
        |f| {
            f.replace("  otherwise: \"Within the {policy_name} and available: complete the request within {budget}.\"\n", "")
        },
    );
    assert!(
        gap.contains("outcomes: the table has a gap: 1512 scenarios match no row, e.g. 'product_discovery_search.happy_path.low.none.in_stock.within_policy'"),
        "{gap}"
    );
    let clash = check_edited(
        |t| {
            t.replace("  - id: otherwise\n", "  - id: stock-again\n    decision: fulfill\n    match:\n      availability: [out_of_stock]\n    rationale: Clashes with out-of-stock.\n  - id: otherwise\n")
        },
        unchanged,
    );
    assert!(
        clash.contains("outcome 'stock-again': decides no scenario: every scenario it matches is already decided by 'sensitive-out-of-policy', 'out-of-policy', 'out-of-stock' (a clash)"),
        "{clash}"
    );
}
