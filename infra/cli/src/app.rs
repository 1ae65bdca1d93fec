//! The volunteers' app as `vigie local` serves it at `/`: the files embedded at build time
//! (`vigie_app::site::app_files()`), each with its content type and cache lifetime, and on every
//! answer a strict Content-Security-Policy (the crisis's tile server is the only other origin),
//! `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`. The app's views live in
//! the query string, so `/` is its only page; any other path that is not one of its files is
//! left to the API router's 404.

use axum::http::{header, HeaderName, HeaderValue};
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
        router = router.route(
            &path,
            get(move || {
                let file = file.clone();
                let csp = csp.clone();
                async move { answer(&file, csp) }
            }),
        );
    }
    router
}

fn answer(file: &PublicFile, csp: HeaderValue) -> Response {
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
    ];
    (headers, file.bytes.clone()).into_response()
}
