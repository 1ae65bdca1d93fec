//! The reports routes: the queue, hand entries, updates with optimistic versions, claims,
//! publication, escalations, rumours, statistics, sources and the CSV export.

use super::{json_body, ApiError, Caller, NoParams, Params, PathId};
use crate::Vigie;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use tracing::{info, warn};
use vigie_domain::identity::{canonical_url, report_id};
use vigie_domain::ports::{Page, ReportQuery, StoreError};
use vigie_domain::report::{diff, ingest, Body, HistoryEntry, IngestContext, Observation};
use vigie_domain::taxonomy::{Action, Category, Priority, Status, Verification};
use vigie_domain::triage::{self, LocationInput, TriageError, Update};
use vigie_domain::{table, Report};

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
    caller: Caller,
    Params(params): Params,
) -> Result<Json<Page>, ApiError> {
    caller.require(Action::Read)?;
    let query = report_query(&params)?;
    // Serialized straight from the page (`items`, `next_cursor`): no JSON tree built per
    // report on the busiest route.
    Ok(Json(app.store.list_reports(&query).await?))
}

async fn load(app: &Vigie, id: &str) -> Result<Report, ApiError> {
    app.store
        .get_report(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("report {id}")))
}

pub async fn one(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Read)?;
    let report = load(&app, &id).await?;
    let history = app.store.history(&id).await?;
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
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(Action::Create)?;
    let map = json_body(body)?;
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
    let network = string_field(&map, "network", 40)?.ok_or_else(|| {
        ApiError::bad_request("network: required (facebook, instagram, whatsapp, waze, ...)")
    })?;
    let network = network.trim().to_lowercase();
    if network.is_empty()
        || !network
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ApiError::invalid(
            "network: letters, digits and - only (such as facebook)",
        ));
    }
    let url = string_field(&map, "url", 2000)?.ok_or_else(|| {
        ApiError::bad_request("url: required (the post's address, used to avoid duplicates)")
    })?;
    let scheme = url
        .trim()
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("https" | "http")) {
        return Err(ApiError::invalid("url: must be an http(s) address"));
    }
    let text = string_field(&map, "text", 10_000)?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("text: required"))?;
    let observed_at = match string_field(&map, "observed_at", 40)? {
        None => Utc::now(),
        Some(t) => DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid(format!(
                    "observed_at: `{t}` is not an RFC 3339 time such as 2026-09-14T03:00:00Z"
                ))
            })?,
    };
    if observed_at > Utc::now() + Duration::minutes(10) {
        return Err(ApiError::invalid("observed_at: in the future"));
    }
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
    let location = location
        .map(|l| triage::locate(&l, &app.gazetteer, Some(&app.crisis.bbox)))
        .transpose()?;
    let canonical = canonical_url(&url);
    let obs = Observation {
        source_id: "hand".into(),
        network: network.clone(),
        native_id: canonical.clone(),
        url: Some(url.trim().to_string()),
        author: string_field(&map, "author", 200)?.unwrap_or_default(),
        author_name: None,
        official_source: false,
        body: Body::Plain(text),
        language: string_field(&map, "language", 10)?,
        posted_at: observed_at,
        point: None,
        media: 0,
        hint: None,
        counts: None,
        insee: Vec::new(),
    };
    let id = report_id(&network, &canonical);
    // Already stored: entered by hand before (same id), or collected from any network.
    let existing = match app.store.get_report(&id).await? {
        Some(r) => Some(r),
        None => app.store.report_by_url(&canonical).await?,
    };
    if let Some(existing) = existing {
        return Ok(with_etag(
            &existing,
            StatusCode::OK,
            Some(("duplicate", json!(true))),
        ));
    }
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let mut report = ingest(&obs, &ctx, Utc::now());
    // Whoever typed the author's name, a hand entry is never taken as an official account's.
    report.official = false;
    if location.is_some() {
        report.location = location;
    }
    // The audit trail starts with who entered the post and what they typed, stored with it.
    let entered: Map<String, Value> = map
        .iter()
        .map(|(k, v)| (k.clone(), json!({"before": null, "after": v})))
        .collect();
    let entry = HistoryEntry {
        report_id: id.clone(),
        version: report.version,
        at: report.collected_at,
        actor: caller.actor().label(),
        action: "create".into(),
        changes: Value::Object(entered),
    };
    let stored = crate::collect::insert_clustered(&app, vec![report], &[entry]).await?;
    if !stored[0] {
        let existing = load(&app, &id).await?;
        return Ok(with_etag(
            &existing,
            StatusCode::OK,
            Some(("duplicate", json!(true))),
        ));
    }
    let created = load(&app, &id).await?;
    info!(report = %id, actor = %caller.token_id, network = %network, "report entered by hand");
    Ok(with_etag(
        &created,
        StatusCode::CREATED,
        Some(("duplicate", json!(false))),
    ))
}

