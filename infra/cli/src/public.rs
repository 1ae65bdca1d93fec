//! The public files as `vigie local` serves them under `/public/`: from the folder the exporter
//! writes, each with the content type and cache lifetime the export gives it (as the bucket
//! serves them in the cloud), readable from any origin so uMap and QGIS load the GeoJSON.

use axum::extract::{OriginalUri, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use std::path::Path;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

/// The service to nest at `/public`.
pub fn service(dir: &Path) -> Router {
    let files = ServeDir::new(dir);
    // Routes rather than a fallback, so the layers below apply to them.
    Router::new()
        .route_service("/", files.clone())
        .route_service("/{*path}", files)
        .layer(axum::middleware::from_fn(headers))
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
