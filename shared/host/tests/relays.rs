//! The relay workflow through the API as volunteers and coordinators use it, with the relay
//! accounts built by `vigie_host::posters` from a crisis file's `[[relay]]` and posting to
//! loopback fakes of Mastodon and of a Bluesky PDS: drafted, checked, approved, posted to
//! each account exactly once (a second click, two calls at once, a call retried after a
//! timeout), failures retried with their keys, the log, share links and reminders.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;
use vigie_app::collect::{run_source, Budget, RUN_TIME};
use vigie_app::demo::{self, DemoSource};
use vigie_app::{api, tokens, Vigie};
use vigie_conformance::fakes::{
    mount_mastodon, mount_pds, MASTODON_TOKEN, PDS_HANDLE, PDS_PASSWORD,
};
use vigie_domain::ports::ReportQuery;
use vigie_domain::relay::TargetState;
use vigie_domain::taxonomy::Role;
use vigie_domain::{Crisis, Gazetteer};
use wiremock::MockServer;

struct World {
    _dir: tempfile::TempDir,
    app: Vigie,
    volunteer: String,
    coordinator: String,
    report: String,
}

async fn world(
    masto: &MockServer,
    pds: &MockServer,
    env: &dyn Fn(&str) -> Option<String>,
) -> World {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "{}\n[[sources]]\nid = \"masto-tags\"\nkind = \"mastodon\"\ninstance = \"{}\"\nhashtags = [\"Kalina\", \"gwada\"]\n\n[[relay]]\nid = \"asso-masto\"\nkind = \"mastodon\"\ninstance = \"{}\"\ntoken_env = \"RELAY_MASTO_TOKEN\"\n\n[[relay]]\nid = \"asso-bsky\"\nkind = \"bluesky\"\nservice = \"{}\"\nhandle_env = \"RELAY_BSKY_HANDLE\"\npassword_env = \"RELAY_BSKY_PASSWORD\"\n",
        demo::CRISIS_TOML,
        masto.uri(),
        masto.uri(),
        pds.uri()
    );
    let crisis = Crisis::parse("crisis.toml", &toml).unwrap();
    let posters = vigie_host::posters(&crisis, env).unwrap();
    let app = Vigie::new(
        crisis,
        Gazetteer::guadeloupe(),
        Arc::new(vigie_local::SqliteStore::open(&dir.path().join("vigie.db")).unwrap()),
        Arc::new(vigie_local::FolderPublisher::new(&dir.path().join("public")).unwrap()),
        Arc::new(vigie_local::LogNotifier),
    )
    .with_posters(posters);
    run_source(
        &app,
        &DemoSource::new("demo-stream", 3),
        Budget::within(RUN_TIME),
    )
    .await;
    let report = app
        .store
        .list_reports(&ReportQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let issue = |role, name: &'static str| {
        let app = app.clone();
        async move {
            tokens::issue(app.store.as_ref(), role, name, "test")
                .await
                .unwrap()
                .secret
        }
    };
    World {
        volunteer: issue(Role::Volunteer, "Lyne").await,
        coordinator: issue(Role::Coordinator, "Coordination").await,
        app,
        report,
        _dir: dir,
    }
}

fn credentials(var: &str) -> Option<String> {
    match var {
        "RELAY_MASTO_TOKEN" => Some(MASTODON_TOKEN.into()),
        "RELAY_BSKY_HANDLE" => Some(PDS_HANDLE.into()),
        "RELAY_BSKY_PASSWORD" => Some(PDS_PASSWORD.into()),
        _ => None,
    }
}