/// Reads `If-Match` (a version, quoted or not).
fn if_match(headers: &HeaderMap) -> Result<u64, ApiError> {
    let raw = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| {
            ApiError::bad_request(
                "If-Match: required, with the version you are changing (the report's `version`)",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::bad_request("If-Match: not readable"))?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| ApiError::bad_request(format!("If-Match: `{raw}` is not a version number")))
}

fn entry(
    report: &Report,
    changes: Value,
    caller: &Caller,
    action: &str,
    now: DateTime<Utc>,
) -> HistoryEntry {
    HistoryEntry {
        report_id: report.id.clone(),
        version: 0,
        at: now,
        actor: caller.actor().label(),
        action: action.into(),
        changes,
    }
}

pub async fn update(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(Action::Update)?;
    let expected = if_match(&headers)?;
    let map = json_body(body)?;
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
    let current = load(&app, &id).await?;
    // What is on the public map changes only with a coordinator's eyes on it.
    if current.status == Status::Published && !caller.role.may_publish() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this report is on the public map: a coordinator changes it (or unpublishes it first)",
        ));
    }
    if current.version != expected {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale_version",
            format!("report {id} is at version {}, not {expected}: reload it and apply your change again", current.version),
        ));
    }
    let now = Utc::now();
    let next = triage::update(
        &current,
        &changes,
        &caller.actor(),
        now,
        &app.gazetteer,
        Some(&app.crisis.bbox),
    )?;
    let saved = app
        .store
        .update_report(
            &next,
            expected,
            &entry(&next, diff(&current, &next), &caller, "update", now),
        )
        .await?;
    if current.status == Status::Published {
        app.published_changed();
    }
    Ok(with_etag(&saved, StatusCode::OK, None))
}

/// Applies an action that does not depend on the caller's version: re-read and retried when
/// another change lands in between, so a race ends with the rules applied to the latest state.
/// An action that changes nothing (releasing a report nobody holds) writes nothing: no new
/// version, no history entry.
async fn act(
    app: &Vigie,
    caller: &Caller,
    id: &str,
    action: &str,
    rule: impl Fn(&Report, DateTime<Utc>) -> Result<Report, TriageError>,
) -> Result<Report, ApiError> {
    for _ in 0..5 {
        let current = load(app, id).await?;
        let now = Utc::now();
        let next = rule(&current, now)?;
        let changes = diff(&current, &next);
        if changes.as_object().is_some_and(|c| c.is_empty()) {
            return Ok(current);
        }
        match app
            .store
            .update_report(
                &next,
                current.version,
                &entry(&next, changes, caller, action, now),
            )
            .await
        {
            Ok(saved) => return Ok(saved),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "busy",
        "the report kept changing; try again",
    ))
}

pub async fn claim(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Claim)?;
    let lease = Duration::minutes(i64::from(app.crisis.claim_minutes));
    let actor = caller.actor();
    let saved = act(&app, &caller, &id, "claim", |r, now| {
        triage::claim(r, &actor, now, lease)
    })
    .await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn release(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Claim)?;
    let actor = caller.actor();
    let saved = act(&app, &caller, &id, "release", |r, now| {
        triage::release(r, &actor, now)
    })
    .await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn publish(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Publish)?;
    let report = load(&app, &id).await?;
    let open_rumour = app
        .store
        .list_reports(&ReportQuery {
            cluster: Some(report.cluster_id.clone()),
            verification: Some(Verification::Rumor),
            limit: 1,
            ..Default::default()
        })
        .await?;
    if let Some(copy) = open_rumour.items.first() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_allowed_now",
            format!(
                "a copy of this message ({}) is an open rumour: confirm or debunk it first",
                copy.id
            ),
        ));
    }
    let actor = caller.actor();
    let saved = act(&app, &caller, &id, "publish", |r, now| {
        triage::publish(r, &actor, now)
    })
    .await?;
    app.published_changed();
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn unpublish(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Publish)?;
    let actor = caller.actor();
    let saved = act(&app, &caller, &id, "unpublish", |r, now| {
        triage::unpublish(r, &actor, now)
    })
    .await?;
    app.published_changed();
    Ok(with_etag(&saved, StatusCode::OK, None))
}

