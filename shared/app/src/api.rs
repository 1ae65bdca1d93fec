//! The triage API (`/api/v1`): one axum `Router`, served by `lambda_http` in the cloud and by
//! `axum::serve` in `vigie local`. Errors have one shape everywhere:
//! `{"error": {"code": "...", "message": "..."}}`.

use crate::Vigie;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use tracing::error;
use vigie_domain::ports::{ReportQuery, StoreError, TokenRecord};
use vigie_domain::taxonomy::{Action, Role};
use vigie_domain::token;

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response()
    }
}

/// The one place store errors become HTTP statuses.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            StoreError::Conflict { .. } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale_version",
                e.to_string(),
            ),
            StoreError::BadCursor => {
                ApiError::bad_request("cursor: not a cursor returned by this API")
            }
            other => {
                error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the store is unavailable, try again",
                )
            }
        }
    }
}

/// Who is calling: resolved from the bearer token on every route but the public ones.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: String,
    pub name: String,
    pub role: Role,
}

impl Caller {
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.role.may(action) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("a {} token may not do this", self.role),
            ))
        }
    }
}

impl FromRequestParts<Vigie> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Vigie) -> Result<Caller, ApiError> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <token>"))?
            .to_str()
            .map_err(|_| unauthorized("malformed Authorization header"))?;
        let secret = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| unauthorized("Authorization must be `Bearer <token>`"))?;
        let record: TokenRecord = app
            .store
            .token_by_hash(&token::hash(secret))
            .await?
            .ok_or_else(|| unauthorized("unknown token"))?;
        if record.revoked_at.is_some() {
            return Err(unauthorized("this token was revoked"));
        }
        Ok(Caller {
            token_id: record.id,
            name: record.name,
            role: record.role,
        })
    }
}

/// The API router, with its state.
pub fn router(app: Vigie) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/reports", get(list_reports))
        .route("/api/v1/reports/{id}", get(get_report))
        .route("/api/v1/sources", get(sources))
        .fallback(not_found)
        .with_state(app)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

fn parse<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
}

/// Reads the queue's query string, naming any parameter that is wrong.
pub fn report_query(params: &HashMap<String, String>) -> Result<ReportQuery, ApiError> {
    let mut q = ReportQuery {
        limit: 50,
        ..ReportQuery::default()
    };
    for (key, value) in params {
        match key.as_str() {
            "status" => q.status = Some(parse("status", value)?),
            "category" => q.category = Some(parse("category", value)?),
            "priority" => q.priority = Some(parse("priority", value)?),
            "verification" => q.verification = Some(parse("verification", value)?),
            "network" => q.network = Some(value.clone()),
            "escalated" => {
                q.escalated = Some(match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(ApiError::bad_request("escalated: must be true or false")),
                })
            }
            "place" => q.place = Some(value.clone()),
            "q" => q.q = Some(value.clone()),
            "cursor" => q.cursor = Some(value.clone()),
            "limit" => {
                let n: usize = value.parse().map_err(|_| {
                    ApiError::bad_request("limit: must be a whole number from 1 to 200")
                })?;
                if !(1..=200).contains(&n) {
                    return Err(ApiError::bad_request(
                        "limit: must be a whole number from 1 to 200",
                    ));
                }
                q.limit = n;
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}`"
                )))
            }
        }
    }
    Ok(q)
}

async fn list_reports(
    State(app): State<Vigie>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Action::Read)?;
    let query = report_query(&params)?;
    let page = app.store.list_reports(&query).await?;
    Ok(Json(
        json!({"items": page.items, "next_cursor": page.next_cursor}),
    ))
}

async fn get_report(
    State(app): State<Vigie>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Action::Read)?;
    let report = app.store.get_report(&id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("report {id} not found"),
        )
    })?;
    let history = app.store.history(&id).await?;
    let mut body =
        serde_json::to_value(&report).map_err(|e| ApiError::bad_request(e.to_string()))?;
    body["history"] = serde_json::to_value(history).unwrap_or_default();
    Ok(Json(body))
}

async fn sources(
    State(app): State<Vigie>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Action::Read)?;
    let health = app.store.source_health().await?;
    let items: Vec<serde_json::Value> = app
        .crisis
        .sources
        .iter()
        .map(|s| {
            let h = health.iter().find(|h| h.source_id == s.id);
            json!({
                "id": s.id,
                "kind": s.kind.name(),
                "every_seconds": s.every.as_secs(),
                "health": h,
            })
        })
        .collect();
    Ok(Json(json!({"items": items})))
}
