// Any valid taxonomy expands to typed enums, a Scenario and a rule table.
mod shop {
    coverage_macros::taxonomy!("tests/fixtures/taxonomy/valid/minimal.yaml");
}

use shop::{Availability, Behavior, Difficulty, Domain, Scenario};

fn main() {
    assert_eq!(Domain::ALL.len(), 3);
    assert_eq!("cart".parse::<Domain>(), Ok(Domain::Cart));
    let error = "refunds".parse::<Domain>().unwrap_err();
    assert_eq!(error.to_string(), "unknown domain 'refunds'; valid: search, cart, returns");
    assert_eq!(Behavior::AdversarialTrap.difficulty(), Difficulty::Hard);
    assert_eq!(Availability::OutOfStock.label(), "Out of stock");
    assert_eq!(shop::RULES.len(), 2);
    assert_eq!(shop::VERSION, "0.1.0");
    assert!(shop::HASH.starts_with("sha256:"));
    let scenario = Scenario::from_coords(&[1, 0, 2, 1]);
    assert_eq!(shop::TAXONOMY.scenario_id(&scenario.coords()), "cart.happy_path.out_of_stock.out_of_policy");
    let evaluation = coverage_core::evaluate(&shop::TAXONOMY, 42);
    assert_eq!(evaluation.fates.len(), 36);
}
