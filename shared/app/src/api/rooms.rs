//! The team's topic rooms (`/api/v1/rooms`): saved views of the queue shown as tabs, the
//! same for everyone, defined by a coordinator. Each room's `params` are `/reports` filters,
//! checked as `/reports` checks them. Saved at a version: a save based on rooms read before
//! someone else's save is refused (412), so one coordinator never erases another's rooms.

use super::{report_query, ApiError, JsonObject, NoParams};
use crate::Vigie;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use vigie_domain::ports::{Room, Rooms, StoreError};

/// Rooms a team may have.
const MAX_ROOMS: usize = 30;
/// Characters of a room's name.
const MAX_NAME: usize = 60;

pub async fn list(State(app): State<Vigie>, _: NoParams) -> Result<Json<Rooms>, ApiError> {
    Ok(Json(
        app.store.rooms().await?.unwrap_or_else(Rooms::defaults),
    ))
}

pub async fn save(
    State(app): State<Vigie>,
    JsonObject(map): JsonObject,
) -> Result<Json<Rooms>, ApiError> {
    only_fields(&map, &["items", "version"], "")?;
    let version = map.get("version").and_then(Value::as_u64).ok_or_else(|| {
        ApiError::bad_request(
            "version: required, the `version` of GET /rooms (0 while none are saved)",
        )
    })?;
    let Some(Value::Array(items)) = map.get("items") else {
        return Err(ApiError::bad_request("items: required, an array of rooms"));
    };
    if items.len() > MAX_ROOMS {
        return Err(ApiError::bad_request(format!(
            "items: at most {MAX_ROOMS} rooms"
        )));
    }
    let mut rooms = Vec::with_capacity(items.len());
    let mut ids = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let room = room(i, item)?;
        if !ids.insert(room.id.clone()) {
            return Err(ApiError::bad_request(format!(
                "room `{}`: the id is given twice",
                room.id
            )));
        }
        rooms.push(room);
    }
    match app.store.save_rooms(&rooms, version).await {
        Ok(saved) => Ok(Json(saved)),
        Err(StoreError::Conflict { current, .. }) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale_version",
            format!(
                "the rooms are at version {current}, not {version}: someone saved them meanwhile; reload them and apply your change again"
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

fn only_fields(map: &Map<String, Value>, allowed: &[&str], within: &str) -> Result<(), ApiError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(ApiError::bad_request(format!(
            "{within}unknown field `{key}` (expected one of: {})",
            allowed.join(", ")
        ))),
    }
}

/// The room at `index` of the body, checked; errors name the room (by id once known) and the
/// field or filter.
fn room(index: usize, value: &Value) -> Result<Room, ApiError> {
    let Value::Object(o) = value else {
        return Err(ApiError::bad_request(format!(
            "items[{index}]: a room is an object with id, name and params"
        )));
    };
    only_fields(o, &["id", "name", "params"], &format!("items[{index}]: "))?;
    let id = match o.get("id") {
        Some(Value::String(id))
            if (1..=40).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            id.clone()
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "items[{index}]: id: required, 1 to 40 of a-z, 0-9 and -"
            )))
        }
    };
    let name = match o.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() && n.chars().count() <= MAX_NAME => {
            n.trim().to_string()
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "room `{id}`: name: required, 1 to {MAX_NAME} characters"
            )))
        }
    };
    let mut params = BTreeMap::new();
    match o.get("params") {
        None | Some(Value::Null) => {}
        Some(Value::Object(p)) => {
            for (key, value) in p {
                let Value::String(value) = value else {
                    return Err(ApiError::bad_request(format!(
                        "room `{id}`: {key}: must be a string, as in the /reports query"
                    )));
                };
                if matches!(key.as_str(), "cursor" | "limit") {
                    return Err(ApiError::bad_request(format!(
                        "room `{id}`: {key}: not a filter of /reports"
                    )));
                }
                params.insert(key.clone(), value.clone());
            }
        }
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "room `{id}`: params: an object of /reports filters"
            )))
        }
    }
    let query: HashMap<String, String> = params.clone().into_iter().collect();
    report_query(&query)
        .map_err(|e| ApiError::bad_request(format!("room `{id}`: {}", e.message)))?;
    Ok(Room { id, name, params })
}
