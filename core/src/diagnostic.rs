//! A problem found in a taxonomy file, located at `file:line:column`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Printed as a cargo warning; the build goes on.
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The path as the user wrote it (relative paths stay relative, so
    /// messages are the same on every machine).
    pub file: String,
    /// 1-based; 0 when the location is unknown.
    pub line: u64,
    pub column: u64,
    /// What the problem belongs to, e.g. `rule 'dup-rule'` or `domain 'cart'`.
    pub subject: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(subject) = &self.subject {
            write!(f, "{subject}: ")?;
        }
        f.write_str(&self.message)
    }
}
