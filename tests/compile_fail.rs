//! The taxonomy! macro end to end: a bad taxonomy fails to compile with one
//! error per problem naming `file:line:column` and the rule; a good one
//! expands to usable types.

#[test]
fn taxonomy_macro_rejects_bad_files_and_expands_good_ones() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
