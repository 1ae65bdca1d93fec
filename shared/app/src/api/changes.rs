//! The feed of changes (`GET /api/v1/changes`): what 50 browsers poll every few seconds to
//! keep their copy of the table live. Without `since`, the cursor where a client starts
//! (before it loads its first pages of `/reports`); with it, every report created or changed
//! at or after that point, oldest change first. The cursor reaches a few seconds back (the
//! store's overlap), so a client may get a version it has already and keeps the newer one.
//! The answer's ETag is its cursor: a poll sending it back in `If-None-Match` gets a 304 with
//! no body when nothing changed.

use super::{ApiError, Params};
use crate::Vigie;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vigie_domain::ports::StoreError;

/// Changes per answer when the client does not say.
const DEFAULT_LIMIT: usize = 500;
/// At most this many per answer.
const MAX_LIMIT: usize = 1000;

pub async fn list(
    State(app): State<Vigie>,
    headers: HeaderMap,
    Params(params): Params,
) -> Result<Response, ApiError> {
    let mut since = None;
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in &params {
        match key.as_str() {
            "since" if value.is_empty() => {
                return Err(ApiError::bad_request(
                    "since: empty (leave it out to get the current cursor)",
                ))
            }
            "since" => since = Some(value.as_str()),
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "limit: must be a whole number from 1 to {MAX_LIMIT}"
                        ))
                    })?
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}` (expected since, limit)"
                )))
            }
        }
    }
    let page = app
        .store
        .list_changes(since, limit)
        .await
        .map_err(|e| match e {
            StoreError::BadCursor => ApiError::bad_request(
                "since: not a cursor given by /changes, or one over 7 days old (load the table again)",
            ),
            other => other.into(),
        })?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", page.cursor))
        .map_err(|_| ApiError::bad_request("since: not a cursor given by /changes"))?;
    // The app asks with If-None-Match itself: nothing for a cache to keep.
    let cache = HeaderValue::from_static("no-store");
    if page.items.is_empty() && seen(&headers, &page.cursor) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        Json(page),
    )
        .into_response())
}

/// Whether `If-None-Match` names this cursor (quoted as the ETag gives it, or bare).
fn seen(headers: &HeaderMap, cursor: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.trim_matches('"')
        })
        .any(|tag| tag == cursor)
}
