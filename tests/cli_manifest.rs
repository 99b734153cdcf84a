//! `coverage manifest` run as a user would run it.

use serde_json::Value;

use crate::support::{assert_refused, assert_success, coverage};

fn manifest_json(args: &[&str]) -> Value {
    let output = coverage()
        .arg("manifest")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert_success(&output);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_default_summary_is_stable() {
    let output = coverage().arg("manifest").output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(
        "default_manifest_summary",
        String::from_utf8(output.stdout).unwrap()
    );
}

#[test]
fn json_reports_the_spec_figures_for_seed_42_and_7() {
    for seed in ["42", "7"] {
        let m = manifest_json(&["--seed", seed]);
        assert_eq!(m["seed"], seed.parse::<u64>().unwrap());
        assert_eq!(
            m["totals"],
            serde_json::json!({"raw": 9072, "kept": 5376, "excluded": 3696})
        );
        let removed: Vec<(String, u64, bool)> = m["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["removed"].as_u64().unwrap(),
                    r["binding"].as_bool().unwrap(),
                )
            })
            .collect();
        let expected = [
            ("physical-impossibility", 54, true),
            ("business-irrelevance", 864, true),
            ("regulatory-block", 2262, true),
            ("regulatory-retain", 414, true),
            ("redundancy-reduction", 72, true),
            ("low-risk-cap", 30, true),
            ("skew-control", 0, false),
        ];
        assert_eq!(removed, expected.map(|(id, n, b)| (id.to_owned(), n, b)));
        for rule in m["rules"].as_array().unwrap() {
            assert!(rule["rationale"].as_str().unwrap().len() > 40, "{rule}");
        }
        let scenarios = m["scenarios"].as_array().unwrap();
        for (behavior, kept) in [
            ("happy_path", 810),
            ("constraint_heavy", 876),
            ("ambiguous", 912),
            ("multi_turn", 912),
            ("user_corrections", 912),
            ("adversarial_trap", 954),
        ] {
            assert_eq!(
                scenarios
                    .iter()
                    .filter(|s| s["behavior"] == behavior)
                    .count(),
                kept,
                "{behavior}"
            );
        }
        let low_risk: Vec<&Value> = scenarios
            .iter()
            .filter(|s| {
                s["behavior"] == "happy_path"
                    && s["availability"] == "in_stock"
                    && s["policy_boundary"] == "within_policy"
            })
            .collect();
        for price in ["low", "medium", "high"] {
            assert_eq!(
                low_risk
                    .iter()
                    .filter(|s| s["price_sensitivity"] == price)
                    .count(),
                4,
                "{price}"
            );
        }
        assert_eq!(m["excluded"].as_array().unwrap().len(), 3696);
        assert_eq!(m["pairs"].as_array().unwrap().len(), 84);
    }
}

#[test]
fn json_is_byte_identical_across_runs_and_ids_follow_the_spec_shape() {
    let run = || {
        coverage()
            .args(["manifest", "--json"])
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    assert_eq!(first, run());
    let m: Value = serde_json::from_slice(&first).unwrap();
    let parts = [
        "domain",
        "behavior",
        "price_sensitivity",
        "brand_bias",
        "availability",
        "policy_boundary",
    ];
    for list in ["scenarios", "excluded"] {
        for entry in m[list].as_array().unwrap() {
            let expected: Vec<&str> = parts.iter().map(|p| entry[p].as_str().unwrap()).collect();
            assert_eq!(entry["id"].as_str().unwrap(), expected.join("."));
        }
    }
    assert!(
        m["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["rule"].is_string())
    );
}

#[test]
fn a_selection_lists_only_its_pairs_with_the_global_picks() {
    let global = manifest_json(&[]);
    let m = manifest_json(&[
        "--domain",
        "checkout_payments",
        "--behavior",
        "happy_path",
        "--behavior",
        "multi_turn",
    ]);
    assert_eq!(m["pairs"].as_array().unwrap().len(), 2);
    assert_eq!(m["totals"]["raw"], 216);
    let expected: Vec<&Value> = global["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["domain"] == "checkout_payments"
                && (s["behavior"] == "happy_path" || s["behavior"] == "multi_turn")
        })
        .collect();
    assert_eq!(
        m["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        expected
    );
}

#[test]
fn an_unknown_domain_is_named_with_the_valid_ids_and_exit_code_2() {
    let output = coverage()
        .args(["manifest", "--domain", "checkout"])
        .output()
        .unwrap();
    assert_refused(
        &output,
        "unknown domain 'checkout'; valid: product_discovery_search, ",
    );
    assert!(output.stdout.is_empty());
}

/// `Manifest::to_json` writes the scenario entries itself, for speed; its
/// bytes are serde_json's pretty printing of the manifest for every shape
/// of selection: all, one pair, a domain with no kept scenario left out,
/// nothing, variants, other seeds.
#[test]
fn manifest_json_is_serde_pretty_printing_for_every_shape() {
    use coverage::contract::manifest::Manifest;
    use coverage::{Behavior, Coverage, Domain, Selection};
    let selections = [
        Selection::all(),
        Selection::new(vec![Domain::TrustSafetyFraud], vec![Behavior::HappyPath]),
        Selection::new(vec![Domain::ShippingDelivery], vec![]),
        Selection::new(vec![], vec![Behavior::AdversarialTrap, Behavior::Ambiguous]),
    ];
    for seed in [42, 7, u64::MAX] {
        let coverage = Coverage::evaluate(seed);
        for selection in &selections {
            for variants in [1, 3] {
                let manifest = Manifest::build(&coverage, selection).with_variants(variants);
                let expected = serde_json::to_string_pretty(&manifest).unwrap() + "\n";
                assert!(
                    manifest.to_json() == expected,
                    "seed {seed}, variants {variants}"
                );
            }
        }
        let mut empty = Manifest::build(&coverage, &selections[1]);
        empty.scenarios.clear();
        empty.excluded.clear();
        assert_eq!(
            empty.to_json(),
            serde_json::to_string_pretty(&empty).unwrap() + "\n"
        );
    }
}
