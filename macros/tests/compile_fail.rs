//! The `taxonomy!` macro end to end: a bad taxonomy fails to compile with
//! one error per problem naming `file:line:column` and the rule; a good one
//! expands to usable types.
//!
//! These cases live in the macro's own crate so that trybuild's scratch
//! crate depends on the macro and `coverage-core` only, not on the
//! application's server, browser and benchmark stacks.
//!
//! The `.stderr` files hold rustc's rendering around our messages, which
//! changes between compiler releases, so they are compared only on the
//! toolchain they were blessed with (`tests/ui/blessed-with`). The messages
//! themselves are checked on every toolchain by the library tests of the
//! validator (`tests/validation.rs` in the root crate). To re-bless on a new
//! toolchain: `TRYBUILD=overwrite cargo test -p coverage-macros`, review the
//! diff, and write the new `rustc --version` into `tests/ui/blessed-with`.

use std::path::Path;
use std::process::Command;

#[test]
fn taxonomy_macro_rejects_bad_files_and_expands_good_ones() {
    let blessed_with = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/blessed-with"),
    )
    .expect("tests/ui/blessed-with names the toolchain the .stderr files come from");
    let current = rustc_version();
    if current.trim() != blessed_with.trim() {
        eprintln!(
            "*** SKIPPED compile-fail cases: their .stderr files were blessed with {:?}, \
             this is {:?}; re-bless as tests/compile_fail.rs explains",
            blessed_with.trim(),
            current.trim()
        );
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

/// `rustc --version` of the compiler cargo uses for this build.
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .arg("--version")
        .output()
        .expect("rustc runs");
    String::from_utf8(output.stdout).expect("rustc prints UTF-8")
}
