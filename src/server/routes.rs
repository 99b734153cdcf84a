//! The router: every endpoint, the same-site guard, the token check,
//! request logging, and a problem answer for anything unknown.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::error::ApiError;
use super::guard;
use super::handlers::{cost, files, generate, health, jobs, manifest, page, scenarios};
use super::openapi;
use super::state::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(page::page))
        .route("/ui/page.js", get(page::script))
        .route("/ui/page.css", get(page::style))
        .route("/ui/favicon.svg", get(page::icon))
        .route("/ui/cells/{domain}/{behavior}", get(page::cell))
        .route("/ui/scenarios/{id}", get(page::scenario))
        .route("/coverage/cost", get(cost::cost))
        .route(
            "/coverage/generate",
            get(generate::get).post(generate::post),
        )
        .route("/coverage/jobs", get(jobs::list))
        .route("/coverage/jobs/{id}", get(jobs::get).delete(jobs::cancel))
        .route("/coverage/jobs/{id}/events", get(jobs::events))
        .route("/coverage/jobs/{id}/archive", get(jobs::archive))
        .route("/coverage/manifest", get(manifest::manifest))
        .route("/coverage/scenarios/{id}", get(scenarios::scenario))
        .route("/files/{*path}", get(files::file))
        .route("/openapi.json", get(openapi::openapi))
        .route("/healthz", get(health::health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        // Outermost, so a hostile page learns nothing, not even that a
        // token is needed.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::same_site_only,
        ))
        .layer(
            // One line per request: method, path, status and latency.
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this endpoint does not take that method; see /openapi.json",
    )
}

/// What anyone may load without the token: the page shell and its assets.
const PUBLIC_PATHS: [&str; 4] = ["/", "/ui/page.js", "/ui/page.css", "/ui/favicon.svg"];

/// With a token set, every request carries `Authorization: Bearer TOKEN`.
async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &state.token else {
        return next.run(request).await;
    };
    // The page and its assets hold nothing but the compiled-in taxonomy;
    // the page asks for the token and sends it with every call.
    if PUBLIC_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given.is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes())) {
        return next.run(request).await;
    }
    let mut response = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "this server needs 'Authorization: Bearer TOKEN'",
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
