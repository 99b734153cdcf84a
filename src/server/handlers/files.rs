//! `GET /files/{path}`: a file under the server's root, streamed. Nothing
//! outside the root is reachable: `..`, absolute paths, links and encoded
//! tricks all answer 404, as does anything that is not a regular file.

use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

use crate::server::error::{ApiError, Problem};
use crate::server::state::AppState;
use crate::tree;

/// A generated file.
#[utoipa::path(
    get,
    path = "/files/{path}",
    tag = "files",
    params(("path" = String, Path, description = "relative to the server's root, e.g. commerce/global.dataset.json")),
    responses(
        (status = 200, description = "the file's bytes", content_type = "application/octet-stream", body = String),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found(format!("no file '{path}' under the server's root"));
    let relative = plain(&path).ok_or_else(not_found)?;
    let absolute = tree::inside(&state.root, &relative).map_err(|_| not_found())?;
    let meta = tokio::fs::symlink_metadata(&absolute)
        .await
        .map_err(|_| not_found())?;
    if !meta.is_file() {
        return Err(not_found());
    }
    let file = tokio::fs::File::open(&absolute)
        .await
        .map_err(|_| not_found())?;
    let content_type = content_type(&absolute);
    // A file under the root is data, never a live page of this origin: a
    // generated (or planted) `x.html` must not run with the API's rights.
    let disposition = if INLINE.contains(&content_type) {
        "inline".to_owned()
    } else {
        format!("attachment; filename=\"{}\"", header_safe(&absolute))
    };
    let headers = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (header::CONTENT_LENGTH, meta.len().to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CONTENT_SECURITY_POLICY, FILES_CSP.to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, Body::from_stream(ReaderStream::new(file))).into_response())
}

/// The policy of every `/files` answer: load nothing, run nothing.
pub const FILES_CSP: &str = "default-src 'none'; sandbox";

/// The content types shown in the browser; everything else downloads.
const INLINE: [&str; 3] = [
    "application/json",
    "application/jsonl",
    "text/csv; charset=utf-8",
];

/// The file's name for `Content-Disposition`: printable ASCII, with quotes
/// and backslashes replaced, so the header is always valid.
fn header_safe(path: &FsPath) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The path as plain names only; `None` for anything else, and for the
/// server's own bookkeeping files (locks, temporary files).
fn plain(path: &str) -> Option<PathBuf> {
    if path.is_empty() || path.contains('\0') || path.contains('\\') {
        return None;
    }
    let relative = FsPath::new(path);
    let mut clean = PathBuf::new();
    for component in relative.components() {
        let Component::Normal(name) = component else {
            return None;
        };
        if name.to_str()?.starts_with(".coverage") {
            return None;
        }
        clean.push(name);
    }
    Some(clean)
}

fn content_type(path: &FsPath) -> &'static str {
    let name = path.to_string_lossy();
    if name.ends_with(".json") {
        "application/json"
    } else if name.ends_with(".jsonl") {
        "application/jsonl"
    } else if name.ends_with(".md") {
        "text/markdown; charset=utf-8"
    } else if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}
