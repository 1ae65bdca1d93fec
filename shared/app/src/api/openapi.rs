//! The OpenAPI 3.1 document, built from the same route table as the router.

use super::{routes, Access};
use axum::http::Method;
use serde_json::{json, Map, Value};

fn parameters(path: &str, method: &Method) -> Vec<Value> {
    let mut out = Vec::new();
    if path.contains("{id}") {
        out.push(
            json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
        );
    }
    if path == "/api/v1/reports" && method == Method::GET {
        let enums: [(&str, &[&str]); 4] = [
            ("status", &["new", "triaged", "published", "dismissed"]),
            (
                "category",
                &[
                    "rescue",
                    "casualties",
                    "damage",
                    "utilities",
                    "access",
                    "hazard",
                    "needs",
                    "shelter",
                    "solidarity",
                    "official",
                    "weather",
                    "other",
                ],
            ),
            ("priority", &["critical", "high", "medium", "low"]),
            (
                "verification",
                &["unverified", "confirmed", "rumor", "debunked"],
            ),
        ];
        for (name, values) in enums {
            out.push(
                json!({"name": name, "in": "query", "schema": {"type": "string", "enum": values}}),
            );
        }
        for name in ["network", "cluster"] {
            out.push(json!({"name": name, "in": "query", "schema": {"type": "string"}}));
        }
        out.push(json!({"name": "place", "in": "query", "description": "An INSEE code, or a place's name in any form the crisis's gazetteer knows (resolved as a hand entry's place is, so `Gosier` finds `Le Gosier`); a name it does not know is matched as given.", "schema": {"type": "string"}}));
        out.push(json!({"name": "q", "in": "query", "description": format!("Words that must all appear in the text or summary, accents and case ignored: at most {} characters and {} words (400 beyond).", super::reports::Q_MAX_CHARS, super::reports::Q_MAX_WORDS), "schema": {"type": "string", "maxLength": super::reports::Q_MAX_CHARS}}));
        out.push(json!({"name": "cursor", "in": "query", "description": "The `next_cursor` of the previous page, as given.", "schema": {"type": "string", "minLength": 2, "pattern": "^([0-9a-f]{2})+$"}}));
        out.push(json!({"name": "escalated", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}));
        out.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}));
    }
    if path == "/api/v1/places" {
        out.push(json!({"name": "q", "in": "query", "required": true, "description": "The beginning of a word of a place's name, or of one of its Creole or other names; accents and case ignored.", "schema": {"type": "string", "minLength": 1, "maxLength": 100}}));
        out.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": super::places::LIMIT_MAX, "default": super::places::LIMIT_DEFAULT}}));
    }
    if path == "/api/v1/changes" {
        out.push(json!({"name": "since", "in": "query", "description": "The `cursor` of the previous answer, as given; leave it out to get the cursor to start from (before loading the table). One over 7 days old is refused: load the table again.", "schema": {"type": "string", "minLength": 2, "pattern": "^([0-9a-f]{2})+$"}}));
        out.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 500}}));
        out.push(json!({"name": "If-None-Match", "in": "header", "required": false, "description": "The ETag of the previous answer: 304 with no body when nothing changed since.", "schema": {"type": "string"}}));
    }
    if method == Method::PATCH {
        out.push(json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^([0-9]{1,19}|(W/)?\"[0-9]{1,19}\")$"}, "description": "The report's version: its `version` (7), or the ETag as given (\"7\", or W/\"7\"); nothing else."}));
    }
    out
}

fn request_body(path: &str, method: &Method) -> Option<Value> {
    let schema = match (method.as_str(), path) {
        ("POST", "/api/v1/reports") => json!({"$ref": "#/components/schemas/HandEntry"}),
        ("PATCH", _) => json!({"$ref": "#/components/schemas/ReportUpdate"}),
        ("POST", "/api/v1/tokens") => json!({"$ref": "#/components/schemas/NewToken"}),
        ("POST", "/api/v1/reports/bulk") => json!({"$ref": "#/components/schemas/Bulk"}),
        ("PUT", "/api/v1/rooms") => json!({"$ref": "#/components/schemas/Rooms"}),
        ("POST", "/api/v1/relays") => json!({"$ref": "#/components/schemas/RelayDraft"}),
        // Both may come without a body.
        ("POST", "/api/v1/relays/{id}/approve") => {
            return Some(
                json!({"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RelayApproval"}}}}),
            )
        }
        ("POST", "/api/v1/relays/{id}/withdraw") => {
            return Some(
                json!({"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RelayWithdrawal"}}}}),
            )
        }
        _ => return None,
    };
    Some(json!({"required": true, "content": {"application/json": {"schema": schema}}}))
}

