//! What keeps a web page the user happens to open from using this server.
//! A local server is reachable from any page in the user's browser, so,
//! as Jupyter and inspect_ai's `inspect view` do:
//!
//! - **DNS rebinding**: a hostile name resolved to 127.0.0.1 arrives with
//!   its own name in `Host`. Only loopback names (`localhost`, names under
//!   `.localhost`), IP literals (a rebinding attack always uses a name) and
//!   names given with `--allow-host` are answered; anything else is 403.
//! - **Cross-site requests**: a form on another site can POST `text/plain`,
//!   form-encoded or multipart bodies without the browser asking first.
//!   A request that changes state must carry `Content-Type:
//!   application/json` (415 otherwise), which no form can send, and any
//!   `Origin` or `Sec-Fetch-Site` it carries must say it comes from this
//!   server's own page (403 otherwise). Requests without either header
//!   (curl, scripts) are not from a browser page and pass.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::ApiError;
use super::state::AppState;

/// Refuses requests a browser sends on behalf of another site.
pub async fn same_site_only(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    match check(request.method(), request.headers(), &state.allowed_hosts) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn check(method: &Method, headers: &HeaderMap, allowed: &[String]) -> Result<(), ApiError> {
    let host = text(headers, header::HOST);
    if let Some(host) = host
        && !host_allowed(host, allowed)
    {
        return Err(forbidden(
            "host",
            host,
            format!("'{host}' is not a name this server answers to"),
            "localhost, an IP address, or a name given with --allow-host",
        ));
    }
    if !changes_state(method) {
        return Ok(());
    }
    if let Some(site) = text(headers, "sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(forbidden(
            "sec-fetch-site",
            site,
            format!("a request from another site ('{site}') may not change anything here"),
            "same-origin",
        ));
    }
    if let Some(origin) = text(headers, header::ORIGIN)
        && Some(origin.strip_prefix("http://").unwrap_or(origin)) != host
    {
        return Err(forbidden(
            "origin",
            origin,
            format!("a request from '{origin}' may not change anything here"),
            "this server's own page",
        ));
    }
    let has_body = *method != Method::DELETE;
    if has_body && !is_json(headers) {
        let given = text(headers, header::CONTENT_TYPE).unwrap_or("none");
        return Err(ApiError::invalid(
            "content-type",
            Value::String(given.to_owned()),
            format!("the body must be JSON (Content-Type: application/json), not '{given}'"),
            "application/json",
        )
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    Ok(())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn is_json(headers: &HeaderMap) -> bool {
    text(headers, header::CONTENT_TYPE).is_some_and(|value| {
        let essence = value.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/json")
    })
}

/// `host` is `name` or `name:port`; IPv6 literals come in brackets.
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok()
        || allowed.iter().any(|a| a.eq_ignore_ascii_case(&name))
}

fn forbidden(field: &str, value: &str, detail: String, valid: &str) -> ApiError {
    ApiError::invalid(field, Value::String(value.to_owned()), detail, valid)
        .with_status(StatusCode::FORBIDDEN)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn status(method: Method, pairs: &[(&'static str, &'static str)]) -> Option<u16> {
        let allowed = ["coverage.internal".to_owned()];
        check(&method, &headers(pairs), &allowed)
            .err()
            .map(|ApiError(status, _)| status.as_u16())
    }

    #[test]
    fn loopback_names_ip_literals_and_allowed_hosts_are_answered() {
        for host in [
            "localhost:8080",
            "LOCALHOST",
            "app.localhost:1",
            "127.0.0.1:8080",
            "[::1]:8080",
            "10.0.0.7",
            "coverage.internal:8080",
        ] {
            assert!(host_allowed(host, &["coverage.internal".into()]), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
        ] {
            assert!(!host_allowed(host, &["coverage.internal".into()]), "{host}");
        }
    }

    #[test]
    fn a_rebound_name_is_refused_even_for_reading() {
        assert_eq!(status(Method::GET, &[("host", "evil.example")]), Some(403));
        assert_eq!(status(Method::GET, &[("host", "127.0.0.1:8080")]), None);
        assert_eq!(status(Method::GET, &[]), None);
    }

    #[test]
    fn a_state_change_needs_a_json_body() {
        let local = ("host", "127.0.0.1:8080");
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert_eq!(
                status(Method::POST, &[local, ("content-type", content_type)]),
                Some(415),
                "{content_type}"
            );
        }
        assert_eq!(status(Method::POST, &[local]), Some(415));
        assert_eq!(
            status(
                Method::POST,
                &[local, ("content-type", "application/json; charset=utf-8")]
            ),
            None
        );
        assert_eq!(status(Method::DELETE, &[local]), None);
    }

    #[test]
    fn a_state_change_from_another_site_is_refused() {
        let local = ("host", "127.0.0.1:8080");
        let json = ("content-type", "application/json");
        assert_eq!(
            status(
                Method::POST,
                &[local, json, ("origin", "https://evil.example")]
            ),
            Some(403)
        );
        assert_eq!(
            status(Method::POST, &[local, json, ("origin", "null")]),
            Some(403)
        );
        assert_eq!(
            status(Method::DELETE, &[local, ("sec-fetch-site", "cross-site")]),
            Some(403)
        );
        assert_eq!(
            status(Method::DELETE, &[local, ("sec-fetch-site", "same-site")]),
            Some(403)
        );
        assert_eq!(
            status(
                Method::POST,
                &[
                    local,
                    json,
                    ("origin", "http://127.0.0.1:8080"),
                    ("sec-fetch-site", "same-origin")
                ]
            ),
            None
        );
        // Reading is not a state change: a cross-site GET learns nothing
        // (the browser keeps the answer from the other page).
        assert_eq!(
            status(Method::GET, &[local, ("sec-fetch-site", "cross-site")]),
            None
        );
    }
}
