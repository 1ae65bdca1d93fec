//! The router's requests and answers as Lambda delivers them: API Gateway HTTP API (v2) event
//! payloads through `lambda_http`'s adapter, the same path `lambda_http::run` takes.

use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use serde_json::Value;
use std::sync::Arc;
use vigie_app::collect::{run_source, Budget, RUN_TIME};
use vigie_app::demo::{self, DemoSource};
use vigie_app::{api, tokens, Vigie};
use vigie_domain::taxonomy::Role;
use vigie_domain::{Crisis, Gazetteer};

async fn app(dir: &tempfile::TempDir) -> Vigie {
    app_with(dir, demo::CRISIS_TOML).await
}

async fn app_with(dir: &tempfile::TempDir, crisis: &str) -> Vigie {
    let app = Vigie::new(
        Crisis::parse("demo", crisis).unwrap(),
        Gazetteer::guadeloupe(),
        Arc::new(vigie_local::SqliteStore::open(&dir.path().join("v.db")).unwrap()),
        Arc::new(vigie_local::FolderPublisher::new(&dir.path().join("p")).unwrap()),
        Arc::new(vigie_local::LogNotifier),
    );
    run_source(
        &app,
        &DemoSource::new("demo-stream", 3),
        Budget::within(RUN_TIME),
    )
    .await;
    app
}

async fn invoke(app: &Vigie, event: &str) -> Value {
    let request: LambdaRequest = serde_json::from_str(event).expect("an API Gateway v2 event");
    let mut adapter = Adapter::from(api::router(app.clone()));
    let response = adapter
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .expect("a response");
    serde_json::to_value(response).unwrap()
}

fn event(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/events/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn queue_and_update_through_api_gateway_v2_events() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    let token = tokens::issue(app.store.as_ref(), Role::Volunteer, "Lyne", "test")
        .await
        .unwrap()
        .secret;

    let out = invoke(&app, &event("get_reports.json").replace("TOKEN", &token)).await;
    assert_eq!(out["statusCode"], 200, "{out}");
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the query string reached the router");
    assert!(items
        .iter()
        .all(|i| i["suggested_priority"] == "critical" || i["priority"] == "critical"));
    assert!(out["headers"]["content-type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));

    let id = items[0]["id"].as_str().unwrap();
    let version = items[0]["version"].to_string();
    let patch = event("patch_report.json")
        .replace("TOKEN", &token)
        .replace("/ID", &format!("/{id}"))
        .replace("VERSION", &version);
    let out = invoke(&app, &patch).await;
    assert_eq!(out["statusCode"], 200, "{out}");
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["summary"], "Famille sur un toit",
        "the base64 body was decoded"
    );
    assert_eq!(out["headers"]["etag"], format!("\"{}\"", body["version"]));

    // The same event again is stale: 412 with the error body.
    let out = invoke(&app, &patch).await;
    assert_eq!(out["statusCode"], 412);
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "stale_version");

    // No token: 401, as JSON.
    let out = invoke(
        &app,
        &event("get_reports.json").replace("\"authorization\": \"Bearer TOKEN\",", ""),
    )
    .await;
    assert_eq!(out["statusCode"], 401);
}

fn body_of(out: &Value) -> Value {
    serde_json::from_str(out["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn hand_entry_export_and_limits_through_api_gateway_v2_events() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    let volunteer = tokens::issue(app.store.as_ref(), Role::Volunteer, "Lyne", "test")
        .await
        .unwrap()
        .secret;
    let coordinator = tokens::issue(app.store.as_ref(), Role::Coordinator, "Coord", "test")
        .await
        .unwrap()
        .secret;

    // A hand entry (plain, not base64, body), then the same post again: a duplicate.
    let entry = event("post_hand_entry.json").replace("TOKEN", &volunteer);
    let out = invoke(&app, &entry).await;
    assert_eq!(out["statusCode"], 201, "{out}");
    let created = body_of(&out);
    assert_eq!(created["network"], "facebook");
    assert_eq!(created["duplicate"], false);
    assert_eq!(created["location"]["place"], "Deshaies", "{created}");
    let out = invoke(&app, &entry).await;
    assert_eq!(out["statusCode"], 200, "{out}");
    assert_eq!(body_of(&out)["duplicate"], true);
    assert_eq!(body_of(&out)["id"], created["id"]);

    // The export, as CSV with its download name; a volunteer may not export.
    let out = invoke(
        &app,
        &event("get_export.json").replace("TOKEN", &coordinator),
    )
    .await;
    assert_eq!(out["statusCode"], 200);
    assert!(out["headers"]["content-type"]
        .as_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(out["headers"]["content-disposition"]
        .as_str()
        .unwrap()
        .contains(".csv"));
    let csv = out["body"].as_str().unwrap();
    assert!(
        csv.contains(created["id"].as_str().unwrap()),
        "the hand entry is in the table"
    );
    let out = invoke(&app, &event("get_export.json").replace("TOKEN", &volunteer)).await;
    assert_eq!(out["statusCode"], 403);
    assert!(body_of(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("exporting"));

    // A body over 64 KiB: 413 with the error body.
    let mut big: Value = serde_json::from_str(&entry).unwrap();
    big["body"] = Value::String(format!(
        "{{\"network\": \"facebook\", \"url\": \"https://f.example/1\", \"text\": \"{}\"}}",
        "a".repeat(70 * 1024)
    ));
    let out = invoke(&app, &big.to_string()).await;
    assert_eq!(out["statusCode"], 413, "{}", out["body"]);
    assert_eq!(body_of(&out)["error"]["code"], "too_large");
}

#[tokio::test]
async fn preflights_reach_the_router_which_answers_from_the_crisis_file() {
    // API Gateway has no CORS configuration of its own (infra/template.yaml): the router
    // answers preflights with the crisis file's origins, and only them.
    let dir = tempfile::tempdir().unwrap();
    let crisis = format!(
        "{}\n[triage]\ncors_origins = [\"https://volunteers.example\"]\n",
        demo::CRISIS_TOML
    );
    let app = app_with(&dir, &crisis).await;
    let out = invoke(&app, &event("preflight.json")).await;
    assert!(out["statusCode"].as_u64().unwrap() < 300, "{out}");
    assert_eq!(
        out["headers"]["access-control-allow-origin"],
        "https://volunteers.example"
    );
    let elsewhere =
        event("preflight.json").replace("https://volunteers.example", "https://evil.example");
    let out = invoke(&app, &elsewhere).await;
    assert!(
        out["headers"].get("access-control-allow-origin").is_none()
            || out["headers"]["access-control-allow-origin"].is_null(),
        "{out}"
    );
}
