//! The reports routes: the queue, hand entries, updates with optimistic versions, claims,
//! publication, bulk actions, escalations, rumours, statistics, sources and the CSV export.
//! Each handler reads its request, calls a use case of [`crate::triage`] and maps the answer.

use super::{ApiError, Caller, JsonObject, NoParams, Params, PathId};
use crate::triage::{self, BulkAction, Entered, HandEntry, Notification, BULK_MAX};
use crate::Vigie;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tracing::info;
use vigie_domain::ports::{Page, ReportQuery};
use vigie_domain::taxonomy::{Category, Priority, Status, Verification};
use vigie_domain::text::fold;
use vigie_domain::triage::{LocationInput, Update};
use vigie_domain::{table, Gazetteer, Report};

fn parse<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
}

/// The longest search (`q`) in characters, and in words: beyond, a search is the caller's
/// error (400), never the store's (SQLite refuses expressions that deep, a 503 the cloud's
/// alarm would count).
pub const Q_MAX_CHARS: usize = 200;
pub const Q_MAX_WORDS: usize = 10;

/// A search's words as the stores match them (folded), within the limits.
fn search(value: &str) -> Result<String, ApiError> {
    let too_long = || {
        ApiError::bad_request(format!(
            "q: at most {Q_MAX_CHARS} characters and {Q_MAX_WORDS} words"
        ))
    };
    if value.chars().count() > Q_MAX_CHARS {
        return Err(too_long());
    }
    if fold(value).split_whitespace().count() > Q_MAX_WORDS {
        return Err(too_long());
    }
    Ok(value.to_string())
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
            "q" => q.q = Some(search(value)?),
            "cluster" => q.cluster = Some(value.clone()),
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

/// The `place` filter as reports store their place: resolved through the crisis's gazetteer
/// as a hand entry's place is (any known form of a name, `area:NAME`), so "Gosier" finds what
/// is stored as "Le Gosier". An INSEE code stays a code (the stores match it against the
/// stored code); a value the gazetteer does not know is matched as given.
fn stored_place(gazetteer: &Gazetteer, value: String) -> String {
    match gazetteer.resolve(&value) {
        Some(p) if p.insee.as_deref() == Some(value.trim()) => p.insee.clone().unwrap_or(value),
        Some(p) => p.name.clone(),
        None => value,
    }
}

/// A report as the API answers it, with its version as ETag.
fn with_etag(report: &Report, status: StatusCode, extra: Option<(&str, Value)>) -> Response {
    let mut body = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Some((k, v)) = extra {
        body[k] = v;
    }
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", report.version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

pub async fn list(
    State(app): State<Vigie>,
    Params(params): Params,
) -> Result<Json<Page>, ApiError> {
    let mut query = report_query(&params)?;
    query.place = query.place.map(|p| stored_place(&app.gazetteer, p));
    // Serialized straight from the page (`items`, `next_cursor`): no JSON tree built per
    // report on the busiest route.
    Ok(Json(app.store.list_reports(&query).await?))
}

pub async fn one(State(app): State<Vigie>, PathId(id): PathId) -> Result<Response, ApiError> {
    let (report, history) = triage::report_with_history(&app, &id).await?;
    Ok(with_etag(
        &report,
        StatusCode::OK,
        Some(("history", serde_json::to_value(history).unwrap_or_default())),
    ))
}

fn string_field(
    map: &Map<String, Value>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => Err(ApiError::invalid(format!(
            "{field}: at most {max} characters"
        ))),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{field}: must be a string"))),
    }
}

fn only_fields(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown field `{key}` (expected one of: {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// A location field: `{"lat", "lon"}` (optionally with `place`), `{"place"}`, or null.
fn location_field(value: &Value) -> Result<Option<LocationInput>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(o) => {
            only_fields(o, &["lat", "lon", "place"])
                .map_err(|e| ApiError::bad_request(format!("location: {}", e.message)))?;
            let place = match o.get("place") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(ApiError::bad_request("location.place: must be a string")),
            };
            match (o.get("lat"), o.get("lon")) {
                (None, None) => place
                    .map(|p| Some(LocationInput::Place(p)))
                    .ok_or_else(|| ApiError::bad_request("location: needs lat and lon, or place")),
                (Some(lat), Some(lon)) => {
                    let lat = lat
                        .as_f64()
                        .ok_or_else(|| ApiError::bad_request("location.lat: must be a number"))?;
                    let lon = lon
                        .as_f64()
                        .ok_or_else(|| ApiError::bad_request("location.lon: must be a number"))?;
                    Ok(Some(LocationInput::Point { lat, lon, place }))
                }
                _ => Err(ApiError::bad_request("location: lat and lon go together")),
            }
        }
        _ => Err(ApiError::bad_request("location: must be an object or null")),
    }
}

fn enum_field<T: std::str::FromStr>(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|e| ApiError::invalid(format!("{field}: {e}"))),
        Some(_) => Err(ApiError::bad_request(format!("{field}: must be a string"))),
    }
}

