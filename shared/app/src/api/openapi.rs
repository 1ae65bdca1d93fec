//! The OpenAPI 3.1 document, built from the same route table as the router.

use super::{routes, Access};
use axum::http::Method;
use axum::Json;
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
        for name in ["network", "place", "q", "cursor", "cluster"] {
            out.push(json!({"name": name, "in": "query", "schema": {"type": "string"}}));
        }
        out.push(json!({"name": "escalated", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}));
        out.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}));
    }
    if method == Method::PATCH {
        out.push(json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string"}, "description": "The report's version."}));
    }
    out
}

fn request_body(path: &str, method: &Method) -> Option<Value> {
    let schema = match (method.as_str(), path) {
        ("POST", "/api/v1/reports") => json!({"$ref": "#/components/schemas/HandEntry"}),
        ("PATCH", _) => json!({"$ref": "#/components/schemas/ReportUpdate"}),
        ("POST", "/api/v1/tokens") => json!({"$ref": "#/components/schemas/NewToken"}),
        _ => return None,
    };
    Some(json!({"required": true, "content": {"application/json": {"schema": schema}}}))
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
                "200": {"description": "OK", "content": {"application/json": {}}},
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
        }
        if route.method == Method::POST
            && matches!(route.path, "/api/v1/reports" | "/api/v1/tokens")
        {
            op["responses"]["201"] =
                json!({"description": "Created", "content": {"application/json": {}}});
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = op;
    }
    let location = json!({
        "oneOf": [
            {"type": "null"},
            {"type": "object", "additionalProperties": false, "required": ["lat", "lon"], "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90}, "lon": {"type": "number", "minimum": -180, "maximum": 180}, "place": {"type": "string"}}},
            {"type": "object", "additionalProperties": false, "required": ["place"], "properties": {"place": {"type": "string"}}}
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
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "HandEntry": {"type": "object", "additionalProperties": false, "required": ["network", "url", "text"], "properties": {
                    "network": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
                    "url": {"type": "string", "format": "uri"},
                    "text": {"type": "string", "minLength": 1, "maxLength": 10000},
                    "observed_at": {"type": "string", "format": "date-time"},
                    "author": {"type": "string"},
                    "language": {"type": "string"},
                    "place": {"type": "string"},
                    "point": location
                }},
                "ReportUpdate": {"type": "object", "additionalProperties": false, "minProperties": 1, "properties": {
                    "category": {"type": "string", "enum": ["rescue", "casualties", "damage", "utilities", "access", "hazard", "needs", "shelter", "solidarity", "official", "weather", "other"]},
                    "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
                    "verification": {"type": "string", "enum": ["unverified", "confirmed", "rumor", "debunked"]},
                    "status": {"type": "string", "enum": ["new", "triaged", "dismissed"]},
                    "summary": {"type": ["string", "null"], "maxLength": 500},
                    "location": location
                }},
                "NewToken": {"type": "object", "additionalProperties": false, "required": ["name", "role"], "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 80},
                    "role": {"type": "string", "enum": ["volunteer", "coordinator", "authority"]}
                }}
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
