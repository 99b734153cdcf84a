//! The Coverage Generator page (`/`), its script and style sheet, and the
//! scenario browser's fragments. Everything is compiled in: the page loads
//! nothing from anywhere but this server.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::{query_pairs, seed_param};
use crate::server::error::ApiError;
use crate::server::request::ids;
use crate::server::state::AppState;
use crate::taxonomy::{Behavior, Domain, Scenario};
use crate::ui::{self, CellList, Page, ScenarioView};

/// The page: every domain and behavior selected, figures filled in.
pub async fn page(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let html = match state.page.get() {
        Some(html) => html.clone(),
        None => {
            let coverage = state.coverage(crate::DEFAULT_SEED).await?;
            let page = Page::new(&coverage, &state.rates);
            let html = page.render().map_err(render_failed)?;
            state.page.get_or_init(|| html).clone()
        }
    };
    Ok(with_policy(Html(html).into_response()))
}

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", ui::SCRIPT)
}

pub async fn style() -> Response {
    asset("text/css; charset=utf-8", ui::STYLE)
}

pub async fn icon() -> Response {
    asset("image/svg+xml", ui::ICON)
}

/// One grid cell's scenarios, as an HTML fragment.
pub async fn cell(
    State(state): State<Arc<AppState>>,
    Path((domain, behavior)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let seed = seed_param(&query_pairs(query.as_deref(), &["seed"])?)?;
    let [domain]: [Domain; 1] = ids("domain", vec![domain])?
        .try_into()
        .expect("one id in, one out");
    let [behavior]: [Behavior; 1] = ids("behavior", vec![behavior])?
        .try_into()
        .expect("one id in, one out");
    let coverage = state.coverage(seed).await?;
    fragment(move || CellList::new(&coverage, domain, behavior).render()).await
}

/// One kept scenario's conversation and golden, as an HTML fragment.
pub async fn scenario(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let seed = seed_param(&query_pairs(query.as_deref(), &["seed"])?)?;
    let scenario: Scenario = id.parse().map_err(|e: String| {
        let mut error = ApiError::not_found(e);
        error.1.field = Some("id".into());
        error.1.value = Some(Value::String(id.clone()));
        error
    })?;
    let coverage = state.coverage(seed).await?;
    if let Some(rule) = coverage.fate(&scenario) {
        return Err(ApiError::not_found(format!(
            "scenario '{scenario}' is excluded by rule '{}' (seed {seed}): {}",
            rule.id, rule.rationale
        )));
    }
    fragment(move || ScenarioView::new(&coverage, &scenario).render()).await
}

/// Renders a fragment on the blocking pool (a scenario is generated).
async fn fragment(
    render: impl FnOnce() -> askama::Result<String> + Send + 'static,
) -> Result<Response, ApiError> {
    let html = tokio::task::spawn_blocking(render)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(render_failed)?;
    Ok(Html(html).into_response())
}

fn render_failed(error: askama::Error) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the page did not render: {error}"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Assets change only with the binary; a reload revalidates cheaply.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn with_policy(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(ui::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
