//! Races between volunteers on both stores (SQLite, and DynamoDB on DynamoDB Local): five
//! volunteers entering one post by hand at the same moment, each under a network of their
//! own choosing, make one report, and every one of them is answered with it.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;
use vigie_app::{api, tokens, Vigie};
use vigie_domain::ports::{ReportQuery, ReportStore};
use vigie_domain::taxonomy::Role;
use vigie_domain::{Crisis, Gazetteer};
use vigie_local::{FolderPublisher, LogNotifier, SqliteStore};

const CRISIS: &str = "[crisis]\nid = \"race\"\nname = \"Race\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n\n[[sources]]\nid = \"demo-stream\"\nkind = \"demo\"\nevery = \"10s\"\n";
const NETWORKS: [&str; 5] = ["facebook", "instagram", "x", "whatsapp", "other"];
const ROUNDS: usize = 20;

fn app_on(store: Arc<dyn ReportStore>, public: &std::path::Path) -> Vigie {
    Vigie::new(
        Crisis::parse("crisis.toml", CRISIS).unwrap(),
        Gazetteer::guadeloupe(),
        store,
        Arc::new(FolderPublisher::new(public).unwrap()),
        Arc::new(LogNotifier),
    )
}

async fn enter(app: &Vigie, token: &str, network: &str, url: &str) -> (StatusCode, Value) {
    let body =
        json!({"network": network, "url": url, "text": "Route coupée à Goyave, arbre tombé"});
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/reports")
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = api::router(app.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// Five volunteers enter each of [`ROUNDS`] posts at once: one report per post, the same id
/// in all five answers, one of them "created" and the others "already in the table".
async fn simultaneous_hand_entries_make_one_report(app: Vigie) {
    let mut volunteers = Vec::new();
    for n in 0..NETWORKS.len() {
        let name = format!("Bénévole {n}");
        let token = tokens::issue(app.store.as_ref(), Role::Volunteer, &name, "test")
            .await
            .unwrap()
            .secret;
        volunteers.push(token);
    }
    for round in 0..ROUNDS {
        let url = format!("https://facebook.example/groupe/posts/{round}");
        let tasks: Vec<_> = volunteers
            .iter()
            .zip(NETWORKS)
            .enumerate()
            .map(|(n, (token, network))| {
                let (app, token) = (app.clone(), token.clone());
                // The same post as each one copied it: case, a fragment, a trailing slash.
                let url = match n % 3 {
                    0 => url.clone(),
                    1 => format!(
                        "{}/#comments",
                        url.replace("https://facebook", "HTTPS://Facebook")
                    ),
                    _ => format!("{url}/"),
                };
                tokio::spawn(async move { enter(&app, &token, network, &url).await })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        let created = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "round {round}: {answers:?}");
        for (status, body) in &answers {
            assert!(
                *status == StatusCode::CREATED || *status == StatusCode::OK,
                "round {round}: {status} {body}"
            );
        }
        let ids: std::collections::BTreeSet<&str> = answers
            .iter()
            .filter_map(|(_, b)| b["id"].as_str())
            .collect();
        assert_eq!(ids.len(), 1, "round {round}: {answers:?}");
    }
    // And the table holds one report per post, nothing else.
    let mut all = Vec::new();
    let mut query = ReportQuery {
        limit: 200,
        ..ReportQuery::default()
    };
    loop {
        let page = app.store.list_reports(&query).await.unwrap();
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        all.len(),
        ROUNDS,
        "{:?}",
        all.iter().map(|r| &r.source_url).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_hand_entries_make_one_report_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("vigie.db")).unwrap();
    simultaneous_hand_entries_make_one_report(app_on(Arc::new(store), &dir.path().join("public")))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_hand_entries_make_one_report_on_dynamodb() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = tokio::task::spawn_blocking(vigie_e2e::start_dynamodb_local)
        .await
        .expect("DynamoDB Local starts");
    let config = vigie_e2e::emulator_config(&emulator.url, "eu-west-3").await;
    let store = vigie_aws::DynamoStore::new(&config, "vigie-race");
    store.create_table().await.unwrap();
    simultaneous_hand_entries_make_one_report(app_on(Arc::new(store), &dir.path().join("public")))
        .await;
}
