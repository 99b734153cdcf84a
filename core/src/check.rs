//! The one entry point for build-time users: parse, resolve, analyse.

use sha2::{Digest, Sha256};

use crate::analysis::analyse;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Taxonomy;
use crate::parse::parse;

/// Everything known about one taxonomy file.
#[derive(Debug)]
pub struct Report {
    /// The model, when the file's domains, behaviors and axes are sound
    /// (rules with errors are left out of it).
    pub taxonomy: Option<Taxonomy>,
    /// `sha256:` and the hex digest of the file's bytes.
    pub hash: String,
    /// Every error and warning, in file order within each pass.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    pub fn is_ok(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The valid taxonomy, or every error.
    pub fn into_result(self) -> Result<Taxonomy, Vec<Diagnostic>> {
        match (
            self.taxonomy,
            self.diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error),
        ) {
            (Some(taxonomy), false) => Ok(taxonomy),
            _ => Err(self
                .diagnostics
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .collect()),
        }
    }
}

/// Validates the taxonomy `source`, read from `file` (the path as the user
/// wrote it; it only appears in messages).
pub fn check(file: &str, source: &str) -> Report {
    let hash = format!("sha256:{:x}", Sha256::digest(source.as_bytes()));
    let parsed = parse(file, source);
    let mut diagnostics = parsed.errors;
    if diagnostics.is_empty()
        && let Some(taxonomy) = &parsed.taxonomy
    {
        analyse(file, taxonomy, &parsed.rule_positions, &mut diagnostics);
    }
    Report {
        taxonomy: parsed.taxonomy,
        hash,
        diagnostics,
    }
}
