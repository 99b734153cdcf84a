//! Scenario ids are made only from ids, so they survive reruns, reorders
//! and appends.

use std::collections::BTreeSet;

use coverage::taxonomy::TAXONOMY;
use coverage::{Coverage, Scenario, Selection};
use coverage_core::{Fate, Taxonomy, evaluate};

use crate::support::load_taxonomy;

/// (id, reason) for every scenario: reason is the removing rule's id or "kept".
fn fates(taxonomy: &Taxonomy, seed: u64) -> BTreeSet<(String, String)> {
    let evaluation = evaluate(taxonomy, seed);
    let mut coords = vec![0u8; evaluation.grid.width()];
    evaluation
        .fates
        .iter()
        .enumerate()
        .map(|(ordinal, fate)| {
            evaluation.grid.coords(ordinal, &mut coords);
            let reason = match fate {
                Fate::Kept => "kept".to_owned(),
                Fate::Removed(rule) => taxonomy.rules[usize::from(*rule)].id.to_string(),
            };
            (taxonomy.scenario_id(&coords), reason)
        })
        .collect()
}

#[test]
fn ids_are_equal_across_runs() {
    let first: Vec<String> = Coverage::evaluate(42)
        .kept(&Selection::all())
        .map(|s| s.id())
        .collect();
    let second: Vec<String> = Coverage::evaluate(42)
        .kept(&Selection::all())
        .map(|s| s.id())
        .collect();
    assert_eq!(first, second);
    assert_eq!(
        first.iter().collect::<BTreeSet<_>>().len(),
        5376,
        "ids are unique"
    );
}

#[test]
fn ids_are_made_of_part_ids_and_parse_back() {
    let s: Scenario = "checkout_payments.multi_turn.high.soft.low_stock.near_limit"
        .parse()
        .unwrap();
    assert_eq!(
        s.id(),
        "checkout_payments.multi_turn.high.soft.low_stock.near_limit"
    );
    for (scenario, _) in Coverage::evaluate(42).scenarios() {
        assert_eq!(scenario.id().parse::<Scenario>().unwrap(), scenario);
    }
    let error = "checkout_payments.multi_turn.high.soft.sold_out.near_limit"
        .parse::<Scenario>()
        .unwrap_err();
    assert_eq!(
        error,
        "unknown availability 'sold_out'; valid: in_stock, low_stock, backorder, out_of_stock"
    );
}

#[test]
fn reordering_the_yaml_changes_no_id_and_no_fate() {
    let reordered = load_taxonomy("tests/fixtures/taxonomy/valid/reordered.yaml");
    for seed in [42, 7] {
        let (ours, theirs) = (fates(&TAXONOMY, seed), fates(&reordered, seed));
        let differing: Vec<_> = ours.symmetric_difference(&theirs).take(5).collect();
        assert!(differing.is_empty(), "seed {seed}: {differing:?}");
    }
}

#[test]
fn appending_domains_and_bins_keeps_every_existing_id() {
    let appended = load_taxonomy("tests/fixtures/taxonomy/valid/appended.yaml");
    let ids =
        |t: &Taxonomy| -> BTreeSet<String> { fates(t, 42).into_iter().map(|(id, _)| id).collect() };
    let (before, after) = (ids(&TAXONOMY), ids(&appended));
    assert!(before.is_subset(&after));
    assert_eq!(after.len(), 15 * 6 * 3 * 3 * 5 * 3);
}