/// What a route answers on success: its media type and schema.
fn success(path: &str, method: &Method) -> Value {
    let schema = match (method.as_str(), path) {
        ("GET", "/api/v1/export.csv") => {
            return json!({"description": "The whole table: UTF-8 with a BOM, a header row and an HXL row.", "content": {"text/csv": {"schema": {"type": "string"}}}});
        }
        ("GET", "/api/v1/reports") => json!({"$ref": "#/components/schemas/Page"}),
        ("GET", "/api/v1/changes") => json!({"$ref": "#/components/schemas/Changes"}),
        (_, "/api/v1/rooms") => json!({"$ref": "#/components/schemas/Rooms"}),
        ("GET", "/api/v1/reports/{id}") => json!({"allOf": [
            {"$ref": "#/components/schemas/Report"},
            {"type": "object", "required": ["history"], "properties": {"history": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEntry"}}}}
        ]}),
        ("POST", "/api/v1/reports") => json!({"allOf": [
            {"$ref": "#/components/schemas/Report"},
            {"type": "object", "required": ["duplicate"], "properties": {"duplicate": {"type": "boolean"}}}
        ]}),
        ("GET", "/api/v1/me") => json!({"$ref": "#/components/schemas/Me"}),
        ("GET", "/api/v1/places") => json!({"$ref": "#/components/schemas/Places"}),
        ("POST", "/api/v1/reports/bulk") => json!({"$ref": "#/components/schemas/BulkOutcome"}),
        ("GET", "/api/v1/relays") => json!({"$ref": "#/components/schemas/Relays"}),
        (_, p) if p.starts_with("/api/v1/relays") => json!({"$ref": "#/components/schemas/Relay"}),
        ("POST", "/api/v1/reports/{id}/release") => json!({"allOf": [
            {"$ref": "#/components/schemas/Report"},
            {"type": "object", "required": ["released_from"], "properties": {"released_from": {"type": ["string", "null"], "description": "The label of who held the claim (`claimed_by`), someone else's when a coordinator forces the release; null when nobody held it."}}}
        ]}),
        (_, p) if p.starts_with("/api/v1/reports/{id}") => {
            json!({"$ref": "#/components/schemas/Report"})
        }
        _ => json!({"type": "object"}),
    };
    json!({"description": "OK", "content": {"application/json": {"schema": schema}}})
}

/// The document itself.
pub fn build() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for route in routes() {
        let Access(action) = route.access;
        let mut op = json!({
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method.as_str().to_lowercase(), route.path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
            "parameters": parameters(route.path, &route.method),
            "responses": {
                "200": success(route.path, &route.method),
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "409": {"$ref": "#/components/responses/Error"},
                "412": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            },
        });
        match action {
            None => op["security"] = json!([]),
            Some(a) => op["x-vigie-action"] = json!(format!("{a:?}")),
        }
        if let Some(body) = request_body(route.path, &route.method) {
            op["requestBody"] = body;
            op["responses"]["415"] = json!({"$ref": "#/components/responses/Error"});
        }
        if route.method == Method::POST
            && matches!(
                route.path,
                "/api/v1/reports" | "/api/v1/tokens" | "/api/v1/relays"
            )
        {
            let mut created = success(route.path, &route.method);
            created["description"] = json!("Created");
            op["responses"]["201"] = created;
        }
        if route.path == "/api/v1/changes" {
            op["responses"]["304"] = json!({"description": "Nothing changed since the cursor given in If-None-Match (no body; the same ETag)."});
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = op;
    }
    let location = json!({
        "oneOf": [
            {"type": "null"},
            {"type": "object", "additionalProperties": false, "required": ["lat", "lon"], "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90}, "lon": {"type": "number", "minimum": -180, "maximum": 180}, "place": {"type": "string", "minLength": 1}}},
            {"type": "object", "additionalProperties": false, "required": ["place"], "properties": {"place": {"type": "string", "minLength": 1}}}
        ]
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Vigie triage API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The volunteers' collaborative table. Every route but /healthz and this document needs `Authorization: Bearer <token>`. Errors: {\"error\": {\"code\", \"message\"}}."
        },
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Report": report_schema(),
                "Page": {"type": "object", "required": ["items", "next_cursor"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Report"}},
                    "next_cursor": {"type": ["string", "null"], "description": "Give it as `cursor` for the next page; null on the last."}
                }},
                "Changes": {"type": "object", "required": ["items", "cursor", "more"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Report"}, "description": "Reports created or changed at or after the cursor, oldest change first, each at its current version. The cursor reaches a few seconds back: a version already held may come again (keep the newer one)."},
                    "cursor": {"type": "string", "description": "Give it as `since` next time; also the ETag."},
                    "more": {"type": "boolean", "description": "More changes wait already: call again at once with the new cursor."}
                }},
                "Rooms": {"type": "object", "additionalProperties": false, "required": ["items", "version"], "properties": {
                    "items": {"type": "array", "maxItems": 30, "items": {"type": "object", "additionalProperties": false, "required": ["id", "name", "params"], "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
                        "name": {"type": "string", "minLength": 1, "maxLength": 60},
                        "params": {"type": "object", "description": "Filters of /reports by name, with their values as in its query string.", "propertyNames": {"enum": ["status", "category", "priority", "verification", "network", "escalated", "place", "q", "cluster"]}, "additionalProperties": {"type": "string"}}
                    }}},
                    "version": {"type": "integer", "minimum": 0, "description": "As read (0 while none are saved); a save at a stale version is refused with 412."}
                }},
                "HistoryEntry": {"type": "object", "required": ["version", "at", "actor", "action", "changes"], "properties": {
                    "version": {"type": "integer"},
                    "at": {"type": "string", "format": "date-time"},
                    "actor": {"type": "string"},
                    "action": {"type": "string"},
                    "changes": {"type": "object", "additionalProperties": {"type": "object", "properties": {"before": {}, "after": {}}}}
                }},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "HandEntry": {"type": "object", "additionalProperties": false, "required": ["network", "url", "text"],
                    "description": "Where the post is: `place` (a name of the gazetteer) or `point` (`location` is the same as `point`), not both.",
                    "not": {"anyOf": [{"required": ["place", "point"]}, {"required": ["place", "location"]}, {"required": ["point", "location"]}]},
                    "properties": {
                    "network": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
                    "url": {"type": "string", "format": "uri"},
                    "text": {"type": "string", "minLength": 1, "maxLength": 10000},
                    "observed_at": {"type": "string", "format": "date-time"},
                    "author": {"type": "string", "maxLength": 200},
                    "language": {"type": "string", "maxLength": 10},
                    "place": {"type": "string", "minLength": 1},
                    "point": location.clone(),
                    "location": location.clone()
                }},
                "ReportUpdate": {"type": "object", "additionalProperties": false, "minProperties": 1, "properties": {
                    "category": {"type": "string", "enum": ["rescue", "casualties", "damage", "utilities", "access", "hazard", "needs", "shelter", "solidarity", "official", "weather", "other"]},
                    "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
                    "verification": {"type": "string", "enum": ["unverified", "confirmed", "rumor", "debunked"]},
                    "status": {"type": "string", "enum": ["new", "triaged", "dismissed"]},
                    "summary": {"type": ["string", "null"], "maxLength": 500},
                    "location": location
                }},
                "Me": {"type": "object", "additionalProperties": false, "required": ["token_id", "name", "role", "label", "claim_minutes"], "properties": {
                    "token_id": {"type": "string"},
                    "name": {"type": "string"},
                    "role": {"type": "string", "enum": ["volunteer", "coordinator", "authority"]},
                    "label": {"type": "string", "description": "Exactly what `claimed_by` holds for this caller's claims: \"Name (token_id)\"."},
                    "claim_minutes": {"type": "integer", "minimum": 1, "description": "How long a claim lasts before it must be renewed."}
                }},
                "Place": {"type": "object", "additionalProperties": false, "required": ["name", "insee", "kind", "lat", "lon", "precision", "matched"], "properties": {
                    "name": {"type": "string", "description": "The official name: give it as `place` to locate a report."},
                    "insee": {"type": ["string", "null"], "description": "The commune's INSEE code; null for an island or region."},
                    "kind": {"type": "string", "enum": ["commune", "area"]},
                    "lat": {"type": "number"},
                    "lon": {"type": "number"},
                    "precision": {"type": "string", "enum": ["commune", "area"]},
                    "matched": {"type": "string", "description": "The name (official, Creole or other) that q matched."}
                }},
                "Places": {"type": "object", "additionalProperties": false, "required": ["items"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}, "description": "Names matched from their first word first, official names before others, then the most populated."}
                }},
                "Bulk": {"type": "object", "additionalProperties": false, "required": ["ids", "action"],
                    "description": "`changes` goes with `update` only, and `update` needs it. publish and unpublish need a coordinator token (403 for the whole request otherwise).",
                    "properties": {
                    "ids": {"type": "array", "minItems": 1, "maxItems": crate::triage::BULK_MAX, "items": {"type": "string", "minLength": 1}},
                    "action": {"type": "string", "enum": crate::triage::BulkAction::NAMES},
                    "changes": {"type": "object", "additionalProperties": false, "minProperties": 1, "properties": {
                        "category": {"type": "string", "enum": ["rescue", "casualties", "damage", "utilities", "access", "hazard", "needs", "shelter", "solidarity", "official", "weather", "other"]},
                        "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"]}
                    }}
                }},
                "BulkOutcome": {"type": "object", "additionalProperties": false, "required": ["done", "skipped"], "description": "Each report is in done or in skipped, never both.", "properties": {
                    "done": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["id", "version"], "properties": {"id": {"type": "string"}, "version": {"type": "integer", "minimum": 1}}}},
                    "skipped": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["id", "code", "reason"], "properties": {
                        "id": {"type": "string"},
                        "code": {"type": "string", "description": "The error code the one-report route would answer: claimed (reason names the holder and expiry), not_found, not_allowed_now, forbidden, invalid, busy, unavailable."},
                        "reason": {"type": "string"}
                    }}}
                }},
                "RelayDraft": {"type": "object", "additionalProperties": false, "required": ["report", "text"], "properties": {
                    "report": {"type": "string", "description": "The id of the report relayed."},
                    "text": {"type": "string", "minLength": 1, "description": "Checked for each chosen account's network: 500 characters for Mastodon (a link counts 23), 300 graphemes for Bluesky."},
                    "accounts": {"type": "array", "items": {"type": "string"}, "description": "The [[relay]] account ids it goes to; all of them when absent, none (share links only) when empty."},
                    "kind": {"type": "string", "enum": ["official", "solidarity"], "description": "By default `official` for an official report, `solidarity` otherwise."}
                }},
                "RelayApproval": {"type": "object", "additionalProperties": false, "properties": {
                    "version": {"type": "integer", "minimum": 0, "description": "The relay's version as read: 412 when it changed since."},
                    "remind_every_hours": {"type": ["integer", "null"], "minimum": 1, "maximum": 72, "description": "Remind to relay it again every so many hours while the crisis lasts."}
                }},
                "RelayWithdrawal": {"type": "object", "additionalProperties": false, "properties": {
                    "version": {"type": "integer", "minimum": 0, "description": "The relay's version as read: 412 when it changed since."}
                }},
                "Relay": {"type": "object", "required": ["id", "report", "kind", "accounts", "text", "status", "drafted_by", "drafted_at", "targets", "version", "share", "lengths", "due_again"], "properties": {
                    "id": {"type": "string"},
                    "report": {"type": "string"},
                    "kind": {"type": "string", "enum": ["official", "solidarity"]},
                    "accounts": {"type": "array", "items": {"type": "string"}},
                    "text": {"type": "string"},
                    "status": {"type": "string", "enum": ["draft", "approved", "posted", "failed", "withdrawn"]},
                    "drafted_by": {"type": "string"},
                    "drafted_at": {"type": "string", "format": "date-time"},
                    "approved_by": {"type": "string"},
                    "approved_at": {"type": "string", "format": "date-time"},
                    "remind_every_hours": {"type": "integer"},
                    "targets": {"type": "array", "items": {"type": "object", "required": ["account", "network", "key", "state", "attempts"], "properties": {
                        "account": {"type": "string"},
                        "network": {"type": "string", "enum": ["mastodon", "bluesky"]},
                        "key": {"type": "string", "description": "Mastodon's Idempotency-Key or the Bluesky record key, fixed at approval."},
                        "state": {"type": "string", "enum": ["pending", "posting", "posted", "failed"]},
                        "attempts": {"type": "integer"},
                        "attempt_at": {"type": "string", "format": "date-time"},
                        "url": {"type": "string", "description": "The published post."},
                        "posted_at": {"type": "string", "format": "date-time"},
                        "error": {"type": "string"}
                    }}},
                    "share": {"type": "array", "items": {"type": "object", "required": ["network", "url"], "properties": {"network": {"type": "string"}, "url": {"type": "string"}}}, "description": "Links that open a network's composer with the text ready (WhatsApp, Telegram, X; Facebook with the text's first link)."},
                    "lengths": {"type": "array", "items": {"type": "object", "required": ["network", "length", "max"], "properties": {"network": {"type": "string"}, "length": {"type": "integer"}, "max": {"type": ["integer", "null"]}}}},
                    "due_again": {"type": ["string", "null"], "format": "date-time", "description": "When the reminder to relay it again falls due."},
                    "version": {"type": "integer"}
                }},
                "Relays": {"type": "object", "required": ["items", "accounts", "hashtags"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Relay"}},
                    "accounts": {"type": "array", "items": {"type": "object", "required": ["id", "network"], "properties": {"id": {"type": "string"}, "network": {"type": "string"}}}},
                    "hashtags": {"type": "array", "items": {"type": "string"}, "description": "The crisis's hashtags (those its sources follow or search), for drafts."}
                }},
                "NewToken": {"type": "object", "additionalProperties": false, "required": ["name", "role"], "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$", "description": "Who holds it: printable characters, not only spaces."},
                    "role": {"type": "string", "enum": ["volunteer", "coordinator", "authority"]}
                }}
            }
        }
    })
}

