// A taxonomy with unknown bin must not compile.
coverage_macros::taxonomy!("tests/fixtures/taxonomy/invalid/unknown_bin.yaml");

fn main() {}
