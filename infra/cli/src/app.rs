//! The volunteers' app as `vigie local` serves it at `/`: the files embedded at build time
//! (`vigie_app::site::app_files()`), each with its content type and cache lifetime, and on every
//! answer a strict Content-Security-Policy (the crisis's tile server is the only other origin),
//! `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`; an ETag per file, so
//! the page and entry script, revalidated on each load, answer 304 when unchanged. The app's views live in
//! the query string, so `/` is its only page; any other path that is not one of its files is
//! left to the API router's 404.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use vigie_domain::ports::PublicFile;

/// The routes of the app's files, to merge into the server's router.
pub fn service(tiles: &str) -> Router {
    let csp = HeaderValue::from_str(&vigie_app::site::app_csp(tiles))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let mut router = Router::new();
    for file in vigie_app::site::app_files() {
        let path = if file.name == "index.html" {
            "/".to_string()
        } else {
            format!("/{}", file.name)
        };
        let csp = csp.clone();
        let etag = etag_of(&file.bytes);
        router = router.route(
            &path,
            get(move |request: HeaderMap| {
                let file = file.clone();
                let csp = csp.clone();
                let etag = etag.clone();
                async move { answer(&file, csp, etag, &request) }
            }),
        );
    }
    router
}

/// A strong validator of a file's bytes (the files are built into the binary, so it changes
/// only with Vigie's version).
fn etag_of(bytes: &[u8]) -> HeaderValue {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

fn answer(file: &PublicFile, csp: HeaderValue, etag: HeaderValue, request: &HeaderMap) -> Response {
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().trim_start_matches("W/") == etag.to_str().unwrap_or_default());
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(file.cache_control),
        ),
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (header::ETAG, etag),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, file.bytes.clone()).into_response()
}
