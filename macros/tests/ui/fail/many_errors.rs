// A taxonomy with many errors must not compile.
coverage_macros::taxonomy!("tests/fixtures/taxonomy/invalid/many_errors.yaml");

fn main() {}