async fn call(
    app: &Vigie,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("Authorization", format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            req = req.header("Content-Type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let resp = api::router(app.clone())
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

const TEXT: &str = "Consignes de la préfecture : restez chez vous jusqu'à la levée de l'alerte. https://prefecture.example/consignes #Gwada";

async fn drafted(w: &World) -> Value {
    let (status, body) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": w.report, "kind": "official", "text": TEXT})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn a_draft_approved_by_a_coordinator_is_posted_once_to_each_account_and_logged() {
    let (masto, bsky) = (MockServer::start().await, MockServer::start().await);
    let statuses = mount_mastodon(&masto).await;
    let pds = mount_pds(&bsky).await;
    let w = world(&masto, &bsky, &credentials).await;

    // The text is checked against each account's network.
    let (status, body) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": w.report, "kind": "official", "text": "é".repeat(301)})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
        + &body.to_string();
    assert!(
        message.contains("301 characters for bluesky, over its 300"),
        "{body}"
    );
    let (status, body) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": "nope", "kind": "official", "text": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let draft = drafted(&w).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(
        draft["drafted_by"].as_str().unwrap().split(' ').next(),
        Some("Lyne")
    );
    // Share links for the networks without a posting API, the text prefilled.
    let share = draft["share"].as_array().unwrap();
    let whatsapp = share.iter().find(|s| s["network"] == "whatsapp").unwrap();
    assert!(whatsapp["url"]
        .as_str()
        .unwrap()
        .starts_with("https://wa.me/?text=Consignes%20de%20la%20pr%C3%A9fecture"));
    let facebook = share.iter().find(|s| s["network"] == "facebook").unwrap();
    assert_eq!(
        facebook["url"],
        "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fprefecture.example%2Fconsignes"
    );
    let id = draft["id"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/relays/{id}/approve");

    // A volunteer may not approve.
    let (status, _) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.volunteer,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A stale version is refused.
    let (status, _) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 7})),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);

    let (status, posted) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1, "remind_every_hours": 6})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(posted["status"], "posted", "{posted}");
    assert_eq!(
        posted["approved_by"].as_str().unwrap().split(' ').next(),
        Some("Coordination")
    );
    let targets = posted["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    let masto_target = targets
        .iter()
        .find(|t| t["account"] == "asso-masto")
        .unwrap();
    assert_eq!(masto_target["url"], "https://mastodon.example/@asso/110000");
    let bsky_target = targets
        .iter()
        .find(|t| t["account"] == "asso-bsky")
        .unwrap();
    let rkey = bsky_target["key"].as_str().unwrap();
    assert_eq!(
        bsky_target["url"],
        format!("https://bsky.app/profile/{PDS_HANDLE}/post/{rkey}")
    );
    // The reminder is due six hours after the post.
    let posted_at =
        chrono::DateTime::parse_from_rfc3339(masto_target["posted_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(posted["due_again"].as_str().unwrap()).unwrap();
    assert!(due - posted_at >= chrono::Duration::hours(6) - chrono::Duration::seconds(5));

    // The coordinator's request sent again: nothing posted twice.
    let (status, again) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["targets"], posted["targets"]);
    assert_eq!(statuses.made.lock().unwrap().len(), 1);
    assert_eq!(pds.records.lock().unwrap().len(), 1);
    let record = pds.records.lock().unwrap()[rkey].clone();
    assert_eq!(record["text"], TEXT);
    assert_eq!(
        record["facets"].as_array().unwrap().len(),
        2,
        "the link and #Gwada"
    );

    // The log, and the report's history: who drafted, approved and posted what, where.
    let (_, log) = call(&w.app, Method::GET, "/api/v1/relays", &w.volunteer, None).await;
    assert_eq!(log["items"][0]["id"], id);
    assert_eq!(
        log["accounts"],
        json!([{"id": "asso-masto", "network": "mastodon"}, {"id": "asso-bsky", "network": "bluesky"}])
    );
    let history = w.app.store.history(&w.report).await.unwrap();
    let actions: Vec<&str> = history
        .iter()
        .map(|h| h.action.as_str())
        .filter(|a| a.starts_with("relay"))
        .collect();
    assert_eq!(
        actions,
        ["relay_draft", "relay_approve", "relay_post", "relay_post"]
    );
    let post = history.iter().find(|h| h.action == "relay_post").unwrap();
    assert!(post.changes["relay"]["after"]["url"].as_str().is_some());
}

#[tokio::test]
async fn two_approvals_at_once_post_once() {
    let (masto, bsky) = (MockServer::start().await, MockServer::start().await);
    let statuses = mount_mastodon(&masto).await;
    let pds = mount_pds(&bsky).await;
    let w = world(&masto, &bsky, &credentials).await;
    let id = drafted(&w).await["id"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/relays/{id}/approve");
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let (app, token, uri) = (w.app.clone(), w.coordinator.clone(), approve.clone());
            tokio::spawn(async move {
                call(
                    &app,
                    Method::POST,
                    &uri,
                    &token,
                    Some(json!({"version": 1})),
                )
                .await
            })
        })
        .collect();
    for c in calls {
        let (status, body) = c.await.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status} {body}"
        );
    }
    let relay = w.app.relays.relay(&id).await.unwrap().unwrap();
    assert!(
        relay.targets.iter().all(|t| t.state == TargetState::Posted),
        "{relay:?}"
    );
    assert_eq!(statuses.made.lock().unwrap().len(), 1, "one status");
    assert_eq!(pds.records.lock().unwrap().len(), 1, "one record");
}

