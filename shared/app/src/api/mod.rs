//! The triage API (`/api/v1`): one axum `Router`, served by `lambda_http` in the cloud and by
//! `axum::serve` in `vigie local`. Every route is declared once in [`routes`], which builds
//! both the router and the OpenAPI document, so the two cannot drift. Errors have one shape
//! everywhere: `{"error": {"code": "...", "message": "..."}}`.

mod changes;
mod openapi;
mod places;
mod relays;
mod reports;
mod rooms;
mod tokens;

use crate::triage::TriageFailure;
use crate::Vigie;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::error;
use vigie_domain::ports::{StoreError, TokenRecord};
use vigie_domain::taxonomy::{Action, Role};
use vigie_domain::token;
use vigie_domain::triage::{Actor, TriageError};

pub use reports::report_query;

/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

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

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
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
            StoreError::NotFound(what) => ApiError::not_found(what),
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

/// ... and the one place triage rules become statuses.
impl From<TriageError> for ApiError {
    fn from(e: TriageError) -> ApiError {
        match e {
            TriageError::Claimed { .. } => {
                ApiError::new(StatusCode::CONFLICT, "claimed", e.to_string())
            }
            TriageError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            TriageError::Invalid { .. } => ApiError::invalid(e.to_string()),
            TriageError::NotAllowedNow(m) => {
                ApiError::new(StatusCode::CONFLICT, "not_allowed_now", m)
            }
        }
    }
}

/// ... and the one place the use cases' failures do.
impl From<TriageFailure> for ApiError {
    fn from(e: TriageFailure) -> ApiError {
        match e {
            TriageFailure::Rule(e) => e.into(),
            TriageFailure::Store(e) => e.into(),
            TriageFailure::NotFound { id } => ApiError::not_found(format!("report {id}")),
            TriageFailure::Stale { .. } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale_version",
                e.to_string(),
            ),
            TriageFailure::Busy { .. } => {
                ApiError::new(StatusCode::CONFLICT, "busy", e.to_string())
            }
        }
    }
}

/// Who is calling: resolved from the bearer token, once per request, by the route's access
/// check (see [`router`]), which leaves it in the request's extensions for the handler. A
/// revoked token is refused on its next request.
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
                self.role.refusal(action),
            ))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            token_id: self.token_id.clone(),
            name: self.name.clone(),
            role: self.role,
        }
    }

    /// The holder of the request's bearer token, or 401.
    pub async fn resolve(app: &Vigie, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        let value = headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <token>"))?
            .to_str()
            .map_err(|_| unauthorized("malformed Authorization header"))?;
        // The scheme is case-insensitive (RFC 9110, section 11.1).
        let secret = value
            .trim()
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
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

impl FromRequestParts<Vigie> for Caller {
    type Rejection = ApiError;

    /// The caller the route's access check resolved; on a route without one, resolved here.
    async fn from_request_parts(parts: &mut Parts, app: &Vigie) -> Result<Caller, ApiError> {
        match parts.extensions.get::<Caller>() {
            Some(caller) => Ok(caller.clone()),
            None => Caller::resolve(app, &parts.headers).await,
        }
    }
}

/// The `{id}` of a route's path; one that cannot be read (such as invalid UTF-8 once
/// percent-decoded) is a 400 in the API's error body, not axum's plain text.
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<PathId, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| PathId(id))
            .map_err(|e| ApiError::bad_request(format!("path: {}", e.body_text())))
    }
}

/// The query string as names and values; one that cannot be read is a 400 in the API's
/// error body.
pub struct Params(pub HashMap<String, String>);

/// The query of a route that takes no parameter: any parameter is refused, by name.
pub struct NoParams;

