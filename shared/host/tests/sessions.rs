//! The Bluesky session kept in the store between runs, as `vigie collect --once` runs them:
//! each run a new process (a new store handle, sources built anew by `sources()`), over the
//! same SQLite file, against a fake Bluesky that counts its logins. Bluesky limits session
//! creation to a few hundred a day: a run must go on with the session the run before left.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use vigie_app::collect::{Budget, RunSummary, RUN_TIME};
use vigie_app::{api, tokens, Vigie};
use vigie_domain::ports::session_key;
use vigie_domain::ports::store::*;
use vigie_domain::taxonomy::Role;
use vigie_domain::{Crisis, Gazetteer};
use vigie_host::{collect_once, sources};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as Seen, Respond, ResponseTemplate};

/// What the fake Bluesky knows: the access and refresh tokens it accepts, what it was asked.
#[derive(Default)]
struct Bluesky {
    logins: usize,
    refreshes: usize,
    access_ok: HashSet<String>,
    refresh_ok: HashSet<String>,
    /// The access token of each search, in order.
    searched_with: Vec<String>,
    /// Whether refreshSession answers at all (else 400 ExpiredToken).
    refuse_refresh: bool,
}

type Shared = Arc<Mutex<Bluesky>>;

fn bearer(req: &Seen) -> String {
    req.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string()
}

fn expired() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"}))
}

fn session(access: &str, refresh: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "accessJwt": access,
        "refreshJwt": refresh,
        "handle": "vigie-watch.bsky.example",
        "did": "did:plc:vigie",
        "email": "watch@example.org",
        "active": true
    }))
}

struct CreateSession(Shared);

impl Respond for CreateSession {
    fn respond(&self, _: &Seen) -> ResponseTemplate {
        let mut b = self.0.lock().unwrap();
        b.logins += 1;
        let (access, refresh) = (
            format!("ACCESS-{}", b.logins),
            format!("REFRESH-{}", b.logins),
        );
        b.access_ok.insert(access.clone());
        b.refresh_ok.insert(refresh.clone());
        session(&access, &refresh)
    }
}

struct RefreshSession(Shared);

impl Respond for RefreshSession {
    fn respond(&self, req: &Seen) -> ResponseTemplate {
        let mut b = self.0.lock().unwrap();
        let token = bearer(req);
        if b.refuse_refresh || !b.refresh_ok.remove(&token) {
            return expired();
        }
        b.refreshes += 1;
        let (access, refresh) = (
            format!("ACCESS-R{}", b.refreshes),
            format!("REFRESH-R{}", b.refreshes),
        );
        b.access_ok.insert(access.clone());
        b.refresh_ok.insert(refresh.clone());
        session(&access, &refresh)
    }
}

struct SearchPosts(Shared);

impl Respond for SearchPosts {
    fn respond(&self, req: &Seen) -> ResponseTemplate {
        let mut b = self.0.lock().unwrap();
        let token = bearer(req);
        b.searched_with.push(token.clone());
        if !b.access_ok.contains(&token) {
            return expired();
        }
        ResponseTemplate::new(200).set_body_json(json!({"posts": [{
            "uri": "at://did:plc:lyne/app.bsky.feed.post/3kxyz0001",
            "cid": "bafy1",
            "author": {"did": "did:plc:lyne", "handle": "lyne.bsky.example", "displayName": "Lyne"},
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "Arbre tombé sur la route à Goyave, circulation coupée",
                "createdAt": "2026-09-14T03:00:00.000Z",
                "langs": ["fr"]
            },
            "indexedAt": "2026-09-14T03:00:01.000Z"
        }]}))
    }
}

