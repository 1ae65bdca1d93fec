//! The source clients against HTTP servers on loopback that speak each network's documented
//! format (fixtures in `fixtures/`, written from the published API documentation).

mod common;

use chrono::Timelike;
use common::{fixture, http};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use vigie_domain::ports::{SessionKeeper, SkipReason, Source, SourceError, StoreError};
use vigie_domain::report::{Body, Engagement};
use vigie_domain::taxonomy::{Category, Priority};
use vigie_sources::{BlueskySource, FeedSource, MastodonSource};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A Mastodon status with this id, from the documented fixture.
fn status(id: u64) -> Value {
    let mut s: Value = serde_json::from_str(&fixture("mastodon_status.json")).unwrap();
    s["id"] = json!(id.to_string());
    s["uri"] = json!(format!(
        "https://mastodon.example/users/ti_mano/statuses/{id}"
    ));
    s["url"] = json!(format!("https://mastodon.example/@ti_mano/{id}"));
    s["content"] = json!(format!("<p>Arbre tombé route {id} à Goyave</p>"));
    s
}

fn masto(server: &MockServer, token: Option<&str>) -> MastodonSource {
    MastodonSource::new(
        "masto",
        &server.uri(),
        &["Guadeloupe".into(), "Gwada".into()],
        token.map(String::from),
        http(),
    )
}

/// A tag timeline over statuses 1001..=1100, answering `min_id` as Mastodon does: the 40
/// statuses just after it, newest first.
struct Timeline;

impl Respond for Timeline {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let min: u64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "min_id")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(1060);
        let ids: Vec<u64> = (min + 1..=1100).take(40).collect();
        let page: Vec<Value> = ids.iter().rev().map(|id| status(*id)).collect();
        ResponseTemplate::new(200).set_body_json(page)
    }
}

#[tokio::test]
async fn mastodon_pages_forward_with_min_id_until_caught_up() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/timelines/tag/Guadeloupe"))
        .and(query_param("any[]", "Gwada"))
        .and(query_param("limit", "40"))
        .respond_with(Timeline)
        .mount(&server)
        .await;
    let source = masto(&server, None);
    let mut checkpoint = Some("1000".to_string());
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
        pages += 1;
        seen.extend(batch.observations.iter().map(|o| o.native_id.clone()));
        checkpoint = batch.checkpoint.clone();
        if !batch.more {
            break;
        }
    }
    // 40, 40, 20, then an empty page: a short page is not the end of a timeline (instances
    // cap `limit` at different values), an empty one is.
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 100, "every status once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 100);
    assert_eq!(checkpoint.as_deref(), Some("1100"));
    // Caught up: the next call brings nothing new and keeps the checkpoint.
    let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
    assert!(batch.observations.is_empty());
    assert_eq!(batch.checkpoint.as_deref(), Some("1100"));
}

#[tokio::test]
async fn mastodon_status_becomes_an_observation() {
    let server = MockServer::start().await;
    let s: Value = serde_json::from_str(&fixture("mastodon_status.json")).unwrap();
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .and(header("authorization", "Bearer masto-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([s])))
        .mount(&server)
        .await;
    let batch = masto(&server, Some("masto-token"))
        .fetch(None)
        .await
        .unwrap();
    let o = &batch.observations[0];
    assert_eq!(o.network, "mastodon");
    assert_eq!(
        o.native_id,
        "https://mastodon.example/users/ti_mano/statuses/103270115826048975"
    );
    assert_eq!(
        o.url.as_deref(),
        Some("https://mastodon.example/@ti_mano/103270115826048975")
    );
    let host = server.uri().replace("http://", "");
    assert_eq!(
        o.author,
        format!("ti_mano@{host}"),
        "a local account gets the instance's host"
    );
    assert_eq!(o.author_name.as_deref(), Some("Ti Mano"));
    assert_eq!(o.language.as_deref(), Some("fr"));
    assert_eq!(o.media, 1);
    assert_eq!(
        o.counts,
        Some(Engagement {
            replies: 2,
            reposts: 5,
            likes: 11
        }),
        "replies_count, reblogs_count, favourites_count"
    );
    assert!(matches!(&o.body, Body::Html(h) if h.contains("#<span>PetitBourg</span>")));
    assert_eq!(batch.checkpoint.as_deref(), Some("103270115826048975"));
    assert!(!batch.more, "the first run takes the latest page only");
}

#[tokio::test]
async fn a_boost_is_a_spread_of_the_original_not_a_new_post() {
    let server = MockServer::start().await;
    let original = status(2001);
    let mut boost = status(2002);
    boost["uri"] = json!("https://other.example/users/lyne/statuses/2002/activity");
    boost["content"] = json!("");
    boost["reblog"] = original.clone();
    boost["favourites_count"] = json!(0);
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([boost])))
        .mount(&server)
        .await;
    let batch = masto(&server, None).fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 1);
    assert_eq!(
        batch.observations[0].native_id,
        original["uri"].as_str().unwrap()
    );
    assert_eq!(
        batch.observations[0].counts.map(|c| c.likes),
        Some(11),
        "the original's counts, not the boost's"
    );
    assert_eq!(
        batch.spreads,
        vec![(
            "mastodon".to_string(),
            original["uri"].as_str().unwrap().to_string(),
            "https://other.example/users/lyne/statuses/2002/activity".to_string()
        )]
    );
}

