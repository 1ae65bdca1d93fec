//! The first routes of the triage API, through the router as a host serves it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt;
use vigie_app::collect::{run_source, Budget, RUN_TIME};
use vigie_app::demo::{self, DemoSource};
use vigie_app::{api, tokens, Vigie};
use vigie_domain::taxonomy::Role;
use vigie_domain::{Crisis, Gazetteer};
use vigie_local::{FolderPublisher, SqliteStore};

async fn app() -> (tempfile::TempDir, Vigie) {
    let dir = tempfile::tempdir().unwrap();
    let app = Vigie::new(
        Crisis::parse("demo", demo::CRISIS_TOML).unwrap(),
        Gazetteer::guadeloupe(),
        Arc::new(SqliteStore::open(&dir.path().join("vigie.db")).unwrap()),
        Arc::new(FolderPublisher::new(&dir.path().join("public")).unwrap()),
        Arc::new(vigie_local::LogNotifier),
    );
    run_source(
        &app,
        &DemoSource::new("demo-stream", 3),
        Budget::within(RUN_TIME),
    )
    .await;
    (dir, app)
}

async fn call(app: &Vigie, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    let mut req = Request::get(uri);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = api::router(app.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn tokens_open_the_queue_and_nothing_else_does() {
    let (_dir, app) = app().await;
    let (status, body) = call(&app, "/healthz", None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    let (status, body) = call(&app, "/api/v1/reports", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = call(&app, "/api/v1/reports", Some("vigie_not_a_token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let issued = tokens::issue(app.store.as_ref(), Role::Volunteer, "Lyne", "test")
        .await
        .unwrap();
    let (status, body) = call(&app, "/api/v1/reports?limit=5", Some(&issued.secret)).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(body["next_cursor"].is_string());
    for field in [
        "id",
        "version",
        "status",
        "network",
        "source_url",
        "author",
        "official",
        "text",
        "language",
        "posted_at",
        "collected_at",
        "suggested_category",
        "suggested_priority",
        "category",
        "priority",
        "verification",
        "location",
        "summary",
        "cluster_id",
        "cluster_size",
        "claimed_by",
        "claim_expires_at",
        "escalated",
        "published_at",
    ] {
        assert!(items[0].get(field).is_some(), "report JSON lacks {field}");
    }
    assert_eq!(
        items[0]["suggested_priority"], "critical",
        "the queue starts with what is most urgent"
    );

    let next = body["next_cursor"].as_str().unwrap();
    let (status, page2) = call(
        &app,
        &format!("/api/v1/reports?limit=5&cursor={next}"),
        Some(&issued.secret),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(page2["items"][0]["id"], items[0]["id"]);

    let id = items[0]["id"].as_str().unwrap();
    let (status, one) = call(&app, &format!("/api/v1/reports/{id}"), Some(&issued.secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one["history"].is_array());
    let (status, _) = call(&app, "/api/v1/reports/r000", Some(&issued.secret)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = call(&app, "/api/v1/sources", Some(&issued.secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"][0]["id"], "demo-stream");
    assert!(body["items"][0]["health"]["last_success_at"].is_string());

    app.store
        .revoke_token(&issued.record.id, chrono::Utc::now(), "test")
        .await
        .unwrap();
    let (status, body) = call(&app, "/api/v1/reports", Some(&issued.secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
}

#[tokio::test]
async fn bad_filters_name_the_parameter() {
    let (_dir, app) = app().await;
    let t = tokens::issue(
        app.store.as_ref(),
        Role::Authority,
        "Cellule de crise",
        "test",
    )
    .await
    .unwrap()
    .secret;
    for (query, needle) in [
        ("category=flood", "category"),
        ("priority=urgent", "priority"),
        ("limit=500", "limit"),
        ("limit=abc", "limit"),
        ("escalated=maybe", "escalated"),
        ("colour=red", "colour"),
        ("cursor=zz", "cursor"),
    ] {
        let (status, body) = call(&app, &format!("/api/v1/reports?{query}"), Some(&t)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    let (status, body) = call(&app, "/api/v1/reports?category=rescue&limit=200", Some(&t)).await;
    assert_eq!(status, StatusCode::OK);
    for item in body["items"].as_array().unwrap() {
        let cat = item["category"]
            .as_str()
            .or(item["suggested_category"].as_str());
        assert_eq!(cat, Some("rescue"));
    }
}
