// A taxonomy with duplicate id must not compile.
coverage_macros::taxonomy!("tests/fixtures/taxonomy/invalid/duplicate_id.yaml");

fn main() {}
