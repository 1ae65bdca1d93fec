//! Relays (`/api/v1/relays`): drafts by volunteers, approval and posting by coordinators, and
//! the relay log with each relay's share links and when a reminder is due.

use super::{ApiError, Caller, JsonObject, NoParams, PathId};
use crate::relay;
use crate::Vigie;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};
use vigie_domain::relay::{length_for, max_for, share_links, Relay, RelayKind};

fn only_fields(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(ApiError::bad_request(format!(
            "unknown field `{key}` (expected one of: {})",
            allowed.join(", ")
        ))),
    }
}

/// A relay as the API shows it: the log, its share links (the text prefilled, with the
/// first link of the text for the networks that take one), its lengths for Mastodon and
/// Bluesky, and when a reminder is due.
fn view(relay: &Relay) -> Value {
    let mut body = serde_json::to_value(relay).unwrap_or_default();
    let link = vigie_domain::relay::next_url(&relay.text).map(|(s, e)| &relay.text[s..e]);
    body["share"] = share_links(&relay.text, link)
        .into_iter()
        .map(|(network, url)| json!({"network": network, "url": url}))
        .collect();
    body["lengths"] = ["mastodon", "bluesky"]
        .into_iter()
        .map(|n| json!({"network": n, "length": length_for(n, &relay.text), "max": max_for(n)}))
        .collect();
    body["due_again"] = json!(relay::due_again(relay));
    body
}

pub async fn list(State(app): State<Vigie>, _: NoParams) -> Result<Json<Value>, ApiError> {
    let relays = app.relays.relays().await?;
    let accounts: Vec<Value> = app
        .crisis
        .relay
        .iter()
        .map(|a| json!({"id": a.id, "network": a.kind.network()}))
        .collect();
    Ok(Json(json!({
        "items": relays.iter().map(view).collect::<Vec<_>>(),
        "accounts": accounts,
        "hashtags": app.crisis.hashtags(),
    })))
}

/// `POST /relays`: `{"report", "text", "accounts"?, "kind"?: "official" | "solidarity"}`.
pub async fn draft(
    State(app): State<Vigie>,
    caller: Caller,
    JsonObject(map): JsonObject,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    only_fields(&map, &["report", "text", "accounts", "kind"])?;
    let text_of = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("{key}: required, a string")))
    };
    let report = text_of("report")?;
    let text = text_of("text")?;
    let kind = match map.get("kind") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if k == "official" => Some(RelayKind::Official),
        Some(Value::String(k)) if k == "solidarity" => Some(RelayKind::Solidarity),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "kind: {other} is not one of \"official\", \"solidarity\""
            )))
        }
    };
    let accounts = match map.get("accounts") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    ApiError::bad_request("accounts: a list of [[relay]] account ids (strings)")
                })?,
        ),
        Some(_) => {
            return Err(ApiError::bad_request(
                "accounts: a list of [[relay]] account ids (strings)",
            ))
        }
    };
    let request = relay::DraftRequest {
        report,
        text,
        kind,
        accounts,
    };
    let saved = relay::draft(&app, &caller.actor(), request).await?;
    Ok((StatusCode::CREATED, Json(view(&saved))))
}

/// The relay's `version` as read, when given: the step is refused (412) if it changed since.
fn version(map: &Map<String, Value>) -> Result<Option<u64>, ApiError> {
    match map.get("version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            ApiError::bad_request("version: the relay's `version` as read, a whole number")
        }),
    }
}

/// `POST /relays/{id}/approve`: `{"version"?, "remind_every_hours"?}` (or no body); again on an approved
/// relay, it retries the accounts not posted yet.
pub async fn approve(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
    JsonObject(map): JsonObject,
) -> Result<Json<Value>, ApiError> {
    only_fields(&map, &["version", "remind_every_hours"])?;
    let version = version(&map)?;
    let remind = match map.get("remind_every_hours") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|h| u32::try_from(h).ok())
                .ok_or_else(|| {
                    ApiError::invalid("remind_every_hours: a whole number of hours, or null")
                })?,
        ),
    };
    let saved = relay::approve(&app, &caller.actor(), &id, version, remind).await?;
    Ok(Json(view(&saved)))
}

/// `POST /relays/{id}/withdraw`: `{"version"?}` (or no body), a draft only.
pub async fn withdraw(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
    JsonObject(map): JsonObject,
) -> Result<Json<Value>, ApiError> {
    only_fields(&map, &["version"])?;
    let version = version(&map)?;
    let saved = relay::withdraw(&app, &caller.actor(), &id, version).await?;
    Ok(Json(view(&saved)))
}
