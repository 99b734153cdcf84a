//! `GET /coverage/cost`: the token and cost estimate of a selection, as
//! `coverage cost` and the report's cost table work it out.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use crate::contract::report_doc::CostEstimate;
use crate::cost::{self, CostSpec, RatesError};
use crate::server::error::{ApiError, Problem};
use crate::server::request::{Generate, pairs};
use crate::server::state::AppState;

/// The keys a cost query takes: the selection's, then the estimate's own.
const SELECTION_KEYS: [&str; 9] = [
    "domains",
    "domain",
    "behaviors",
    "behavior",
    "layouts",
    "layout",
    "combined",
    "seed",
    "variants",
];

/// The most runs of every graded turn one estimate may assume.
const MAX_TRIALS: u32 = 1000;

/// Tokens and cost of running the selection's datasets against models.
#[utoipa::path(
    get,
    path = "/coverage/cost",
    tag = "coverage",
    params(
        ("model" = Option<Vec<String>>, Query, description = "model ids with a rate, repeated or comma-separated (default gpt-4o); an unknown id answers 422 listing the known ones"),
        ("trials" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "runs of every graded turn (default 1)"),
        ("domains" = Option<Vec<crate::taxonomy::Domain>>, Query, description = "default all"),
        ("behaviors" = Option<Vec<crate::taxonomy::Behavior>>, Query, description = "default all"),
        ("layouts" = Option<Vec<crate::contract::files::Layout>>, Query, description = "default all three"),
        ("seed" = Option<i64>, Query, minimum = 0, maximum = 9007199254740991.0),
        ("variants" = Option<u32>, Query, minimum = 1, maximum = 10000),
    ),
    responses(
        (status = 200, description = "the estimate, as the report's `cost` object", body = Object),
        (status = 422, description = "an unknown model or id, a bad value, or more conversations than the server's ceiling", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cost(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<CostEstimate>, ApiError> {
    let mut models: Vec<String> = Vec::new();
    let mut trials = 1;
    let mut selection: Vec<(String, String)> = Vec::new();
    for (key, value) in pairs(query.as_deref().unwrap_or_default())? {
        match key.as_str() {
            "model" | "models" => models.extend(value.split(',').map(str::to_owned)),
            "trials" => {
                trials = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_TRIALS).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "trials",
                            Value::String(value.clone()),
                            "'trials' must be a whole number from 1 to 1000",
                            "1 to 1000",
                        )
                    })?
            }
            k if SELECTION_KEYS.contains(&k) => selection.push((key, value)),
            _ => {
                return Err(ApiError::invalid(
                    &key,
                    Value::String(value),
                    format!("unknown parameter '{key}'"),
                    "model, trials, domains, behaviors, layouts, combined, seed, variants",
                ));
            }
        }
    }
    if models.is_empty() {
        models.push(cost::DEFAULT_MODEL.to_owned());
    }
    let encoded = serde_urlencoded::to_string(&selection).unwrap_or_default();
    let request = Generate::from_query(&encoded)?;
    for model in &models {
        state
            .rates
            .rate(model)
            .map_err(|e| unknown_model(model, e))?;
    }
    let coverage = state.coverage(request.seed).await?;
    // The same ceiling, counted the same way, as a save of the selection.
    state.within_ceiling(request.conversations(&coverage))?;
    let spec = CostSpec {
        models,
        trials,
        output_tokens: None,
        layouts: request.layouts.clone(),
        variants: request.variants,
    };
    let rates = state.rates.clone();
    let estimate = tokio::task::spawn_blocking(move || {
        cost::estimate(&coverage, &request.selection, &rates, &spec)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("a worker failed: {e}"),
        )
    })?
    .map_err(|e| ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(estimate))
}

fn unknown_model(model: &str, error: RatesError) -> ApiError {
    let valid = match &error {
        RatesError::NoRate { known, .. } => known.join(", "),
        _ => String::new(),
    };
    ApiError::invalid(
        "model",
        Value::String(model.to_owned()),
        error.to_string(),
        valid,
    )
}
