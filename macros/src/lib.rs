//! `taxonomy!("path/to/taxonomy.yaml")`: compiles a coverage taxonomy into
//! Rust. A shim: reading, validating and emitting all live in
//! `coverage-core`, shared with `build.rs`.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;

/// Expands to the taxonomy's enums (`Domain`, `Behavior`, `Difficulty` and
/// one per axis), the `Scenario` struct, the `const` rule table `RULES`, the
/// `TAXONOMY` model and its `VERSION` and `HASH`.
///
/// The path is relative to the crate root (`CARGO_MANIFEST_DIR`) or the
/// nearest ancestor directory that has it, so a workspace member can name a
/// file at the workspace root; failing that, to the nearest directory above
/// the invoking source file that has it (how compile-fail tests, built in a
/// scratch crate under any target directory, find their fixtures). A bad taxonomy expands to one
/// `compile_error!` per problem, each naming `file:line:column`; so does a
/// change that its lock (`vN.lock` beside it) says needs a version bump.
#[proc_macro]
pub fn taxonomy(input: TokenStream) -> TokenStream {
    let code = match path_literal(&input) {
        Ok(file) => expand(&file),
        Err(message) => compile_error(&message),
    };
    code.parse().expect("the emitter produces valid Rust")
}

fn expand(file: &str) -> String {
    let Some(absolute) = locate(file) else {
        return compile_error(&format!(
            "taxonomy file '{file}' not found in the crate root or any directory above it"
        ));
    };
    let report = coverage_core::check_file(file, &absolute);
    // Version discipline applies to taxonomies that have a lock beside them.
    let governance = if absolute.with_extension("lock").is_file() {
        coverage_core::check_governance(file, &absolute, &report).diagnostics
    } else {
        Vec::new()
    };
    let errors: Vec<_> = report
        .errors()
        .chain(&governance)
        .filter(|d| d.severity == coverage_core::Severity::Error)
        .cloned()
        .collect();
    let mut code = coverage_core::emit_errors(&errors);
    // With only rule errors the types still expand, so the caller sees the
    // real problems rather than a cascade of missing names.
    code += &coverage_core::emit_rust(&report, file).unwrap_or_default();
    code
}

/// The single string literal the macro takes.
fn path_literal(input: &TokenStream) -> Result<String, String> {
    let text = input.to_string();
    let path = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|path| !path.contains(['"', '\\']));
    path.map(str::to_owned)
        .ok_or_else(|| format!("taxonomy! takes one plain string literal path, e.g. taxonomy!(\"taxonomy/commerce/v1.yaml\"); got `{text}`"))
}

fn locate(file: &str) -> Option<PathBuf> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let source_dir = proc_macro::Span::call_site()
        .local_file()
        .and_then(|source| source.parent().map(Path::to_owned));
    [manifest_dir, source_dir]
        .into_iter()
        .flatten()
        .find_map(|start| {
            start
                .ancestors()
                .map(|dir| dir.join(file))
                .find(|candidate| Path::is_file(candidate))
        })
}

fn compile_error(message: &str) -> String {
    format!("::core::compile_error!({message:?});")
}