#[tokio::test]
async fn a_call_that_timed_out_after_sending_is_retried_with_the_same_keys_and_posts_nothing_twice()
{
    let (masto, bsky) = (MockServer::start().await, MockServer::start().await);
    let statuses = mount_mastodon(&masto).await;
    let pds = mount_pds(&bsky).await;
    let w = world(&masto, &bsky, &credentials).await;
    let id = drafted(&w).await["id"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/relays/{id}/approve");
    let (_, first) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(first["status"], "posted");

    // As if the function had died after sending and before recording: both accounts left
    // `posting` three minutes ago, the posts made on the networks.
    let mut relay = w.app.relays.relay(&id).await.unwrap().unwrap();
    for t in &mut relay.targets {
        t.state = TargetState::Posting;
        t.url = None;
        t.attempt_at = Some(chrono::Utc::now() - chrono::Duration::minutes(3));
    }
    relay.status = vigie_domain::relay::RelayStatus::Approved;
    w.app.relays.save_relay(&relay).await.unwrap();

    let (status, retried) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["status"], "posted");
    for (a, b) in first["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(retried["targets"].as_array().unwrap())
    {
        assert_eq!(a["url"], b["url"], "the same posts");
        assert_eq!(b["attempts"], 2);
    }
    assert_eq!(statuses.made.lock().unwrap().len(), 1);
    assert_eq!(pds.records.lock().unwrap().len(), 1);

    // Left `posting` a moment ago (another call still on its way): not sent again.
    let mut relay = w.app.relays.relay(&id).await.unwrap().unwrap();
    relay.targets[0].state = TargetState::Posting;
    relay.targets[0].attempt_at = Some(chrono::Utc::now());
    relay.status = vigie_domain::relay::RelayStatus::Approved;
    let relay = w.app.relays.save_relay(&relay).await.unwrap();
    let (_, busy) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(busy["status"], "approved");
    assert_eq!(busy["targets"][0]["state"], "posting");
    assert_eq!(busy["targets"][0]["attempts"], relay.targets[0].attempts);
}

#[tokio::test]
async fn a_failed_account_is_retried_with_its_key_and_missing_credentials_are_named() {
    let (masto, bsky) = (MockServer::start().await, MockServer::start().await);
    let statuses = mount_mastodon(&masto).await;
    let pds = mount_pds(&bsky).await;
    *pds.down.lock().unwrap() = true;
    // No Mastodon token here.
    let w = world(&masto, &bsky, &|var: &str| {
        (var != "RELAY_MASTO_TOKEN")
            .then(|| credentials(var))
            .flatten()
    })
    .await;
    let id = drafted(&w).await["id"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/relays/{id}/approve");
    let (status, failed) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    assert_eq!(failed["status"], "failed");
    let masto_target = failed["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account"] == "asso-masto")
        .unwrap()
        .clone();
    assert!(
        masto_target["error"]
            .as_str()
            .unwrap()
            .contains("RELAY_MASTO_TOKEN is not set"),
        "{masto_target}"
    );
    let bsky_target = failed["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account"] == "asso-bsky")
        .unwrap()
        .clone();
    assert_eq!(bsky_target["state"], "failed");
    assert!(statuses.made.lock().unwrap().is_empty());

    // The PDS is back: approving again posts to it under the same key.
    *pds.down.lock().unwrap() = false;
    let (_, retried) = call(
        &w.app,
        Method::POST,
        &approve,
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    let bsky_after = retried["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account"] == "asso-bsky")
        .unwrap()
        .clone();
    assert_eq!(bsky_after["state"], "posted", "{retried}");
    assert_eq!(bsky_after["key"], bsky_target["key"]);
    assert_eq!(retried["status"], "failed", "Mastodon still has no token");
    assert_eq!(pds.records.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_draft_can_be_withdrawn_and_then_never_posted() {
    let (masto, bsky) = (MockServer::start().await, MockServer::start().await);
    let statuses = mount_mastodon(&masto).await;
    mount_pds(&bsky).await;
    let w = world(&masto, &bsky, &credentials).await;
    let id = drafted(&w).await["id"].as_str().unwrap().to_string();
    let (status, withdrawn) = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/relays/{id}/withdraw"),
        &w.coordinator,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(withdrawn["status"], "withdrawn");
    let (status, _) = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/relays/{id}/approve"),
        &w.coordinator,
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(statuses.made.lock().unwrap().is_empty());
    let (status, body) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": w.report, "kind": "rumour", "text": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// The contract's shape: `{"report", "text", "accounts"}` to draft, an approval with no body;
/// the accounts chosen are the only ones posted to, and none means share links only.
#[tokio::test]
async fn a_draft_goes_to_the_accounts_chosen_and_an_approval_needs_no_body() {
    let (masto, bsky) = (MockServer::start().await, MockServer::start().await);
    let statuses = mount_mastodon(&masto).await;
    let pds = mount_pds(&bsky).await;
    let w = world(&masto, &bsky, &credentials).await;

    let (status, body) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": w.report, "text": TEXT, "accounts": ["asso-masto", "asso-fb"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("asso-fb") && message.contains("asso-masto, asso-bsky"),
        "{message}"
    );

    // Mastodon only: 301 graphemes are refused by Bluesky, not by Mastodon.
    let long = format!(
        "{} {}",
        "Abri ouvert à la salle des fêtes.".repeat(9),
        "#Gwada"
    );
    assert!(long.chars().count() > 300 && long.chars().count() <= 500);
    let (status, drafted) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": w.report, "text": long, "accounts": ["asso-masto"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{drafted}");
    assert_eq!(drafted["accounts"], json!(["asso-masto"]));
    assert!(
        drafted["kind"] == "official" || drafted["kind"] == "solidarity",
        "{drafted}"
    );
    let id = drafted["id"].as_str().unwrap();
    let (status, posted) = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/relays/{id}/approve"),
        &w.coordinator,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(posted["status"], "posted");
    assert_eq!(posted["targets"].as_array().unwrap().len(), 1);
    assert_eq!(statuses.made.lock().unwrap().len(), 1);
    assert!(pds.records.lock().unwrap().is_empty(), "nothing to Bluesky");

    // Share links only: approved, posted nowhere, its reminder counted from the approval.
    let (status, drafted) = call(
        &w.app,
        Method::POST,
        "/api/v1/relays",
        &w.volunteer,
        Some(json!({"report": w.report, "text": TEXT, "accounts": [], "kind": "solidarity"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{drafted}");
    let id = drafted["id"].as_str().unwrap();
    let (status, approved) = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/relays/{id}/approve"),
        &w.coordinator,
        Some(json!({"remind_every_hours": 4})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "posted");
    assert!(approved["due_again"].is_string(), "{approved}");
    assert!(approved["share"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["network"] == "whatsapp"));
    assert_eq!(statuses.made.lock().unwrap().len(), 1, "no second post");

    let (_, log) = call(&w.app, Method::GET, "/api/v1/relays", &w.volunteer, None).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 2);
    assert_eq!(log["hashtags"], json!(["#Kalina", "#gwada"]));
    // The answers carry what the OpenAPI document says they do.
    let (_, doc) = call(&w.app, Method::GET, "/api/v1/openapi.json", "", None).await;
    let schemas = &doc["components"]["schemas"];
    for (name, value) in [("Relays", &log), ("Relay", &log["items"][0])] {
        for field in schemas[name]["required"].as_array().unwrap() {
            let field = field.as_str().unwrap();
            assert!(value.get(field).is_some(), "{name}.{field} in {value}");
        }
    }
    for field in schemas["RelayDraft"]["properties"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(["report", "text", "accounts", "kind"].contains(&field.as_str()));
    }
}