impl<S: Send + Sync> FromRequestParts<S> for NoParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<NoParams, ApiError> {
        let Params(params) = Params::from_request_parts(parts, state).await?;
        match params.keys().min() {
            None => Ok(NoParams),
            Some(name) => Err(ApiError::bad_request(format!(
                "unknown parameter `{name}` (this route takes none)"
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params, ApiError> {
        // As pairs, so that a name given twice is refused rather than one of them dropped.
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("query: {}", e.body_text())))?;
        let mut params = HashMap::with_capacity(pairs.len());
        for (name, value) in pairs {
            if params.contains_key(&name) {
                return Err(ApiError::bad_request(format!(
                    "the parameter `{}` is given more than once",
                    shown(&name)
                )));
            }
            params.insert(name, value);
        }
        Ok(Params(params))
    }
}

/// A JSON object body, read within [`BODY_LIMIT`]; fields are then read one by one so that
/// an error names the field. A body must say it is JSON (`Content-Type: application/json`,
/// UTF-8): a form or text posted from another site's page is refused with 415 before its
/// bytes are read as anything. A key given twice, at any depth, is refused: which of the two
/// counted would otherwise depend on the parser. An empty body is an empty object.
pub struct JsonObject(pub serde_json::Map<String, serde_json::Value>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonObject, ApiError> {
        let content_type = req
            .headers()
            .get_all(header::CONTENT_TYPE)
            .iter()
            .cloned()
            .collect::<Vec<_>>();
        let bytes = Bytes::from_request(req, state).await;
        json_object(&content_type, bytes).map(JsonObject)
    }
}

fn json_object(
    content_type: &[HeaderValue],
    body: Result<Bytes, BytesRejection>,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body is over {} KiB", BODY_LIMIT / 1024),
            )
        } else {
            ApiError::bad_request(format!("cannot read the request body: {rejection}"))
        }
    })?;
    if bytes.is_empty() {
        return Ok(serde_json::Map::new());
    }
    check_json_type(content_type)?;
    match strict_json::from_slice(&bytes) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// `Content-Type: application/json`, once, with no parameter but `charset=utf-8`.
fn check_json_type(values: &[HeaderValue]) -> Result<(), ApiError> {
    let unsupported = |what: String| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Content-Type: {what}; send the body as application/json"),
        )
    };
    let value = match values {
        [] => return Err(unsupported("missing".into())),
        [one] => one
            .to_str()
            .map_err(|_| unsupported("not readable".into()))?,
        _ => return Err(unsupported("given more than once".into())),
    };
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(unsupported(format!("`{}` is not JSON", shown(value))));
    }
    for param in parts.filter(|p| !p.is_empty()) {
        let (name, val) = param.split_once('=').unwrap_or((param, ""));
        let val = val.trim().trim_matches('"');
        if !(name.trim().eq_ignore_ascii_case("charset") && val.eq_ignore_ascii_case("utf-8")) {
            return Err(unsupported(format!(
                "`{}`: JSON is UTF-8 and takes no other parameter",
                shown(param)
            )));
        }
    }
    Ok(())
}

/// A client's value as an error message shows it: at most 100 characters.
fn shown(value: &str) -> String {
    if value.chars().count() > 100 {
        format!("{}…", value.chars().take(100).collect::<String>())
    } else {
        value.to_string()
    }
}

/// JSON read into a `serde_json::Value`, refusing an object that names a key twice.
mod strict_json {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};
    use std::fmt;

    pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = Strict.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }

    struct Strict;

    impl<'de> DeserializeSeed<'de> for Strict {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Strict {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(v.into())
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(v.into())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(Strict)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value_seed(Strict)?;
                if out.contains_key(&key) {
                    let key: String = key.chars().take(100).collect();
                    return Err(A::Error::custom(format!("the key `{key}` is given twice")));
                }
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
    }
}

/// Who may call a route: `None` for public routes.
#[derive(Debug, Clone, Copy)]
pub struct Access(pub Option<Action>);

