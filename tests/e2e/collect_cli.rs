//! `vigie collect --once` with a crisis file whose sources point at servers on loopback that
//! speak Mastodon's, Bluesky's and a feed's documented formats: every post stored once (a second
//! run stores nothing new), each source's health shown, and each failure in one clear line
//! without stopping the other sources.

use serde_json::{json, Value};
use vigie_e2e::run_vigie;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../shared/sources/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn statuses() -> Value {
    let base: Value = serde_json::from_str(&fixture("mastodon_status.json")).unwrap();
    let page: Vec<Value> = (1..=5)
        .rev()
        .map(|i| {
            let mut s = base.clone();
            s["id"] = json!(format!("{}", 1000 + i));
            s["uri"] = json!(format!(
                "https://mastodon.example/users/ti_mano/statuses/{}",
                1000 + i
            ));
            s["content"] = json!(format!(
                "<p>Route {i} coupée à Petit-Bourg, arbres en travers</p>"
            ));
            s
        })
        .collect();
    json!(page)
}

async fn run(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_vigie(&refs)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_once_from_loopback_networks() {
    let masto = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(statuses()))
        .mount(&masto)
        .await;
    let bsky = MockServer::start().await;
    // Once for every run: the session is kept in the data dir's store between processes.
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(1)
        .mount(&bsky)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("bluesky_search.json").replace("\"cursor\": \"50\",", "")),
        )
        .mount(&bsky)
        .await;
    let feeds = MockServer::start().await;
    Mock::given(path("/alerts.rss"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("rss.xml")))
        .mount(&feeds)
        .await;
    Mock::given(path("/down.rss"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&feeds)
        .await;
    Mock::given(path("/busy.rss"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&feeds)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let crisis = dir.path().join("crisis.toml");
    std::fs::write(
        &crisis,
        format!(
            r#"
[crisis]
id = "gp-test"
name = "Test"
bbox = [-61.85, 15.83, -61.00, 16.52]
since = "2026-09-13T00:00:00Z"
official_accounts = ["{feed}/alerts.rss"]

[[sources]]
id = "masto"
kind = "mastodon"
instance = "{masto}"
hashtags = ["Guadeloupe"]

[[sources]]
id = "bsky"
kind = "bluesky"
service = "{bsky}"
query = "Guadeloupe cyclone"
handle_env = "VIGIE_TEST_BSKY_HANDLE"
password_env = "VIGIE_TEST_BSKY_PASSWORD"

[[sources]]
id = "prefecture"
kind = "feed"
url = "{feed}/alerts.rss"
official = true

[[sources]]
id = "down"
kind = "feed"
url = "{feed}/down.rss"

[[sources]]
id = "busy"
kind = "feed"
url = "{feed}/busy.rss"
"#,
            masto = masto.uri(),
            bsky = bsky.uri(),
            feed = feeds.uri(),
        ),
    )
    .unwrap();
    std::env::set_var("VIGIE_TEST_BSKY_HANDLE", "vigie-watch.bsky.example");
    std::env::set_var("VIGIE_TEST_BSKY_PASSWORD", "not-a-real-password");
    let data = dir.path().join("data");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = vec![
            "collect".into(),
            "--once".into(),
            "--crisis".into(),
            crisis.display().to_string(),
            "--data-dir".into(),
            data.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };

    let (code, out, err) = run(args(&[])).await;
    assert_eq!(code, 1, "one source failed: exit 1\n{out}\n{err}");
    assert!(out.contains("masto: 5 new"), "{out}");
    assert!(out.contains("bsky: 2 new"), "{out}");
    assert!(
        out.contains("prefecture: 2 new, 0 already stored, 1 skipped: no text"),
        "{out}"
    );
    assert!(out.contains("collected in all"), "health shown: {out}");
    let prefecture = out.lines().find(|l| l.starts_with("prefecture:")).unwrap();
    assert!(
        prefecture.contains(
            "2 collected in all, 1 skipped in all; last run 2 new, 0 already stored, 1 skipped: no text; last success 20"
        )
            && prefecture.contains("last error none"),
        "{prefecture}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("busy: waiting until ") && l.contains("next call allowed at")),
        "a rate-limited source waits, on stdout: {out}"
    );
    let failures: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(failures.len(), 1, "{err}");
    assert!(
        failures[0].starts_with("down: FAILED") && failures[0].contains("HTTP 503"),
        "{err}"
    );
    for secret in [
        "not-a-real-password",
        "ACCESS-JWT",
        "REFRESH-JWT",
        "#session",
    ] {
        assert!(!err.contains(secret) && !out.contains(secret), "{secret}");
    }

    let (_, out, _) = run(args(&[])).await;
    assert!(
        out.contains("masto: 0 new, 5 already stored"),
        "a second run stores nothing new: {out}"
    );
    assert!(out.contains("bsky: 0 new"), "{out}");
    assert!(out.contains("5 collected in all"), "{out}");

    let (code, out, err) = run(args(&["--source", "prefecture"])).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("prefecture:"), "{out}");

    let (code, out, err) = run(args(&["--source", "busy"])).await;
    assert_eq!(code, 0, "waiting is no failure: {out}\n{err}");
    assert!(out.starts_with("busy: waiting until "), "{out}");
}
