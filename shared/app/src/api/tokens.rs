//! Access tokens, managed by coordinators: created (shown once, stored as a hash), listed,
//! revoked (refused from the next request on); and the caller's own (`/me`).

use super::{ApiError, Caller, JsonObject, NoParams, PathId};
use crate::tokens::RevokeError;
use crate::Vigie;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use tracing::info;
use vigie_domain::taxonomy::Role;

pub async fn create(
    State(app): State<Vigie>,
    caller: Caller,
    JsonObject(map): JsonObject,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    for key in map.keys() {
        if key != "name" && key != "role" {
            return Err(ApiError::bad_request(format!(
                "unknown field `{key}` (expected one of: name, role)"
            )));
        }
    }
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("name: required, a string"))?;
    let role: Role = map
        .get("role")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::bad_request("role: required (volunteer, coordinator or authority)")
        })?
        .parse()
        .map_err(|e| ApiError::invalid(format!("role: {e}")))?;
    let issued = crate::tokens::issue(app.store.as_ref(), role, name, &caller.actor().label())
        .await
        .map_err(|e| match e {
            crate::tokens::IssueError::BadName => ApiError::invalid(format!("name: {e}")),
            crate::tokens::IssueError::Store(s) => s.into(),
        })?;
    info!(actor = %caller.token_id, token = %issued.record.id, role = %role, "token created");
    let mut body = serde_json::to_value(&issued.record).unwrap_or_default();
    body["token"] = json!(issued.secret);
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn list(State(app): State<Vigie>) -> Result<Json<Value>, ApiError> {
    let tokens = app.store.list_tokens().await?;
    Ok(Json(json!({"items": tokens})))
}

pub async fn revoke(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    crate::tokens::revoke(app.store.as_ref(), &id, &caller.actor().label())
        .await
        .map_err(|e| match e {
            RevokeError::NotFound(_) => ApiError::not_found(format!("token {id}")),
            RevokeError::LastCoordinator(_) => {
                ApiError::new(StatusCode::CONFLICT, "last_coordinator", e.to_string())
            }
            RevokeError::Store(s) => s.into(),
        })?;
    info!(actor = %caller.token_id, token = %id, "token revoked");
    Ok(Json(json!({"revoked": id})))
}

/// `GET /me`: who the caller is, as the app shows it and as their claims name them.
pub async fn me(
    State(app): State<Vigie>,
    caller: Caller,
    _: NoParams,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({
        "token_id": caller.token_id,
        "name": caller.name,
        "role": caller.role,
        "label": caller.actor().label(),
        "claim_minutes": app.crisis.claim_minutes,
    })))
}