#[tokio::test]
async fn rate_limits_stop_the_run_with_the_time_to_wait() {
    // Mastodon's reset header is an ISO 8601 time, here five minutes from now.
    let reset = (chrono::Utc::now() + chrono::Duration::minutes(5))
        .with_nanosecond(0)
        .unwrap();
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(
            ResponseTemplate::new(429).insert_header(
                "X-RateLimit-Reset",
                reset
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    .as_str(),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    match masto(&server, None).fetch(None).await {
        Err(SourceError::RateLimited { until }) => assert_eq!(until, reset),
        other => panic!("{other:?}"),
    }
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "90"))
        .mount(&server)
        .await;
    let before = chrono::Utc::now();
    match masto(&server, None).fetch(None).await {
        Err(SourceError::RateLimited { until }) => {
            let wait = (until - before).num_seconds();
            assert!((89..=91).contains(&wait), "{wait}");
        }
        other => panic!("{other:?}"),
    }
}

/// Fails `n` times with `status`, then serves `body`.
struct FailThen {
    failures: usize,
    status: u16,
    body: Value,
    calls: Arc<AtomicUsize>,
}

impl Respond for FailThen {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.failures {
            ResponseTemplate::new(self.status)
                .set_body_string("<html><body>Bad gateway</body></html>")
        } else {
            ResponseTemplate::new(200).set_body_json(self.body.clone())
        }
    }
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed_or_fail_clearly() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(FailThen {
            failures: 1,
            status: 500,
            body: json!([status(3001)]),
            calls: calls.clone(),
        })
        .mount(&server)
        .await;
    let batch = masto(&server, None).fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one failure, one retry");

    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    match masto(&server, None).fetch(None).await {
        Err(SourceError::Transient(m)) => assert!(m.contains("HTTP 503 after 3 attempts"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_timeout_is_a_clear_transient_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    match masto(&server, None).fetch(None).await {
        Err(SourceError::Transient(m)) => assert!(m.contains("timed out"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn garbled_answers_are_named_without_repeating_them() {
    for (body, content_type, needle) in [
        (
            r#"[{"id": "1", "uri": "https://m.example/1", "content": "Famille bloquée sur le toi"#,
            "application/json",
            "truncated",
        ),
        (
            "<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>",
            "text/html",
            "HTML page",
        ),
        ("", "application/json", "empty answer"),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        match masto(&server, None).fetch(None).await {
            Err(SourceError::Transient(m)) => {
                assert!(m.contains(needle), "{needle}: {m}");
                assert!(
                    !m.contains("Famille"),
                    "the post's text is not repeated: {m}"
                );
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_malformed_item_is_skipped_and_the_rest_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([status(4003), {"id": "4002", "content": 12}, status(4001)])),
        )
        .mount(&server)
        .await;
    let batch = masto(&server, None).fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(batch.skipped.get(SkipReason::Unreadable), 1);
    assert_eq!(batch.skipped.total(), 1);
    assert_eq!(batch.checkpoint.as_deref(), Some("4003"));
}

#[tokio::test]
async fn an_instance_that_requires_a_token_is_a_clear_source_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "This API requires an authenticated user"})),
        )
        .mount(&server)
        .await;
    match masto(&server, None).fetch(None).await {
        Err(SourceError::Fatal(m)) => assert!(
            m.contains("requires an access token") && m.contains("token_env"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

fn bsky(server: &MockServer, password: &str) -> BlueskySource {
    BlueskySource::new(
        "bsky",
        &server.uri(),
        "Guadeloupe cyclone",
        "vigie-watch.bsky.example".into(),
        password.into(),
        http(),
    )
}

#[tokio::test]
async fn bluesky_logs_in_once_and_reuses_the_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-JWT-1"))
        .and(query_param("q", "Guadeloupe cyclone"))
        .and(query_param("sort", "latest"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_search.json")))
        .mount(&server)
        .await;
    let source = bsky(&server, "app-pass-1234");
    let first = source.fetch(None).await.unwrap();
    assert_eq!(first.observations.len(), 2);
    let o = &first.observations[0];
    assert_eq!(o.network, "bluesky");
    assert_eq!(
        o.native_id,
        "at://did:plc:abc123lynedemo/app.bsky.feed.post/3kxyzdemo0001"
    );
    assert_eq!(
        o.url.as_deref(),
        Some("https://bsky.app/profile/lyne-b.bsky.example/post/3kxyzdemo0001")
    );
    assert_eq!(o.language.as_deref(), Some("fr"));
    assert_eq!(o.media, 1);
    assert_eq!(
        o.counts,
        Some(Engagement {
            replies: 0,
            reposts: 3,
            likes: 7
        }),
        "replyCount, repostCount, likeCount"
    );
    assert_eq!(first.observations[1].counts.map(|c| c.likes), Some(1));
    assert!(first.more, "a cursor came back: more to read");
    let state: Value = serde_json::from_str(first.checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(state["cursor"], "50");
    assert_eq!(state["newest"], "2026-09-14T03:20:02.120Z");
    let second = source.fetch(first.checkpoint.as_deref()).await.unwrap();
    assert_eq!(second.observations.len(), 2);
}

#[tokio::test]
async fn bluesky_catches_up_and_searches_from_the_newest_post() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(query_param("cursor", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": []})))
        .mount(&server)
        .await;
    let source = bsky(&server, "pw");
    let state = json!({"since": "2026-09-14T02:00:00.000Z", "cursor": "50", "newest": "2026-09-14T03:20:02.120Z"}).to_string();
    let batch = source.fetch(Some(&state)).await.unwrap();
    assert!(!batch.more);
    let next: Value = serde_json::from_str(batch.checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(
        next,
        json!({"since": "2026-09-14T03:05:02.120Z"}),
        "from a little before the newest post seen"
    );
}

#[tokio::test]
async fn an_expired_bluesky_session_is_refreshed() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-JWT-1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.refreshSession"))
        .and(header("authorization", "Bearer REFRESH-JWT-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accessJwt": "ACCESS-JWT-2", "refreshJwt": "REFRESH-JWT-2", "handle": "x", "did": "did:plc:x"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-JWT-2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_search.json")))
        .mount(&server)
        .await;
    let batch = bsky(&server, "pw").fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
}

#[tokio::test]
async fn a_bluesky_login_failure_names_the_handle_never_the_password() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
        ))
        .mount(&server)
        .await;
    match bsky(&server, "s3cret-app-pass").fetch(None).await {
        Err(SourceError::Fatal(m)) => {
            assert!(
                m.contains("login failed") && m.contains("vigie-watch.bsky.example"),
                "{m}"
            );
            assert!(!m.contains("s3cret"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

async fn feed(body: impl AsRef<[u8]>) -> (MockServer, FeedSource) {
    let server = MockServer::start().await;
    Mock::given(path("/feed"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(body.as_ref().to_vec())
                .insert_header("ETag", "\"v1\""),
        )
        .mount(&server)
        .await;
    let source = FeedSource::new(
        "prefecture",
        &format!("{}/feed", server.uri()),
        true,
        http(),
    );
    (server, source)
}

#[tokio::test]
async fn rss_items_become_official_observations() {
    let (_server, source) = feed(&fixture("rss.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(
        batch.skipped.get(SkipReason::NoText),
        1,
        "an item with no text is skipped"
    );
    let o = &batch.observations[0];
    assert!(
        o.native_id.ends_with("/feed#avis-101"),
        "an id unique in its feed only is qualified by the feed: {}",
        o.native_id
    );
    assert!(o.official_source);
    assert_eq!(
        o.url.as_deref(),
        Some("https://alertes.example.gouv.fr/avis/101")
    );
    assert!(
        matches!(&o.body, Body::Html(h) if h.contains("Vigilance violette") && h.contains("appelez le 18"))
    );
    assert_eq!(o.posted_at.to_rfc3339(), "2026-09-14T02:00:00+00:00");
    assert_eq!(batch.checkpoint.as_deref(), Some(r#"{"etag":"\"v1\""}"#));
}

#[tokio::test]
async fn an_unchanged_feed_costs_nothing() {
    let server = MockServer::start().await;
    Mock::given(path("/feed"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    let source = FeedSource::new(
        "prefecture",
        &format!("{}/feed", server.uri()),
        true,
        http(),
    );
    let batch = source.fetch(Some(r#"{"etag":"\"v1\""}"#)).await.unwrap();
    assert!(batch.observations.is_empty());
    assert_eq!(batch.checkpoint, None, "the checkpoint stays");
}

#[tokio::test]
async fn atom_entries() {
    let (_server, source) = feed(&fixture("atom.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 1);
    assert_eq!(
        batch.observations[0].native_id,
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    );
    assert_eq!(batch.observations[0].language.as_deref(), Some("fr"));
}

#[tokio::test]
async fn cap_alerts_with_area_points_and_priority_hints() {
    let (_server, source) = feed(&fixture("cap.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2, "one per info block");
    let fr = &batch.observations[0];
    assert!(
        fr.native_id
            .ends_with("/feed#FR-971-CYCLONE-2026-0914-01#0"),
        "{}",
        fr.native_id
    );
    assert!(
        matches!(&fr.body, Body::Html(h) if h.contains("Vigilance violette") && h.contains("Restez confinés") && h.contains("Grande-Terre"))
    );
    let (lat, lon) = fr.point.unwrap();
    assert!(
        (lat - 16.31).abs() < 0.05 && (lon + 61.44).abs() < 0.05,
        "{lat} {lon}"
    );
    let hint = fr.hint.unwrap();
    assert_eq!(
        (hint.category, hint.priority),
        (Category::Weather, Priority::Critical)
    );
    assert_eq!(fr.posted_at.to_rfc3339(), "2026-09-14T06:30:00+00:00");
    assert_eq!(
        fr.insee,
        vec!["97101".to_string()],
        "the area's INSEE geocode"
    );
    assert!(batch.observations[1].insee.is_empty());
    assert_eq!(
        batch.observations[1].point,
        Some((16.2331, -61.5361)),
        "a circle's centre"
    );
}

#[tokio::test]
async fn usgs_geojson_earthquakes() {
    let (_server, source) = feed(&fixture("usgs.geojson")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    let big = &batch.observations[0];
    assert!(
        big.native_id.ends_with("/feed#us7000demo"),
        "{}",
        big.native_id
    );
    assert_eq!(
        big.point,
        Some((16.6, -61.1)),
        "GeoJSON is lon, lat: turned into lat, lon"
    );
    assert!(matches!(&big.body, Body::Plain(t) if t.contains("M 6.4") && t.contains("tsunami")));
    assert_eq!(
        big.posted_at.to_rfc3339(),
        "2026-09-14T04:43:20+00:00",
        "`time` is milliseconds since the epoch"
    );
    assert_eq!(
        big.url.as_deref(),
        Some("https://earthquake.example/eventpage/us7000demo")
    );
    assert_eq!(big.hint.unwrap().priority, Priority::High);
    assert!(
        matches!(&batch.observations[1].body, Body::Plain(t) if t == "M 2.1 - 10 km S of Basse-Terre")
    );
    assert_eq!(batch.observations[1].hint.unwrap().priority, Priority::Low);
}

#[tokio::test]
async fn feed_items_published_before_the_crisis_start_are_skipped_and_counted() {
    let (_server, source) = feed(&fixture("rss.xml")).await;
    let since = chrono::DateTime::parse_from_rfc3339("2026-09-14T01:30:00Z").unwrap();
    let batch = source.since(since.into()).fetch(None).await.unwrap();
    let ids: Vec<&str> = batch
        .observations
        .iter()
        .map(|o| o.native_id.as_str())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(ids[0].ends_with("#avis-101"), "{ids:?}");
    assert_eq!(batch.skipped.get(SkipReason::BeforeSince), 1);
    assert_eq!(batch.skipped.get(SkipReason::NoText), 1);
}

#[tokio::test]
async fn georss_points_from_gdacs_style_feeds() {
    let (_server, source) = feed(&fixture("gdacs_georss.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(batch.observations[0].point, Some((16.25, -61.58)));
    assert_eq!(batch.observations[1].point, Some((16.04, -61.70)));
    // GDACS's alert level gives the priority, whatever the language of the text.
    let priorities: Vec<_> = batch
        .observations
        .iter()
        .map(|o| o.hint.as_ref().map(|h| h.priority))
        .collect();
    assert_eq!(priorities, [Some(Priority::Critical), Some(Priority::Low)]);
}

#[tokio::test]
async fn cap_tests_exercises_and_system_messages_never_reach_the_queue() {
    let actual = fixture("cap.xml");
    assert!(actual.contains("<status>Actual</status>"));
    for status in ["Test", "Exercise", "System", "Draft"] {
        let (_server, source) = feed(actual.replace(
            "<status>Actual</status>",
            &format!("<status>{status}</status>"),
        ))
        .await;
        let batch = source.fetch(None).await.unwrap();
        assert!(batch.observations.is_empty(), "{status}");
        assert!(
            batch.skipped.get(SkipReason::NotActual) >= 1,
            "{status}: counted as skipped"
        );
    }
}

#[tokio::test]
async fn a_feed_that_is_no_feed_is_named() {
    let (_server, source) = feed("<html><body>Service indisponible</body></html>").await;
    match source.fetch(None).await {
        Err(SourceError::Transient(m)) => {
            assert!(m.contains("not RSS, Atom, CAP or GeoJSON"), "{m}");
            assert!(m.contains("root element is <html>"), "{m}");
            assert!(m.contains("error page"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // An encoding nobody reads is named as such, not taken for an error page.
    let (_server, source) =
        feed(r#"<?xml version="1.0" encoding="x-klingon"?><rss version="2.0"></rss>"#).await;
    match source.fetch(None).await {
        Err(SourceError::Transient(m)) => {
            assert!(m.contains("encoding `x-klingon`"), "{m}");
            assert!(!m.contains("error page"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

/// The text of every observation of a batch, as one string.
fn texts(batch: &vigie_domain::ports::Batch) -> String {
    batch
        .observations
        .iter()
        .map(|o| match &o.body {
            Body::Html(h) | Body::Plain(h) => h.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn feeds_are_read_in_the_encoding_they_declare_with_accents_intact() {
    for (file, expected) in [
        ("rss_latin1.xml", "Fermeture des écoles à Pointe-à-Pitre"),
        (
            "rss_windows1252.xml",
            "L’œuvre des bénévoles : distribution d’eau « au quai »",
        ),
        ("rss_windows1252.xml", "potable… à 10 h – apportez"),
        ("rss_utf16.xml", "L’œuvre des bénévoles"),
        // No declaration and bytes that are not UTF-8: read as Windows-1252.
        ("rss_undeclared_latin1.xml", "rivière du Grand Carbet"),
    ] {
        let (_server, source) = feed(fixture_bytes(file)).await;
        let batch = source
            .fetch(None)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!batch.observations.is_empty(), "{file}");
        let all = texts(&batch);
        assert!(all.contains(expected), "{file}: {all}");
        assert!(
            !all.contains('\u{fffd}') && !all.contains("Ã"),
            "{file}: {all}"
        );
    }
}

#[tokio::test]
async fn relative_links_are_made_absolute_against_the_feed_or_its_xml_base() {
    let (server, source) = feed(fixture_bytes("rss_latin1.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    let links: Vec<_> = batch
        .observations
        .iter()
        .filter_map(|o| o.url.clone())
        .collect();
    assert_eq!(
        links,
        [
            format!("{}/communiques/fermeture-ecoles", server.uri()),
            format!("{}/suivi/capesterre.html", server.uri()),
        ]
    );
    let (_server, source) = feed(fixture("atom_base.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(
        batch.observations[0].url.as_deref(),
        Some("https://meteo.example.fr/antilles/bulletins/9")
    );
}

#[tokio::test]
async fn rss_091_and_rss_10_rdf_feeds() {
    let (_server, source) = feed(fixture("rss091.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(
        batch.observations[0].url.as_deref(),
        Some("https://radio.example.gp/flash/traversee")
    );
    assert!(texts(&batch).contains("déviation par le nord"));
    let (_server, source) = feed(fixture("rss10_rdf.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 1);
    let o = &batch.observations[0];
    assert_eq!(
        o.posted_at.to_rfc3339(),
        "2026-09-14T03:30:00+00:00",
        "dc:date"
    );
    assert_eq!(
        o.url.as_deref(),
        Some("https://observatoire.example.fr/bulletins/42")
    );
    assert!(texts(&batch).contains("Houle de 6 à 8 mètres"));
}

#[tokio::test]
async fn a_cap_11_alert_in_latin1_keeps_its_text_parameters_and_default_language() {
    let (_server, source) = feed(fixture_bytes("cap11_latin1.xml")).await;
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 1);
    let o = &batch.observations[0];
    let all = texts(&batch);
    assert!(all.contains("Crue rapide de la Rivière Salée"), "{all}");
    assert!(
        all.contains("gagnez les étages"),
        "the CMAMtext parameter: {all}"
    );
    assert_eq!(
        o.language.as_deref(),
        Some("en-US"),
        "CAP's default language"
    );
    assert_eq!(o.url, None, "an empty <web> is no link");
    assert_eq!(o.point, Some((16.19, -61.59)));
    assert_eq!(o.posted_at.to_rfc3339(), "2026-09-14T08:30:00+00:00");
    let hint = o.hint.as_ref().unwrap();
    assert_eq!(hint.category, Category::Weather);
    assert_eq!(hint.priority, Priority::High, "Severe and Immediate");
}

#[tokio::test]
async fn fdsn_event_geojson_earthquakes_without_title_or_place() {
    let (_server, source) = feed(fixture("emsc_fdsn.geojson")).await;
    let batch = source.fetch(None).await.unwrap();
    assert!(batch.skipped.is_empty());
    assert_eq!(batch.observations.len(), 2);
    let first = &batch.observations[0];
    assert!(
        matches!(&first.body, Body::Plain(t) if t == "M 4.8 - LEEWARD ISLANDS"),
        "{:?}",
        first.body
    );
    assert!(
        first.native_id.ends_with("20260914_0000077"),
        "{}",
        first.native_id
    );
    assert_eq!(
        first.posted_at.to_rfc3339(),
        "2026-09-14T02:14:31.500+00:00"
    );
    assert_eq!(first.point, Some((16.52, -61.42)));
    assert_eq!(
        first.hint.as_ref().map(|h| h.category),
        Some(Category::Hazard)
    );
    let second = &batch.observations[1];
    assert!(
        matches!(&second.body, Body::Plain(t) if t == "M 3.1 earthquake"),
        "{:?}",
        second.body
    );
    assert!(
        second.native_id.ends_with("20260914_0000078"),
        "the unid: {}",
        second.native_id
    );
}

#[tokio::test]
async fn odd_geojson_features_are_skipped_or_kept_and_keys_stay_private() {
    let body = json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": "a1", "properties": null, "geometry": {"type": "Point", "coordinates": [-61.5, 16.2]}},
            {"type": "Feature", "properties": {"title": "Zone inondée"}, "geometry": {"type": "Polygon", "coordinates": [[[-61.5, 16.2], [-61.4, 16.2], [-61.4, 16.3], [-61.5, 16.2]]]}},
            {"type": "Feature", "properties": {"title": "Séisme ressenti", "time": 1_789_361_000_000_i64}, "geometry": {"type": "Point", "coordinates": [-61.6, 16.1]}},
            "not a feature"
        ]
    });
    let server = MockServer::start().await;
    Mock::given(path("/events.geojson"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let url = format!("{}/events.geojson?apikey=SECRET-KEY-123", server.uri());
    let source = FeedSource::new("events", &url, false, http());
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(
        batch.observations.len(),
        2,
        "a polygon feature is kept without a point"
    );
    assert_eq!(batch.skipped.get(SkipReason::NoText), 1, "no text");
    assert_eq!(
        batch.skipped.get(SkipReason::Unreadable),
        1,
        "not a feature"
    );
    assert_eq!(batch.observations[0].point, None);
    assert_eq!(batch.observations[1].point, Some((16.1, -61.6)));
    assert!(
        batch.observations[1].native_id.contains("#content-"),
        "an id made from content"
    );
    for o in &batch.observations {
        assert!(!o.author.contains("SECRET") && !o.native_id.contains("SECRET"));
    }
    let down = FeedSource::new(
        "down",
        &format!("{}/gone?token=SECRET-KEY-123", server.uri()),
        false,
        http(),
    );
    let err = down.fetch(None).await.unwrap_err().to_string();
    assert!(!err.contains("SECRET"), "{err}");
}

/// An RSS item with neither guid nor link: feed-rs alone would give it a random id on each
/// parse, a new report on every run.
const RSS_WITHOUT_IDS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Mairie</title><link>https://mairie.example/</link>
<description>Communiqués</description>
<item><title>Coupure d'eau à Capesterre</title><description>Retour prévu demain matin.</description><pubDate>Mon, 14 Sep 2026 05:00:00 GMT</pubDate></item>
<item><title>Coupure d'eau à Capesterre</title><description>Retour prévu ce soir.</description><pubDate>Mon, 14 Sep 2026 09:00:00 GMT</pubDate></item>
</channel></rss>"#;

#[tokio::test]
async fn an_rss_item_without_guid_or_link_keeps_its_id_from_one_fetch_to_the_next() {
    let (_server, source) = feed(RSS_WITHOUT_IDS).await;
    let first = source.fetch(None).await.unwrap();
    let second = source.fetch(None).await.unwrap();
    let ids = |b: &vigie_domain::ports::Batch| -> Vec<String> {
        b.observations.iter().map(|o| o.native_id.clone()).collect()
    };
    assert_eq!(first.observations.len(), 2);
    assert_eq!(ids(&first), ids(&second), "same items, same ids");
    assert_ne!(
        first.observations[0].native_id, first.observations[1].native_id,
        "two items with the same title but other text are two items"
    );
    assert!(first.observations[0].native_id.contains("#content-"));
}

#[tokio::test]
async fn a_rejected_mastodon_token_is_a_clear_source_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .and(header("authorization", "Bearer revoked-token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "The access token is invalid"})),
        )
        .mount(&server)
        .await;
    match masto(&server, Some("revoked-token")).fetch(None).await {
        Err(SourceError::Fatal(m)) => {
            assert!(
                m.contains("refused the access token") && m.contains("token_env"),
                "{m}"
            );
            assert!(
                !m.contains("revoked-token"),
                "the token is never repeated: {m}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A Bluesky post view, as `app.bsky.feed.searchPosts` returns them.
fn bsky_post(n: u32, minute: u32) -> Value {
    json!({
        "uri": format!("at://did:plc:demo{n}/app.bsky.feed.post/3kpost{n:04}"),
        "cid": format!("bafy{n}"),
        "author": {"did": format!("did:plc:demo{n}"), "handle": format!("user{n}.bsky.example")},
        "record": {"$type": "app.bsky.feed.post", "createdAt": format!("2026-09-14T03:{minute:02}:00.000Z"), "langs": ["fr"], "text": format!("Arbres tombés route {n} à Vieux-Habitants")},
        "replyCount": 0, "repostCount": 0, "likeCount": n,
        "indexedAt": format!("2026-09-14T03:{minute:02}:01.000Z")
    })
}

/// The query parameters of one request, in order.
type Query = Vec<(String, String)>;

/// Search over three pages chained by cursor, newest first; records each request's query.
struct ThreePages {
    seen: Arc<std::sync::Mutex<Vec<Query>>>,
}

impl Respond for ThreePages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let query: Query = req
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let cursor = query
            .iter()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v.clone());
        self.seen.lock().unwrap().push(query);
        let (posts, next) = match cursor.as_deref() {
            None => (vec![bsky_post(6, 50), bsky_post(5, 40)], Some("page-2")),
            Some("page-2") => (vec![bsky_post(4, 30), bsky_post(3, 20)], Some("page-3")),
            Some("page-3") => (vec![bsky_post(2, 10), bsky_post(1, 5)], None),
            Some(other) => panic!("unknown cursor {other}"),
        };
        let mut body = json!({"posts": posts});
        if let Some(c) = next {
            body["cursor"] = json!(c);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn bsky_logged_in() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn bluesky_first_run_searches_from_the_crisis_start() {
    let server = bsky_logged_in().await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(query_param("since", "2026-09-13T22:00:00.000Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": []})))
        .mount(&server)
        .await;
    let start = chrono::DateTime::parse_from_rfc3339("2026-09-13T18:00:00-04:00").unwrap();
    let batch = bsky(&server, "pw")
        .since(start.into())
        .fetch(None)
        .await
        .expect("searched from the crisis start");
    assert!(!batch.more);
}

#[tokio::test]
async fn bluesky_three_pages_of_cursor_continuity() {
    let server = bsky_logged_in().await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(ThreePages { seen: seen.clone() })
        .mount(&server)
        .await;
    let source = bsky(&server, "pw");
    let start = json!({"since": "2026-09-14T02:00:00.000Z"}).to_string();
    let mut checkpoint = Some(start);
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
        pages += 1;
        ids.extend(batch.observations.iter().map(|o| o.native_id.clone()));
        checkpoint = batch.checkpoint.clone();
        if !batch.more {
            break;
        }
        assert!(pages < 5, "paging must end");
    }
    assert_eq!(pages, 3);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (6, 6), "every post once");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let param =
        |q: &Vec<(String, String)>, k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    for (q, cursor) in requests.iter().zip([None, Some("page-2"), Some("page-3")]) {
        assert_eq!(
            param(q, "since").as_deref(),
            Some("2026-09-14T02:00:00.000Z")
        );
        assert_eq!(param(q, "limit").as_deref(), Some("100"));
        assert_eq!(param(q, "sort").as_deref(), Some("latest"));
        assert_eq!(param(q, "q").as_deref(), Some("Guadeloupe cyclone"));
        assert_eq!(param(q, "cursor").as_deref(), cursor);
    }
    let next: Value = serde_json::from_str(checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(
        next,
        json!({"since": "2026-09-14T03:35:01.000Z"}),
        "caught up: from a little before the newest post of the first page"
    );
}

#[tokio::test]
async fn bluesky_rate_limits_timeouts_and_garbled_answers() {
    let server = bsky_logged_in().await;
    let reset = chrono::Utc::now().timestamp() + 300;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("RateLimit-Reset", reset.to_string().as_str()),
        )
        .mount(&server)
        .await;
    match bsky(&server, "pw").fetch(None).await {
        Err(SourceError::RateLimited { until }) => assert_eq!(until.timestamp(), reset),
        other => panic!("{other:?}"),
    }

    let server = bsky_logged_in().await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"posts": []}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    match bsky(&server, "pw").fetch(None).await {
        Err(SourceError::Transient(m)) => assert!(m.contains("timed out"), "{m}"),
        other => panic!("{other:?}"),
    }

    for (body, content_type, needle) in [
        (
            r#"{"posts": [{"uri": "at://did:plc:x/app.bsky.feed.post/1", "record": {"text": "Famille bloquée"#,
            "application/json",
            "truncated",
        ),
        (
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            "HTML page",
        ),
        ("", "application/json", "empty answer"),
    ] {
        let server = bsky_logged_in().await;
        Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        match bsky(&server, "pw").fetch(None).await {
            Err(SourceError::Transient(m)) => {
                assert!(m.contains(needle), "{needle}: {m}");
                assert!(!m.contains("Famille"), "{m}");
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_malformed_bluesky_post_is_skipped_and_the_rest_kept() {
    let server = bsky_logged_in().await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "posts": [bsky_post(2, 10), {"uri": 42, "record": "no"}, bsky_post(1, 5)]
        })))
        .mount(&server)
        .await;
    let batch = bsky(&server, "pw").fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(batch.skipped.get(SkipReason::Unreadable), 1);
    assert_eq!(batch.skipped.total(), 1);
}

/// createSession: a first session, then a second one when asked again.
struct Sessions(Arc<AtomicUsize>);

impl Respond for Sessions {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "accessJwt": format!("ACCESS-LOGIN-{n}"),
            "refreshJwt": format!("REFRESH-LOGIN-{n}"),
            "handle": "vigie-watch.bsky.example",
            "did": "did:plc:vigie"
        }))
    }
}

#[tokio::test]
async fn a_refused_bluesky_refresh_logs_in_again() {
    let server = MockServer::start().await;
    let logins = Arc::new(AtomicUsize::new(0));
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(Sessions(logins.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-LOGIN-1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.server.refreshSession"))
        .and(header("authorization", "Bearer REFRESH-LOGIN-1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "ExpiredToken", "message": "Refresh token has expired"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-LOGIN-2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_search.json")))
        .mount(&server)
        .await;
    let batch = bsky(&server, "pw").fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert_eq!(logins.load(Ordering::SeqCst), 2, "logged in again");
}

/// A session keeper in memory, as the store keeps one (compare-and-set), or one whose store
/// is down.
#[derive(Default)]
struct Keeper {
    kept: std::sync::Mutex<Option<String>>,
    down: bool,
}

#[async_trait::async_trait]
impl SessionKeeper for Keeper {
    async fn load(&self) -> Result<Option<String>, StoreError> {
        if self.down {
            return Err(StoreError::Unavailable("down".into()));
        }
        Ok(self.kept.lock().unwrap().clone())
    }

    async fn save(&self, previous: Option<&str>, next: &str) -> Result<bool, StoreError> {
        if self.down {
            return Err(StoreError::Unavailable("down".into()));
        }
        let mut kept = self.kept.lock().unwrap();
        if kept.as_deref() != previous {
            return Ok(false);
        }
        *kept = Some(next.to_string());
        Ok(true)
    }
}

fn kept_session(server: &MockServer, n: &str) -> String {
    json!({
        "accessJwt": format!("ACCESS-KEPT-{n}"),
        "refreshJwt": format!("REFRESH-KEPT-{n}"),
        "did": "did:plc:vigie",
        "service": server.uri(),
        "identifier": "vigie-watch.bsky.example"
    })
    .to_string()
}

async fn bsky_search_with(server: &MockServer, access: &str) {
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", format!("Bearer {access}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_search.json")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_kept_bluesky_session_is_used_without_logging_in() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(0)
        .mount(&server)
        .await;
    bsky_search_with(&server, "ACCESS-KEPT-1").await;
    let keeper = Arc::new(Keeper::default());
    *keeper.kept.lock().unwrap() = Some(kept_session(&server, "1"));
    let source = bsky(&server, "pw").keep_session(keeper.clone());
    assert_eq!(source.fetch(None).await.unwrap().observations.len(), 2);
}

#[tokio::test]
async fn a_new_bluesky_session_is_kept_without_the_password() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(1)
        .mount(&server)
        .await;
    bsky_search_with(&server, "ACCESS-JWT-1").await;
    let keeper = Arc::new(Keeper::default());
    let source = bsky(&server, "s3cret-app-pass").keep_session(keeper.clone());
    source.fetch(None).await.unwrap();
    source.fetch(None).await.unwrap();
    let kept: Value =
        serde_json::from_str(keeper.kept.lock().unwrap().as_deref().unwrap()).unwrap();
    assert_eq!(kept["accessJwt"], "ACCESS-JWT-1");
    assert_eq!(kept["refreshJwt"], "REFRESH-JWT-1");
    assert_eq!(kept["identifier"], "vigie-watch.bsky.example");
    let text = kept.to_string();
    assert!(
        !text.contains("s3cret") && !text.contains("watch@example.org"),
        "{text}"
    );
}

#[tokio::test]
async fn a_bluesky_store_that_fails_does_not_fail_the_run() {
    let server = bsky_logged_in().await;
    bsky_search_with(&server, "ACCESS-JWT-1").await;
    let keeper = Arc::new(Keeper {
        down: true,
        ..Keeper::default()
    });
    let batch = bsky(&server, "pw").keep_session(keeper).fetch(None).await;
    assert_eq!(batch.unwrap().observations.len(), 2);
}

#[tokio::test]
async fn an_unreadable_kept_bluesky_session_is_replaced() {
    let server = bsky_logged_in().await;
    bsky_search_with(&server, "ACCESS-JWT-1").await;
    let keeper = Arc::new(Keeper::default());
    *keeper.kept.lock().unwrap() = Some("not json".into());
    bsky(&server, "pw")
        .keep_session(keeper.clone())
        .fetch(None)
        .await
        .unwrap();
    let kept: Value =
        serde_json::from_str(keeper.kept.lock().unwrap().as_deref().unwrap()).unwrap();
    assert_eq!(kept["accessJwt"], "ACCESS-JWT-1");
}

#[tokio::test]
async fn a_bluesky_session_renewed_by_another_run_is_taken_over() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.server.refreshSession"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    // The kept access token works for one search, then expires.
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-KEPT-1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_search.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .and(header("authorization", "Bearer ACCESS-KEPT-1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
        )
        .mount(&server)
        .await;
    bsky_search_with(&server, "ACCESS-KEPT-2").await;
    let keeper = Arc::new(Keeper::default());
    *keeper.kept.lock().unwrap() = Some(kept_session(&server, "1"));
    let source = bsky(&server, "pw").keep_session(keeper.clone());
    source.fetch(None).await.unwrap();
    // Another instance renews the session meanwhile: this one takes it over, without
    // refreshing its own or logging in.
    *keeper.kept.lock().unwrap() = Some(kept_session(&server, "2"));
    let batch = source.fetch(None).await.unwrap();
    assert_eq!(batch.observations.len(), 2);
    assert!(keeper
        .kept
        .lock()
        .unwrap()
        .as_deref()
        .unwrap()
        .contains("ACCESS-KEPT-2"));
}

#[tokio::test]
async fn a_bluesky_refresh_that_fails_on_the_server_side_does_not_log_in_again() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.server.refreshSession"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    match bsky(&server, "pw").fetch(None).await {
        Err(SourceError::Transient(m)) => assert!(m.contains("refresh"), "{m}"),
        other => panic!("{other:?}"),
    }
}
