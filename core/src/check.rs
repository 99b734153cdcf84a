//! The one entry point for build-time users: parse, resolve, analyse.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::analysis::analyse;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixtures::Fixtures;
use crate::model::Taxonomy;
use crate::parse::{Position, parse};
use crate::parse_fixtures::parse_fixtures;

/// Everything known about one taxonomy file and the fixtures it names.
#[derive(Debug)]
pub struct Report {
    /// The model, when the file's domains, behaviors and axes are sound
    /// (rules with errors are left out of it).
    pub taxonomy: Option<Taxonomy>,
    /// The conversation fixtures, when the taxonomy names a valid file.
    pub fixtures: Option<Fixtures>,
    /// `sha256:` and the hex digest of the taxonomy file's bytes.
    pub hash: String,
    /// The same for the fixtures file, when there is one.
    pub fixtures_hash: Option<String>,
    /// Every file read, so generated code can depend on each of them.
    pub sources: Vec<PathBuf>,
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
/// wrote it: it appears in messages, and a `fixtures:` path is resolved
/// against its directory, relative to the current directory).
pub fn check(file: &str, source: &str) -> Report {
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    check_with_base(file, source, Path::new(file), base)
}

/// Validates the taxonomy at `path`, shown in messages as `file`.
pub fn check_file(file: &str, path: &Path) -> Report {
    match std::fs::read_to_string(path) {
        Ok(source) => check_with_base(file, &source, path, path.parent().unwrap_or(Path::new(""))),
        Err(error) => Report {
            taxonomy: None,
            fixtures: None,
            hash: String::new(),
            fixtures_hash: None,
            sources: vec![path.to_owned()],
            diagnostics: vec![located(
                file,
                Position { line: 0, column: 0 },
                format!("cannot read: {error}"),
            )],
        },
    }
}

fn check_with_base(file: &str, source: &str, path: &Path, base: &Path) -> Report {
    let parsed = parse(file, source);
    let mut report = Report {
        taxonomy: None,
        fixtures: None,
        hash: sha256(source),
        fixtures_hash: None,
        sources: vec![path.to_owned()],
        diagnostics: parsed.errors,
    };
    if report.diagnostics.is_empty()
        && let Some(taxonomy) = &parsed.taxonomy
    {
        analyse(
            file,
            taxonomy,
            &parsed.rule_positions,
            &parsed.outcome_positions,
            &mut report.diagnostics,
        );
        if let Some((relative, at)) = &parsed.fixtures {
            load_fixtures(&mut report, file, relative, *at, base, taxonomy);
        }
    }
    report.taxonomy = parsed.taxonomy;
    report
}

fn load_fixtures(
    report: &mut Report,
    file: &str,
    relative: &str,
    at: Position,
    base: &Path,
    taxonomy: &Taxonomy,
) {
    let shown = match Path::new(file).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            format!("{}/{relative}", dir.to_string_lossy().replace('\\', "/"))
        }
        _ => relative.to_owned(),
    };
    let path = base.join(relative);
    report.sources.push(path.clone());
    match std::fs::read_to_string(&path) {
        Ok(source) => {
            report.fixtures_hash = Some(sha256(&source));
            let (fixtures, diagnostics) = parse_fixtures(&shown, &source, taxonomy);
            report.fixtures = fixtures;
            report.diagnostics.extend(diagnostics);
        }
        Err(error) => report.diagnostics.push(located(
            file,
            at,
            format!("cannot read fixtures '{shown}': {error}"),
        )),
    }
}

fn located(file: &str, at: Position, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: file.to_owned(),
        line: at.line,
        column: at.column,
        subject: None,
        message,
    }
}

fn sha256(source: &str) -> String {
    format!("sha256:{:x}", Sha256::digest(source.as_bytes()))
}
