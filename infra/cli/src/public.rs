//! The public files as `vigie local` serves them under `/public/`: from the folder the exporter
//! writes, each with the content type and cache lifetime the export gives it (as the bucket
//! serves them in the cloud), readable from any origin so uMap and QGIS load the GeoJSON, with
//! the security headers the stack's CloudFront adds (the page's Content-Security-Policy is the
//! app's: its own files, the tile server's images; no framing; nosniff).

use axum::extract::{OriginalUri, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use std::path::Path;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

/// The service to nest at `/public`; `tiles` is the crisis's tile URL template, whose server
/// the page's Content-Security-Policy allows images from.
pub fn service(dir: &Path, tiles: &str) -> Router {
    let files = ServeDir::new(dir);
    let csp = HeaderValue::from_str(&vigie_app::site::app_csp(tiles))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let security = move |mut response: Response| {
        let csp = csp.clone();
        async move {
            let h = response.headers_mut();
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            );
            response
        }
    };
    // Routes rather than a fallback, so the layers below apply to them.
    Router::new()
        .route_service("/", files.clone())
        .route_service("/{*path}", files)
        .layer(axum::middleware::from_fn(headers))
        .layer(axum::middleware::map_response(security))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD]),
        )
}

async fn headers(req: Request, next: Next) -> Response {
    // `/public` alone would load the page with its relative links resolved one level up.
    if let Some(OriginalUri(original)) = req.extensions().get::<OriginalUri>() {
        if original.path() == "/public" {
            let to = match original.query() {
                Some(q) => format!("/public/?{q}"),
                None => "/public/".to_string(),
            };
            return Redirect::permanent(&to).into_response();
        }
    }
    let path = req.uri().path().trim_start_matches('/');
    let name = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let mut response = next.run(req).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let (content_type, cache_control) = vigie_app::export::file_headers(&name);
        let headers = response.headers_mut();
        if status.is_success() {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
    }
    response
}
