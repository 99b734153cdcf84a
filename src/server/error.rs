//! Every error the API answers with, as `application/problem+json`
//! (RFC 9457): a status, a title, what was wrong, and where it applies the
//! bad field, the bad value and what is valid. The library's `JobError`
//! maps here; a client's mistake is never a 5xx.

use std::path::Path;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::job::JobError;

/// A problem report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and title say what kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What was wrong, in a sentence.
    pub detail: String,
    /// The request field (or query parameter, or path part) at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value given there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// What would have been accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<String>,
    /// Files concerned (relative to the server's root), e.g. those in the way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// An error response.
#[derive(Clone, Debug)]
pub struct ApiError(pub StatusCode, pub Box<Problem>);

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self(
            status,
            Box::new(Problem {
                kind: "about:blank".into(),
                title: status.canonical_reason().unwrap_or("Error").into(),
                status: status.as_u16(),
                detail: detail.into(),
                field: None,
                value: None,
                valid: None,
                paths: Vec::new(),
            }),
        )
    }

    /// 422: `field` holds `value`, which is not one of `valid`.
    pub fn invalid(
        field: &str,
        value: Value,
        detail: impl Into<String>,
        valid: impl Into<String>,
    ) -> Self {
        let mut error = Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail);
        error.1.field = Some(field.to_owned());
        error.1.value = Some(value);
        error.1.valid = Some(valid.into());
        error
    }

    /// The same problem answered with another status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.0 = status;
        self.1.status = status.as_u16();
        self.1.title = status.canonical_reason().unwrap_or("Error").into();
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// The library's error, with paths shown relative to `root`.
    pub fn from_job(error: JobError, root: &Path) -> Self {
        let status = match &error {
            JobError::TargetsExist { .. }
            | JobError::ResumeMismatch { .. }
            | JobError::Busy { .. }
            | JobError::Unwritable { .. } => StatusCode::CONFLICT,
            JobError::Escape { .. }
            | JobError::Shards(_)
            | JobError::SubsetWithShard { .. }
            | JobError::TooManyConversations { .. }
            | JobError::OverMemory { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            JobError::OverDisk { .. } => StatusCode::INSUFFICIENT_STORAGE,
            JobError::Cancelled => StatusCode::CONFLICT,
            // A full disk is the storage's state, not the server's fault.
            JobError::Io { source, .. } if is_disk_full(source) => StatusCode::INSUFFICIENT_STORAGE,
            JobError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // The root itself is `.`; its absolute path is never shown.
        let relative = |path: &Path| {
            let shown = path
                .strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string();
            if shown.is_empty() {
                ".".to_owned()
            } else {
                shown
            }
        };
        let root_text = root.display().to_string();
        let detail = error
            .to_string()
            .replace(&format!("'{root_text}/'"), ROOT_NAMED)
            .replace(&format!("'{root_text}'"), ROOT_NAMED)
            .replace(&format!("{root_text}/"), "");
        let mut api = Self::new(status, detail);
        match &error {
            JobError::TargetsExist { paths } => {
                api.1.paths = paths.iter().map(|p| relative(p)).collect();
                api.1.field = Some("overwrite".into());
                api.1.value = Some(Value::Bool(false));
                api.1.valid = Some("true to replace them, or another out".into());
            }
            JobError::Busy { dir } => {
                api.1.field = Some("out".into());
                api.1.value = Some(Value::String(relative(dir)));
                api.1.valid = Some("a directory no running job writes to".into());
            }
            JobError::Escape { path, .. } => {
                api.1.field = Some("out".into());
                api.1.paths = vec![relative(path)];
            }
            _ => {}
        }
        api
    }
}

/// How a message names the server's root directory.
const ROOT_NAMED: &str = "'.' (the server's root)";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(*self.1)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// ENOSPC or EDQUOT: no space, or no quota, left where the files go.
fn is_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_root_is_named_not_shown_as_an_empty_directory() {
        let root = Path::new("/srv/data");
        for dir in [root.join(""), root.to_owned()] {
            let ApiError(status, problem) = ApiError::from_job(JobError::Busy { dir }, root);
            assert_eq!(status, StatusCode::CONFLICT);
            assert_eq!(
                problem.detail,
                "output directory '.' (the server's root) is in use by another coverage run; nothing was written"
            );
            assert_eq!(problem.value, Some(Value::String(".".into())));
        }
        let ApiError(_, problem) = ApiError::from_job(
            JobError::Busy {
                dir: root.join("runs/a"),
            },
            root,
        );
        assert_eq!(
            problem.detail,
            "output directory 'runs/a' is in use by another coverage run; nothing was written"
        );
    }

    #[test]
    fn a_full_disk_is_507_not_500() {
        let root = Path::new("/srv/data");
        let full = JobError::Io {
            path: root.join("runs/a.json"),
            source: std::io::Error::from_raw_os_error(28),
        };
        assert_eq!(
            ApiError::from_job(full, root).0,
            StatusCode::INSUFFICIENT_STORAGE
        );
        let other = JobError::Io {
            path: root.join("runs/a.json"),
            source: std::io::Error::from_raw_os_error(5),
        };
        assert_eq!(
            ApiError::from_job(other, root).0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
