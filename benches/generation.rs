//! `cargo bench`: the hot paths one at a time — the rule engine over the
//! grid, one conversation, one file's lines, the manifest's JSON. CI only
//! builds these (`cargo bench --no-run`); the figures are in
//! docs/performance.md.

use coverage::contract::manifest::Manifest;
use coverage::generate::{Deal, generate};
use coverage::job::LineHasher;
use coverage::taxonomy::Scenario;
use coverage::{Coverage, Selection};

fn main() {
    divan::main();
}

/// Every rule over all 9,072 cells of the grid.
#[divan::bench]
fn rule_engine() -> Coverage {
    Coverage::evaluate(divan::black_box(42))
}

/// One conversation and its golden entry, serialized as the files hold them.
#[divan::bench]
fn one_conversation(bencher: divan::Bencher) {
    let scenario: Scenario = "checkout_payments.multi_turn.high.soft.low_stock.near_limit"
        .parse()
        .unwrap();
    let deal = Deal::new(&Coverage::evaluate(42));
    bencher.bench(|| {
        let generated = generate(
            &deal,
            divan::black_box(&scenario),
            "commerce.checkout_payments.multi_turn",
        );
        (
            serde_json::to_string(&generated.conversation).unwrap(),
            serde_json::to_string(&generated.golden).unwrap(),
        )
    });
}

/// One per-behavior file's lines (72 conversations), hashed as a run does.
#[divan::bench]
fn one_file(bencher: divan::Bencher) {
    let coverage = Coverage::evaluate(42);
    let selection = Selection::all();
    let scenarios: Vec<Scenario> = coverage
        .kept(&selection)
        .filter(|s| s.domain.id() == "cart_management" && s.behavior.id() == "multi_turn")
        .collect();
    let deal = Deal::new(&coverage);
    bencher.bench(|| {
        let mut hasher = LineHasher::default();
        for scenario in &scenarios {
            let generated = generate(&deal, scenario, "commerce.cart_management.multi_turn");
            hasher.add(&serde_json::to_string(&generated.conversation).unwrap());
            hasher.add(&serde_json::to_string(&generated.golden).unwrap());
        }
        hasher.finish()
    });
}

/// The full manifest as `coverage manifest --json` prints it.
#[divan::bench]
fn manifest_json(bencher: divan::Bencher) {
    let coverage = Coverage::evaluate(42);
    bencher.bench(|| Manifest::build(&coverage, &Selection::all()).to_json());
}