/// The access check of a route that needs `action`: resolves the caller (401), checks their
/// role (403), and hands the caller to the handler in the request's extensions. It runs before
/// anything of the request is read, so a refused caller learns nothing of the route's rules.
async fn authorize(
    State((app, action)): State<(Vigie, Action)>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match Caller::resolve(&app, request.headers()).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = caller.require(action) {
        return e.into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// One route: its method, path, what it does and who may call it, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub handler: MethodRouter<Vigie>,
}

/// Every route of the API, once.
pub fn routes() -> Vec<Route> {
    use axum::routing::{delete, patch, post, put};
    use Action::*;
    let r = |method: Method,
             path: &'static str,
             summary: &'static str,
             action: Option<Action>,
             handler: MethodRouter<Vigie>| Route {
        method,
        path,
        summary,
        access: Access(action),
        handler,
    };
    vec![
        r(
            Method::GET,
            "/healthz",
            "Liveness check.",
            None,
            get(healthz),
        ),
        r(
            Method::GET,
            "/api/v1/openapi.json",
            "This document.",
            None,
            get(openapi::document),
        ),
        r(
            Method::GET,
            "/api/v1/me",
            "The caller: token, name, role, the label their claims carry, the claims' lease.",
            Some(Read),
            get(tokens::me),
        ),
        r(
            Method::GET,
            "/api/v1/reports",
            "The queue: filtered, sorted by priority then recency, paged by cursor.",
            Some(Read),
            get(reports::list),
        ),
        r(
            Method::POST,
            "/api/v1/reports",
            "A report entered by hand (networks without an API); de-duplicated by URL.",
            Some(Create),
            post(reports::create),
        ),
        r(
            Method::GET,
            "/api/v1/reports/{id}",
            "A report with its history.",
            Some(Read),
            get(reports::one),
        ),
        r(
            Method::PATCH,
            "/api/v1/reports/{id}",
            "Classify, locate, summarise, verify or set the status; If-Match: <version>.",
            Some(Update),
            patch(reports::update),
        ),
        r(
            Method::POST,
            "/api/v1/reports/{id}/claim",
            "Claim a report for a while so nobody else works on it.",
            Some(Claim),
            post(reports::claim),
        ),
        r(
            Method::POST,
            "/api/v1/reports/{id}/release",
            "Give a claim back; a coordinator may release anyone's (released_from names who held it).",
            Some(Claim),
            post(reports::release),
        ),
        r(
            Method::POST,
            "/api/v1/reports/{id}/publish",
            "Put a report on the public map.",
            Some(Publish),
            post(reports::publish),
        ),
        r(
            Method::POST,
            "/api/v1/reports/{id}/unpublish",
            "Take a report off the public map.",
            Some(Publish),
            post(reports::unpublish),
        ),
        r(
            Method::POST,
            "/api/v1/reports/{id}/escalate",
            "Escalate to the authority (notified at once).",
            Some(Escalate),
            post(reports::escalate),
        ),
        r(
            Method::POST,
            "/api/v1/reports/{id}/ack",
            "Acknowledge an escalation.",
            Some(Acknowledge),
            post(reports::acknowledge),
        ),
        r(
            Method::POST,
            "/api/v1/reports/bulk",
            "One action on up to 200 reports; those claimed by someone else are skipped.",
            Some(Update),
            post(reports::bulk),
        ),
        r(
            Method::GET,
            "/api/v1/escalations",
            "Escalated reports, those waiting for the authority first.",
            Some(Read),
            get(reports::escalations),
        ),
        r(
            Method::GET,
            "/api/v1/rumors",
            "Rumours and debunked rumours, grouped by cluster, with their spread.",
            Some(Read),
            get(reports::rumors),
        ),
        r(
            Method::GET,
            "/api/v1/stats",
            "Counts by status, category, priority, network and hour.",
            Some(Read),
            get(reports::stats),
        ),
        r(
            Method::GET,
            "/api/v1/sources",
            "Each collector with its health (and its quota where the network counts one: X's monthly cap in posts read, YouTube's daily quota in units; used, cap and when it resets).",
            Some(Read),
            get(reports::sources),
        ),
        r(
            Method::GET,
            "/api/v1/places",
            "Places of the crisis's gazetteer whose name (or a Creole or other name) starts a word with q.",
            Some(Read),
            get(places::search),
        ),
        r(
            Method::GET,
            "/api/v1/export.csv",
            "The whole table as CSV with an HXL row.",
            Some(Export),
            get(reports::export_csv),
        ),
        r(
            Method::GET,
            "/api/v1/changes",
            "Reports created or changed since a cursor, oldest change first; without `since`, the cursor to start from. ETag: the cursor (304 with If-None-Match when nothing changed).",
            Some(Read),
            get(changes::list),
        ),
        r(
            Method::GET,
            "/api/v1/rooms",
            "The team's topic rooms (saved views of the queue), the defaults until saved.",
            Some(Read),
            get(rooms::list),
        ),
        r(
            Method::PUT,
            "/api/v1/rooms",
            "Define the team's topic rooms, at the version read (412 when stale).",
            Some(ManageRooms),
            put(rooms::save),
        ),
        r(
            Method::GET,
            "/api/v1/relays",
            "The relay log: each relay with who drafted, approved and posted it, where, when, the published posts' links, share links and when a reminder is due; and the relay accounts.",
            Some(Read),
            get(relays::list),
        ),
        r(
            Method::POST,
            "/api/v1/relays",
            "Draft a relay of a report: `report`, `text`, optional `accounts` (the [[relay]] account ids, all by default; none for share links only) and `kind` (`official` or `solidarity`, from the report by default); the text is checked against the chosen accounts' networks (500 characters for Mastodon, 300 graphemes for Bluesky).",
            Some(DraftRelay),
            post(relays::draft),
        ),
        r(
            Method::POST,
            "/api/v1/relays/{id}/approve",
            "Approve a draft (at its `version` when given; `remind_every_hours` optional) and post it to each of its accounts exactly once; again on an approved relay, retry the accounts not posted yet.",
            Some(ApproveRelay),
            post(relays::approve),
        ),
        r(
            Method::POST,
            "/api/v1/relays/{id}/withdraw",
            "Withdraw a draft at its version.",
            Some(ApproveRelay),
            post(relays::withdraw),
        ),
        r(
            Method::POST,
            "/api/v1/tokens",
            "Create an access token (shown once).",
            Some(ManageTokens),
            post(tokens::create),
        ),
        r(
            Method::GET,
            "/api/v1/tokens",
            "List access tokens.",
            Some(ManageTokens),
            get(tokens::list),
        ),
        r(
            Method::DELETE,
            "/api/v1/tokens/{id}",
            "Revoke an access token at once.",
            Some(ManageTokens),
            delete(tokens::revoke),
        ),
    ]
}

/// The API router, with its state.
pub fn router(app: Vigie) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Vigie>> = BTreeMap::new();
    for route in routes() {
        // Each route's roles, from the table, checked once before its handler.
        let handler = match route.access {
            Access(Some(action)) => route.handler.route_layer(middleware::from_fn_with_state(
                (app.clone(), action),
                authorize,
            )),
            Access(None) => route.handler,
        };
        let merged = match by_path.remove(route.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        by_path.insert(route.path, merged);
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    let cors = cors(&app.crisis.cors_origins);
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(hygiene));
    let router = match cors {
        Some(layer) => router.layer(layer),
        None => router,
    };
    router.with_state(app)
}

/// What every API answer says of itself, errors and refusals included: never stored by a
/// browser or a proxy (a new token's secret above all, but also private posts), never sniffed
/// into another type, never framed, never sending its address on as a referrer.
async fn hygiene(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    res
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
            ])
            .expose_headers([header::ETAG]),
    )
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}
