//! `GET /coverage/manifest`: every kept scenario and why each other one was
//! excluded, as `coverage manifest --json` prints it.

use axum::Json;
use std::sync::Arc;

use axum::extract::{RawQuery, State};

use super::{query_pairs, seed_param};
use crate::Selection;
use crate::contract::manifest::Manifest;
use crate::server::error::{ApiError, Problem};
use crate::server::request::ids;
use crate::server::state::AppState;
use crate::taxonomy::{Behavior, Domain};

/// The manifest of a selection.
#[utoipa::path(
    get,
    path = "/coverage/manifest",
    tag = "coverage",
    params(
        ("seed" = Option<i64>, Query, minimum = 0, maximum = 9007199254740991.0, description = "cap picks (default 42)"),
        ("domains" = Option<Vec<Domain>>, Query, description = "domain ids, repeated or comma-separated (default all)"),
        ("behaviors" = Option<Vec<Behavior>>, Query, description = "behavior ids, repeated or comma-separated (default all)"),
    ),
    responses(
        (status = 200, body = Manifest),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn manifest(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Manifest>, ApiError> {
    let params = query_pairs(query.as_deref(), &["seed", "domains", "behaviors"])?;
    let seed = seed_param(&params)?;
    let domains: Vec<Domain> = ids(
        "domains",
        params.get("domains").cloned().unwrap_or_default(),
    )?;
    let behaviors: Vec<Behavior> = ids(
        "behaviors",
        params.get("behaviors").cloned().unwrap_or_default(),
    )?;
    let coverage = state.coverage(seed).await?;
    let selection = Selection::new(domains, behaviors);
    let manifest = tokio::task::spawn_blocking(move || Manifest::build(&coverage, &selection))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Json(manifest))
}
