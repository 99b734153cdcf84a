// A taxonomy with yaml syntax must not compile.
coverage_macros::taxonomy!("tests/fixtures/taxonomy/invalid/yaml_syntax.yaml");

fn main() {}