/// A report as the API answers it: the fields of docs/api.md (§3, the report object), and more that clients may ignore.
fn report_schema() -> Value {
    let string = json!({"type": "string"});
    let nullable = json!({"type": ["string", "null"]});
    let time = json!({"type": "string", "format": "date-time"});
    let nullable_time = json!({"type": ["string", "null"], "format": "date-time"});
    let properties = json!({
        "id": string, "version": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": ["new", "triaged", "published", "dismissed"]},
        "network": string, "source_url": nullable, "author": string, "official": {"type": "boolean"},
        "text": string, "language": nullable, "posted_at": time, "collected_at": time,
        "suggested_category": string, "suggested_priority": string,
        "suggestion_reasons": {"type": "array", "items": {"type": "object", "required": ["rule"], "properties": {
            "rule": {"type": "string", "enum": vigie_domain::classify::Rule::ALL},
            "category": string, "words": {"type": "array", "items": string}
        }}},
        "category": nullable, "priority": nullable,
        "verification": {"type": "string", "enum": ["unverified", "confirmed", "rumor", "debunked"]},
        "location": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["lat", "lon", "precision", "method"], "properties": {
            "lat": {"type": "number"}, "lon": {"type": "number"}, "place": nullable, "insee": nullable,
            "precision": {"type": "string", "enum": ["exact", "commune", "area"]},
            "method": {"type": "string", "enum": ["native", "gazetteer", "volunteer"]}
        }}]},
        "summary": nullable, "cluster_id": string, "cluster_size": {"type": "integer", "minimum": 1},
        "claimed_by": nullable, "claim_expires_at": nullable_time,
        "escalated": {"type": "boolean"}, "published_at": nullable_time
    });
    let required: Vec<&String> = properties
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    json!({"type": "object", "required": required, "properties": properties})
}

/// The document, built and serialized once per process (it depends on nothing but the
/// routes).
pub async fn document() -> impl axum::response::IntoResponse {
    static DOCUMENT: std::sync::OnceLock<bytes::Bytes> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| build().to_string().into()).clone();
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
}
