// A taxonomy with shadowed exclude must not compile.
coverage_macros::taxonomy!("tests/fixtures/taxonomy/invalid/shadowed_exclude.yaml");

fn main() {}