pub async fn create(
    State(app): State<Vigie>,
    caller: Caller,
    JsonObject(map): JsonObject,
) -> Result<Response, ApiError> {
    only_fields(
        &map,
        &[
            "network",
            "url",
            "text",
            "observed_at",
            "author",
            "language",
            "place",
            "point",
            "location",
        ],
    )?;
    let network =
        string_field(&map, "network", vigie_domain::triage::NETWORK_MAX)?.ok_or_else(|| {
            ApiError::bad_request("network: required (facebook, instagram, whatsapp, waze, ...)")
        })?;
    let url = string_field(&map, "url", vigie_domain::triage::URL_MAX)?.ok_or_else(|| {
        ApiError::bad_request("url: required (the post's address, used to avoid duplicates)")
    })?;
    let text = string_field(&map, "text", vigie_domain::triage::TEXT_MAX)?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("text: required"))?;
    let observed_at = string_field(&map, "observed_at", 40)?
        .map(|t| {
            DateTime::parse_from_rfc3339(&t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::invalid(format!(
                        "observed_at: `{t}` is not an RFC 3339 time such as 2026-09-14T03:00:00Z"
                    ))
                })
        })
        .transpose()?;
    if map.contains_key("point") && map.contains_key("location") {
        return Err(ApiError::bad_request(
            "point and location: the same field under two names, give one",
        ));
    }
    let location = match (map.get("place"), map.get("point").or(map.get("location"))) {
        (Some(Value::String(p)), None) => Some(LocationInput::Place(p.clone())),
        (Some(Value::Null) | None, Some(v)) => location_field(v)?,
        (None, None) | (Some(Value::Null), None) => None,
        (Some(Value::String(_)), Some(_)) => {
            return Err(ApiError::bad_request("place and point: give one of them"))
        }
        (Some(_), _) => return Err(ApiError::bad_request("place: must be a string")),
    };
    let entry = HandEntry {
        network,
        url,
        text,
        observed_at,
        author: string_field(&map, "author", vigie_domain::triage::AUTHOR_MAX)?,
        language: string_field(&map, "language", vigie_domain::triage::LANGUAGE_MAX)?,
        location,
        typed: map,
    };
    Ok(
        match triage::enter_by_hand(&app, &caller.actor(), entry).await? {
            Entered::New(report) => with_etag(
                &report,
                StatusCode::CREATED,
                Some(("duplicate", json!(false))),
            ),
            Entered::Duplicate(report) => {
                with_etag(&report, StatusCode::OK, Some(("duplicate", json!(true))))
            }
        },
    )
}

/// Reads `If-Match` in its documented forms only: the report's `version` (`7`), or the ETag
/// as the API gave it (`"7"`, or `W/"7"` as some proxies weaken it). A list, `*`, a sign,
/// stray quotes or anything after the number is refused: a precondition that is not exactly
/// one version checks nothing.
fn if_match(headers: &HeaderMap) -> Result<u64, ApiError> {
    let mut values = headers.get_all(header::IF_MATCH).iter();
    let raw = values.next().ok_or_else(|| {
        ApiError::bad_request(
            "If-Match: required, with the version you are changing (the report's `version`)",
        )
    })?;
    if values.next().is_some() {
        return Err(ApiError::bad_request("If-Match: given more than once"));
    }
    let raw = raw
        .to_str()
        .map_err(|_| ApiError::bad_request("If-Match: not readable"))?;
    let value = raw.trim();
    let bare = value.strip_prefix("W/").unwrap_or(value);
    let digits = match bare.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"'),
        None if bare.len() == value.len() => Some(bare),
        None => None, // W/ without the quotes
    };
    digits
        .filter(|d| !d.is_empty() && d.len() <= 19 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| {
            let shown: String = raw.chars().take(40).collect();
            ApiError::bad_request(format!(
                "If-Match: `{shown}` is not a version (give the report's `version`, as 7 or \"7\")"
            ))
        })
}

