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
    let app = Vigie::new(
        Crisis::parse("demo", demo::CRISIS_TOML).unwrap(),
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
    let token = tokens::issue(app.store.as_ref(), Role::Volunteer, "Lyne")
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