pub async fn escalate(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Escalate)?;
    let saved = act(&app, &caller, &id, "escalate", triage::escalate).await?;
    let notification = match app.notifier.escalation(&saved).await {
        Ok(()) => json!("sent"),
        Err(e) => {
            warn!(report = %id, error = %e, "escalation notification failed");
            json!(format!("failed: {e}"))
        }
    };
    Ok(with_etag(
        &saved,
        StatusCode::OK,
        Some(("notification", notification)),
    ))
}

pub async fn acknowledge(
    State(app): State<Vigie>,
    caller: Caller,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    caller.require(Action::Acknowledge)?;
    let actor = caller.actor();
    let saved = act(&app, &caller, &id, "acknowledge", |r, now| {
        triage::acknowledge(r, &actor, now)
    })
    .await?;
    Ok(with_etag(&saved, StatusCode::OK, None))
}

/// Every report matching a query, page after page.
async fn all(app: &Vigie, query: ReportQuery) -> Result<Vec<Report>, ApiError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = app
            .store
            .list_reports(&ReportQuery {
                limit: 200,
                cursor,
                ..query.clone()
            })
            .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

pub async fn escalations(
    State(app): State<Vigie>,
    caller: Caller,
    _: NoParams,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::Read)?;
    let mut items = all(
        &app,
        ReportQuery {
            escalated: Some(true),
            ..Default::default()
        },
    )
    .await?;
    // Waiting for the authority first, then most urgent, then oldest escalation first.
    items.sort_by_key(|r| {
        (
            r.acknowledged_at.is_some(),
            r.effective_priority(),
            r.escalated_at,
        )
    });
    Ok(Json(json!({"items": items})))
}

pub async fn rumors(
    State(app): State<Vigie>,
    caller: Caller,
    _: NoParams,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::Read)?;
    let mut flagged = all(
        &app,
        ReportQuery {
            verification: Some(Verification::Rumor),
            ..Default::default()
        },
    )
    .await?;
    flagged.extend(
        all(
            &app,
            ReportQuery {
                verification: Some(Verification::Debunked),
                ..Default::default()
            },
        )
        .await?,
    );
    let mut clusters: BTreeMap<String, Vec<Report>> = BTreeMap::new();
    for r in flagged {
        clusters.entry(r.cluster_id.clone()).or_default();
    }
    let mut items = Vec::new();
    for (cluster, _) in clusters {
        let members = all(
            &app,
            ReportQuery {
                cluster: Some(cluster.clone()),
                ..Default::default()
            },
        )
        .await?;
        let open = members
            .iter()
            .any(|m| m.verification == Verification::Rumor);
        let spread: u64 = members.iter().map(|m| 1 + u64::from(m.spread_count)).sum();
        let first = members.iter().map(|m| m.posted_at).min();
        let last = members.iter().map(|m| m.posted_at).max();
        let summary = members
            .iter()
            .filter(|m| m.summary.is_some())
            .max_by_key(|m| m.updated_at)
            .and_then(|m| m.summary.clone());
        let networks: std::collections::BTreeSet<&str> =
            members.iter().map(|m| m.network.as_str()).collect();
        items.push(json!({
            "cluster_id": cluster,
            "verification": if open { "rumor" } else { "debunked" },
            "summary": summary,
            "reports": members.iter().map(|m| &m.id).collect::<Vec<_>>(),
            "size": members.len(),
            "spread": spread,
            "networks": networks,
            "first_seen": first,
            "last_seen": last,
        }));
    }
    // Open rumours first, the most widely spread first.
    items.sort_by_key(|i| {
        (
            i["verification"] != "rumor",
            std::cmp::Reverse(i["spread"].as_u64().unwrap_or(0)),
        )
    });
    Ok(Json(json!({"items": items})))
}

pub async fn stats(
    State(app): State<Vigie>,
    caller: Caller,
    _: NoParams,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::Read)?;
    let counts = app.store.counts().await?;
    Ok(Json(serde_json::to_value(counts).unwrap_or_default()))
}

pub async fn sources(
    State(app): State<Vigie>,
    caller: Caller,
    _: NoParams,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::Read)?;
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
    caller.require(Action::Export)?;
    let mut reports = all(&app, ReportQuery::default()).await?;
    reports.sort_by(|a, b| a.posted_at.cmp(&b.posted_at).then_with(|| a.id.cmp(&b.id)));
    let csv = table::write(&reports);
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