pub async fn update(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonObject(map): JsonObject,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    only_fields(
        &map,
        &[
            "category",
            "priority",
            "verification",
            "location",
            "summary",
            "status",
        ],
    )?;
    if map.is_empty() {
        return Err(ApiError::bad_request("nothing to change: give at least one of category, priority, verification, location, summary, status"));
    }
    let changes = Update {
        category: enum_field::<Category>(&map, "category")?,
        priority: enum_field::<Priority>(&map, "priority")?,
        verification: enum_field::<Verification>(&map, "verification")?,
        status: enum_field::<Status>(&map, "status")?,
        summary: match map.get("summary") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => return Err(ApiError::bad_request("summary: must be a string or null")),
        },
        location: map.get("location").map(location_field).transpose()?,
    };
    let saved = triage::update(&app, &caller.actor(), &id, expected, &changes).await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn claim(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let saved = triage::claim(&app, &caller.actor(), &id).await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn release(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let released = triage::release(&app, &caller.actor(), &id).await?;
    Ok(with_etag(
        &released.report,
        StatusCode::OK,
        Some(("released_from", json!(released.released_from))),
    ))
}

pub async fn publish(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let saved = triage::publish(&app, &caller.actor(), &id).await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn unpublish(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let saved = triage::unpublish(&app, &caller.actor(), &id).await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn escalate(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let escalated = triage::escalate(&app, &caller.actor(), &id).await?;
    let notification = match escalated.notification {
        Notification::Sent => json!("sent"),
        Notification::Failed(e) => json!(format!("failed: {e}")),
        Notification::Queued => json!("queued"),
    };
    Ok(with_etag(
        &escalated.report,
        StatusCode::OK,
        Some(("notification", notification)),
    ))
}

pub async fn acknowledge(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let saved = triage::acknowledge(&app, &caller.actor(), &id).await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

/// `POST /reports/bulk`: `{"ids": [...], "action": ..., "changes": {...}}`.
pub async fn bulk(
    State(app): State<Vigie>,
    caller: Caller,
    JsonObject(map): JsonObject,
) -> Result<Json<Value>, ApiError> {
    only_fields(&map, &["ids", "action", "changes"])?;
    let ids_needed = || {
        ApiError::bad_request(format!(
            "ids: required, a list of 1 to {BULK_MAX} report ids"
        ))
    };
    let ids: Vec<String> = match map.get("ids") {
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| match id {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                _ => Err(ApiError::bad_request(
                    "ids: each id must be a non-empty string",
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(ids_needed()),
    };
    if ids.is_empty() {
        return Err(ids_needed());
    }
    if ids.len() > BULK_MAX {
        return Err(ApiError::bad_request(format!(
            "ids: at most {BULK_MAX} reports at once ({} given)",
            ids.len()
        )));
    }
    let names = BulkAction::NAMES.join(", ");
    let action = match map.get("action") {
        Some(Value::String(a)) => a.as_str(),
        _ => {
            return Err(ApiError::bad_request(format!(
                "action: required, one of {names}"
            )))
        }
    };
    let changes = match map.get("changes") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => Some(c),
        Some(_) => return Err(ApiError::bad_request("changes: must be an object")),
    };
    if changes.is_some() && action != "update" {
        return Err(ApiError::bad_request(format!(
            "changes: only with the update action, not {action}"
        )));
    }
    let action = match action {
        "dismiss" => BulkAction::Dismiss,
        "publish" => BulkAction::Publish,
        "unpublish" => BulkAction::Unpublish,
        "release" => BulkAction::Release,
        "update" => {
            let changes = changes.ok_or_else(|| {
                ApiError::bad_request(
                    "changes: required with update: {\"category\"?, \"priority\"?}",
                )
            })?;
            only_fields(changes, &["category", "priority"])
                .map_err(|e| ApiError::bad_request(format!("changes: {}", e.message)))?;
            let category = enum_field::<Category>(changes, "category").map_err(|e| ApiError {
                message: format!("changes.{}", e.message),
                ..e
            })?;
            let priority = enum_field::<Priority>(changes, "priority").map_err(|e| ApiError {
                message: format!("changes.{}", e.message),
                ..e
            })?;
            if category.is_none() && priority.is_none() {
                return Err(ApiError::bad_request(
                    "changes: give category, priority or both",
                ));
            }
            BulkAction::Update { category, priority }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "action: `{other}` is not one of {names}"
            )))
        }
    };
    let outcome = triage::bulk(&app, &caller.actor(), &ids, &action).await?;
    let skipped: Vec<Value> = outcome
        .skipped
        .into_iter()
        .map(|(id, failure)| {
            let e = ApiError::from(failure);
            json!({"id": id, "code": e.code, "reason": e.message})
        })
        .collect();
    Ok(Json(json!({"done": outcome.done, "skipped": skipped})))
}

pub async fn escalations(State(app): State<Vigie>, _: NoParams) -> Result<Json<Value>, ApiError> {
    let items = triage::escalations(&app).await?;
    Ok(Json(json!({"items": items})))
}

pub async fn rumors(State(app): State<Vigie>, _: NoParams) -> Result<Json<Value>, ApiError> {
    let items = triage::rumours(&app).await?;
    Ok(Json(json!({"items": items})))
}

pub async fn stats(State(app): State<Vigie>, _: NoParams) -> Result<Json<Value>, ApiError> {
    let counts = app.store.counts().await?;
    Ok(Json(serde_json::to_value(counts).unwrap_or_default()))
}

pub async fn sources(State(app): State<Vigie>, _: NoParams) -> Result<Json<Value>, ApiError> {
    let health = app.store.source_health().await?;
    let items: Vec<Value> = app
        .crisis
        .sources
        .iter()
        .map(|s| {
            let h = health.iter().find(|h| h.source_id == s.id);
            json!({"id": s.id, "kind": s.kind.name(), "every_seconds": s.every.as_secs(), "health": h})
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

pub async fn export_csv(State(app): State<Vigie>, caller: Caller) -> Result<Response, ApiError> {
    let reports = triage::whole_table(&app).await?;
    let relays = app.relays.relays().await?;
    let csv = table::write(&reports, &relays);
    let filename = format!(
        "vigie-{}-{}.csv",
        app.crisis.id,
        Utc::now().format("%Y%m%d-%H%M")
    );
    info!(actor = %caller.token_id, rows = reports.len(), "table exported");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response())
}
