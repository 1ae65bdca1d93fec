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
    })))
}

/// `POST /relays`: `{"report_id", "kind": "official" | "solidarity", "text"}`.
pub async fn draft(
    State(app): State<Vigie>,
    caller: Caller,
    JsonObject(map): JsonObject,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    only_fields(&map, &["report_id", "kind", "text"])?;
    let text_of = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("{key}: required, a string")))
    };
    let report_id = text_of("report_id")?;
    let kind = match text_of("kind")? {
        "official" => RelayKind::Official,
        "solidarity" => RelayKind::Solidarity,
        other => {
            return Err(ApiError::invalid(format!(
                "kind: `{other}` is not one of official, solidarity"
            )))
        }
    };
    let text = text_of("text")?;
    let saved = relay::draft(&app, &caller.actor(), report_id, kind, text).await?;
    Ok((StatusCode::CREATED, Json(view(&saved))))
}

fn version(map: &Map<String, Value>) -> Result<u64, ApiError> {
    map.get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError::bad_request("version: required, the relay's `version` as read"))
}

/// `POST /relays/{id}/approve`: `{"version", "remind_every_hours"?}`; again on an approved
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

/// `POST /relays/{id}/withdraw`: `{"version"}`, a draft only.
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
