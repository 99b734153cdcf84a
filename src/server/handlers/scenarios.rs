//! `GET /coverage/scenarios/{id}`: one scenario's conversation and golden
//! entry, as `coverage show --json` prints them.

use axum::Json;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::{query_pairs, seed_param};
use crate::generate::{Deal, generate, pair_dataset_id};
use crate::server::error::{ApiError, Problem};
use crate::server::state::AppState;
use crate::taxonomy::Scenario;

/// A kept scenario's conversation and golden entry.
#[utoipa::path(
    get,
    path = "/coverage/scenarios/{id}",
    tag = "coverage",
    params(
        ("id" = String, Path, description = "a scenario id: domain.behavior.price.brand.availability.policy"),
        ("seed" = Option<i64>, Query, minimum = 0, maximum = 9007199254740991.0, description = "cap picks and phrasing (default 42)"),
    ),
    responses(
        (status = 200, description = "`{conversation, golden}`", body = Object),
        (status = 404, description = "no such scenario, or excluded by a rule", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn scenario(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = query_pairs(query.as_deref(), &["seed"])?;
    let seed = seed_param(&params)?;
    // An id names a resource: one that names no scenario is not found.
    let scenario: Scenario = id.parse().map_err(|e: String| {
        let mut error = ApiError::not_found(e);
        error.1.field = Some("id".into());
        error.1.value = Some(Value::String(id.clone()));
        error.1.valid =
            Some("domain.behavior.price.brand.availability.policy, each a taxonomy id".into());
        error
    })?;
    let coverage = state.coverage(seed).await?;
    let shown = tokio::task::spawn_blocking(move || {
        if let Some(rule) = coverage.fate(&scenario) {
            let mut error = ApiError::not_found(format!(
                "scenario '{scenario}' is excluded by rule '{}' (seed {seed}): {}",
                rule.id, rule.rationale
            ));
            error.1.field = Some("id".into());
            error.1.value = Some(Value::String(scenario.id()));
            return Err(error);
        }
        let deal = Deal::new(&coverage);
        let generated = generate(&deal, &scenario, &pair_dataset_id(&scenario));
        Ok(serde_json::json!({"conversation": generated.conversation, "golden": generated.golden}))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    Ok(Json(shown))
}