async fn bluesky() -> (MockServer, Shared) {
    let server = MockServer::start().await;
    let state = Shared::default();
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(CreateSession(state.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.refreshSession"))
        .respond_with(RefreshSession(state.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(SearchPosts(state.clone()))
        .mount(&server)
        .await;
    (server, state)
}

fn crisis(service: &str) -> Crisis {
    Crisis::parse(
        "test.toml",
        &format!(
            r#"[crisis]
id = "test-crisis"
name = "Test"
bbox = [-61.85, 15.83, -61.00, 16.52]
since = "2026-09-13T00:00:00Z"

[[sources]]
id = "bsky"
kind = "bluesky"
service = "{service}"
query = "cyclone"
handle_env = "BSKY_HANDLE"
password_env = "BSKY_PASSWORD"
"#
        ),
    )
    .unwrap()
}

fn env(var: &str) -> Option<String> {
    match var {
        "BSKY_HANDLE" => Some("vigie-watch.bsky.example".into()),
        "BSKY_PASSWORD" => Some("app-pass-s3cret".into()),
        _ => None,
    }
}

/// A new process: the store opened anew on the data dir's file.
fn app(dir: &tempfile::TempDir, service: &str) -> Vigie {
    Vigie::new(
        crisis(service),
        Gazetteer::guadeloupe(),
        Arc::new(vigie_local::SqliteStore::open(&dir.path().join("vigie.db")).unwrap()),
        Arc::new(vigie_local::FolderPublisher::new(&dir.path().join("public")).unwrap()),
        Arc::new(vigie_local::LogNotifier),
    )
}

/// One `vigie collect --once`: a new process, its sources built by `sources()`, one run.
async fn collect_once_in_a_new_process(dir: &tempfile::TempDir, service: &str) -> RunSummary {
    let app = app(dir, service);
    let planned = sources(&app.crisis, None, None, &env, &app.store).unwrap();
    let mut summaries = collect_once(&app, &planned, Budget::within(RUN_TIME)).await;
    assert_eq!(summaries.len(), 1);
    let summary = summaries.remove(0);
    assert!(summary.error.is_none(), "{summary}");
    summary
}

/// The session kept in the store, as the source wrote it.
async fn kept(dir: &tempfile::TempDir) -> Value {
    let store = vigie_local::SqliteStore::open(&dir.path().join("vigie.db")).unwrap();
    let raw = store
        .checkpoint(&session_key("bsky"))
        .await
        .unwrap()
        .expect("a session kept");
    serde_json::from_str(&raw).unwrap()
}

#[tokio::test]
async fn three_runs_in_new_processes_log_in_once() {
    let (server, fake) = bluesky().await;
    let dir = tempfile::tempdir().unwrap();
    let first = collect_once_in_a_new_process(&dir, &server.uri()).await;
    assert_eq!(first.new, 1, "{first}");
    for _ in 0..2 {
        collect_once_in_a_new_process(&dir, &server.uri()).await;
    }
    {
        let b = fake.lock().unwrap();
        assert_eq!(b.logins, 1, "createSession once for the three runs");
        assert_eq!(b.refreshes, 0);
        assert_eq!(b.searched_with, ["ACCESS-1", "ACCESS-1", "ACCESS-1"]);
    }
    let kept = kept(&dir).await;
    assert_eq!(kept["accessJwt"], "ACCESS-1");
    assert_eq!(kept["refreshJwt"], "REFRESH-1");
    assert_eq!(kept["did"], "did:plc:vigie");
    assert!(
        !kept.to_string().contains("s3cret"),
        "the app password is not kept: {kept}"
    );
}

#[tokio::test]
async fn an_expired_kept_session_is_refreshed_and_the_new_pair_kept() {
    let (server, fake) = bluesky().await;
    let dir = tempfile::tempdir().unwrap();
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    // The access token expires between runs.
    fake.lock().unwrap().access_ok.remove("ACCESS-1");
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    let kept = kept(&dir).await;
    assert_eq!(kept["accessJwt"], "ACCESS-R1");
    assert_eq!(kept["refreshJwt"], "REFRESH-R1");
    // The next run goes on with the refreshed session at once.
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    let b = fake.lock().unwrap();
    assert_eq!(b.logins, 1, "no new session");
    assert_eq!(b.refreshes, 1);
    assert_eq!(
        b.searched_with,
        ["ACCESS-1", "ACCESS-1", "ACCESS-R1", "ACCESS-R1"]
    );
}

#[tokio::test]
async fn a_refused_refresh_creates_a_new_session_and_keeps_it() {
    let (server, fake) = bluesky().await;
    let dir = tempfile::tempdir().unwrap();
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    {
        let mut b = fake.lock().unwrap();
        b.access_ok.remove("ACCESS-1");
        b.refuse_refresh = true;
    }
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    let kept = kept(&dir).await;
    assert_eq!(kept["accessJwt"], "ACCESS-2");
    assert_eq!(kept["refreshJwt"], "REFRESH-2");
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    let b = fake.lock().unwrap();
    assert_eq!(b.logins, 2, "one new session after the refusal, then kept");
    assert_eq!(b.refreshes, 0);
    assert_eq!(
        b.searched_with,
        ["ACCESS-1", "ACCESS-1", "ACCESS-2", "ACCESS-2"]
    );
}

#[tokio::test]
async fn a_session_kept_for_another_account_is_not_used() {
    let (server, fake) = bluesky().await;
    let dir = tempfile::tempdir().unwrap();
    collect_once_in_a_new_process(&dir, &server.uri()).await;
    // The operator points the source at another account: its session is made anew.
    let app = app(&dir, &server.uri());
    let other = |var: &str| match var {
        "BSKY_HANDLE" => Some("other.bsky.example".into()),
        v => env(v),
    };
    let planned = sources(&app.crisis, None, None, &other, &app.store).unwrap();
    let summaries = collect_once(&app, &planned, Budget::within(RUN_TIME)).await;
    assert!(summaries[0].error.is_none(), "{}", summaries[0]);
    assert_eq!(fake.lock().unwrap().logins, 2);
    assert_eq!(kept(&dir).await["accessJwt"], "ACCESS-2");
}

/// Every response body of the API a coordinator reads about sources, and the health.
async fn get(app: &Vigie, uri: &str, token: &str) -> (StatusCode, String) {
    let req = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = api::router(app.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn the_kept_session_shows_in_no_health_nor_api_answer() {
    let (server, _fake) = bluesky().await;
    let dir = tempfile::tempdir().unwrap();
    let summary = collect_once_in_a_new_process(&dir, &server.uri()).await;
    let line = summary.to_string();
    assert!(!line.contains("JWT") && !line.contains("ACCESS-"), "{line}");
    assert_eq!(
        kept(&dir).await["accessJwt"],
        "ACCESS-1",
        "kept, so there is one to leak"
    );

    let app = app(&dir, &server.uri());
    let health = app.store.source_health().await.unwrap();
    let ids: Vec<&str> = health.iter().map(|h| h.source_id.as_str()).collect();
    assert_eq!(ids, ["bsky"], "the session is no source");
    let text = serde_json::to_string(&health).unwrap();
    assert!(
        !text.contains("ACCESS-") && !text.contains("REFRESH-") && !text.contains("#session"),
        "{text}"
    );

    let issued = tokens::issue(app.store.as_ref(), Role::Coordinator, "Coord", "test")
        .await
        .unwrap();
    let (status, body) = get(&app, "/api/v1/sources", &issued.secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bsky"]);
    assert!(
        items["items"][0]["health"]["last_success_at"].is_string(),
        "{body}"
    );
    for uri in ["/api/v1/sources", "/api/v1/stats", "/api/v1/reports"] {
        let (status, body) = get(&app, uri, &issued.secret).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert!(
            !body.contains("ACCESS-") && !body.contains("REFRESH-") && !body.contains("#session"),
            "{uri}: {body}"
        );
    }
}
