//! The collection engine and the collectors' handler against networks on loopback: every post
//! stored once across reruns, crashes and overlapping runs; health kept per source; one failing
//! source never stops the others.

use serde_json::{json, Value};
use vigie_app::collect::{run_source, store_batch, Budget, RUN_TIME};
use vigie_app::Vigie;
use vigie_domain::ports::{ReportQuery, SkipReason, Source};
use vigie_domain::{Crisis, Gazetteer};
use vigie_host::{handle_collect, sources, CollectorKind};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn status(id: u64) -> Value {
    json!({
        "id": id.to_string(),
        "uri": format!("https://mastodon.example/users/lyne/statuses/{id}"),
        "url": format!("https://mastodon.example/@lyne/{id}"),
        "created_at": "2026-09-14T03:00:00.000Z",
        "content": format!("<p>Arbre tombé sur la route numéro {id} à Goyave, circulation coupée</p>"),
        "spoiler_text": "",
        "language": "fr",
        "media_attachments": [],
        "reblog": null,
        "replies_count": 1,
        "reblogs_count": 4,
        "favourites_count": 9,
        "account": {"id": "7", "username": "lyne", "acct": "lyne", "display_name": "Lyne"}
    })
}

/// Statuses 1..=total; `min_id` answered as Mastodon does (the 40 just after it).
struct Timeline {
    total: u64,
}

impl Respond for Timeline {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let min: Option<u64> = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "min_id")
            .map(|(_, v)| v.parse().unwrap());
        let ids: Vec<u64> = match min {
            Some(m) => (m + 1..=self.total).take(40).collect(),
            None => (self.total.saturating_sub(39).max(1)..=self.total).collect(),
        };
        ResponseTemplate::new(200)
            .set_body_json(ids.iter().rev().map(|i| status(*i)).collect::<Vec<_>>())
    }
}

/// The test crisis over Guadeloupe with `sources` (its `[[sources]]` tables).
fn crisis_with(sources: &str) -> Crisis {
    Crisis::parse(
        "test.toml",
        &format!(
            "[crisis]\nid = \"test-crisis\"\nname = \"Test\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nsince = \"2026-09-13T00:00:00Z\"\n{sources}"
        ),
    )
    .unwrap()
}

fn crisis(masto: &str, feed: &str) -> Crisis {
    crisis_with(&format!(
        r#"
[[sources]]
id = "masto"
kind = "mastodon"
instance = "{masto}"
hashtags = ["Guadeloupe"]

[[sources]]
id = "broken-feed"
kind = "feed"
url = "{feed}/broken"

[[sources]]
id = "bsky"
kind = "bluesky"
service = "{masto}"
query = "cyclone"
handle_env = "TEST_BSKY_HANDLE_UNSET"
password_env = "TEST_BSKY_PASSWORD_UNSET"
"#
    ))
}

fn app(dir: &tempfile::TempDir, crisis: Crisis) -> Vigie {
    let notifier: std::sync::Arc<dyn vigie_domain::ports::Notifier> =
        std::sync::Arc::new(vigie_local::LogNotifier);
    Vigie::new(
        crisis,
        Gazetteer::guadeloupe(),
        std::sync::Arc::new(vigie_local::SqliteStore::open(&dir.path().join("vigie.db")).unwrap()),
        std::sync::Arc::new(vigie_local::FolderPublisher::new(&dir.path().join("public")).unwrap()),
        notifier,
    )
}

async fn count(app: &Vigie) -> usize {
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = app
            .store
            .list_reports(&ReportQuery {
                limit: 200,
                cursor,
                ..Default::default()
            })
            .await
            .unwrap();
        n += page.items.len();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return n,
        }
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn planned(app: &Vigie, kind: CollectorKind) -> Vec<vigie_host::PlannedSource> {
    sources(&app.crisis, None, Some(kind), &no_env, &app.store).unwrap()
}

async fn mastodon(total: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(Timeline { total })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_handler_stores_every_post_once_and_reports_each_source() {
    let masto = mastodon(40).await;
    let feeds = MockServer::start().await;
    Mock::given(path("/broken"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&feeds)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&masto.uri(), &feeds.uri()));

    let out = handle_collect(
        &app,
        CollectorKind::Mastodon,
        &planned(&app, CollectorKind::Mastodon),
        json!({"source": "masto"}),
        Budget::within(RUN_TIME),
    )
    .await
    .unwrap();
    assert_eq!(out.sources.len(), 1);
    assert_eq!(out.sources[0].new, 40);
    let again = handle_collect(
        &app,
        CollectorKind::Mastodon,
        &planned(&app, CollectorKind::Mastodon),
        json!({}),
        Budget::within(RUN_TIME),
    )
    .await
    .unwrap();
    assert_eq!(again.sources[0].new, 0, "a second run stores nothing twice");
    assert_eq!(count(&app).await, 40);
    let stored = app
        .store
        .get_report(&vigie_domain::identity::report_id(
            "mastodon",
            "https://mastodon.example/users/lyne/statuses/7",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.counts,
        Some(vigie_domain::report::Engagement {
            replies: 1,
            reposts: 4,
            likes: 9
        }),
        "engagement counts kept with the report"
    );

    // A failing source is reported, with the reason, and the others still run.
    let err = handle_collect(
        &app,
        CollectorKind::Feed,
        &planned(&app, CollectorKind::Feed),
        Value::Null,
        Budget::within(RUN_TIME),
    )
    .await
    .unwrap_err();
    // A source that failed is not a configuration error: alarms and retries tell them apart.
    assert_eq!(err.error_type(), "Vigie.SourceFailed", "{err}");
    assert!(err.retryable(), "{err}");
    let err = err.to_string();
    assert!(
        err.contains("broken-feed") && err.contains("HTTP 404"),
        "{err}"
    );
    let health = app.store.source_health().await.unwrap();
    let masto_health = health.iter().find(|h| h.source_id == "masto").unwrap();
    assert_eq!(masto_health.items_collected, 40);
    assert!(masto_health.last_success_at.is_some());
    let feed_health = health
        .iter()
        .find(|h| h.source_id == "broken-feed")
        .unwrap();
    assert!(feed_health.last_error.as_deref().unwrap().contains("404"));

    // A missing secret names the variable.
    let err = handle_collect(
        &app,
        CollectorKind::Bluesky,
        &planned(&app, CollectorKind::Bluesky),
        json!({}),
        Budget::within(RUN_TIME),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("TEST_BSKY_HANDLE_UNSET is not set"), "{err}");
    assert!(
        err.starts_with("bsky: FAILED: the variable"),
        "the source id once: {err}"
    );
    let health = app.store.source_health().await.unwrap();
    let bsky = health.iter().find(|h| h.source_id == "bsky").unwrap();
    assert_eq!(bsky.kind, "bluesky");
    assert!(
        bsky.last_error
            .as_deref()
            .is_some_and(|e| e.contains("TEST_BSKY_HANDLE_UNSET is not set")),
        "{bsky:?}"
    );
    assert!(bsky.last_error_at.is_some() && bsky.last_success_at.is_none());

    for (kind, input, needle) in [
        (
            CollectorKind::Mastodon,
            json!({"source": "nope"}),
            "no such source",
        ),
        (
            CollectorKind::Feed,
            json!({"source": "masto"}),
            "is a mastodon source",
        ),
        (
            CollectorKind::Mastodon,
            json!({"sources": "masto"}),
            "unknown field",
        ),
    ] {
        let err = handle_collect(
            &app,
            kind,
            &planned(&app, kind),
            input,
            Budget::within(RUN_TIME),
        )
        .await
        .unwrap_err();
        assert_eq!(err.error_type(), "Vigie.Configuration", "{needle}: {err}");
        assert!(!err.retryable(), "{needle}: {err}");
        let err = err.to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

fn masto_source(app: &Vigie) -> Box<dyn Source> {
    sources(&app.crisis, Some("masto"), None, &no_env, &app.store)
        .unwrap()
        .remove(0)
        .runner
        .unwrap()
}

#[tokio::test]
async fn a_run_killed_between_store_and_checkpoint_loses_and_duplicates_nothing() {
    let masto = mastodon(120).await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&masto.uri(), "http://127.0.0.1:9"));
    let source = masto_source(&app);
    app.store
        .advance_checkpoint("masto", None, "0")
        .await
        .unwrap();

    // The run fetched and stored a page, then died before moving the checkpoint.
    let batch = source.fetch(Some("0")).await.unwrap();
    store_batch(&app, &batch.observations).await.unwrap();
    assert_eq!(
        app.store.checkpoint("masto").await.unwrap().as_deref(),
        Some("0")
    );

    let rerun = run_source(&app, source.as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!(rerun.error, None);
    assert_eq!(
        (rerun.new, rerun.seen),
        (80, 40),
        "the page stored before the crash is seen, not stored again"
    );
    assert_eq!(count(&app).await, 120, "nothing lost, nothing twice");
    assert_eq!(
        app.store.checkpoint("masto").await.unwrap().as_deref(),
        Some("120")
    );
}

#[tokio::test]
async fn two_overlapping_runs_store_each_post_once() {
    let masto = mastodon(200).await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&masto.uri(), "http://127.0.0.1:9"));
    app.store
        .advance_checkpoint("masto", None, "0")
        .await
        .unwrap();
    let (a, b) = (masto_source(&app), masto_source(&app));
    let budget = Budget::within(std::time::Duration::from_secs(30));
    let (ra, rb) = tokio::join!(
        run_source(&app, a.as_ref(), budget),
        run_source(&app, b.as_ref(), budget)
    );
    assert_eq!(ra.error, None);
    assert_eq!(rb.error, None);
    assert_eq!(
        ra.new + rb.new,
        200,
        "each post stored by exactly one run: {ra:?} {rb:?}"
    );
    assert_eq!(count(&app).await, 200);
    let after = run_source(&app, a.as_ref(), budget).await;
    assert_eq!(after.new, 0);
    assert_eq!(
        app.store.checkpoint("masto").await.unwrap().as_deref(),
        Some("200")
    );
    // Both runs' counts are in the health: neither overwrote the other's.
    let health = app.store.source_health().await.unwrap();
    let masto = health.iter().find(|h| h.source_id == "masto").unwrap();
    assert_eq!(masto.items_collected, 200, "{masto:?}");
    assert!(masto.last_success_at.is_some());
}

#[tokio::test]
async fn a_rate_limited_source_waits_until_it_may_be_called_again() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&server.uri(), "http://127.0.0.1:9"));
    let source = masto_source(&app);
    let first = run_source(&app, source.as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!(first.error, None, "waiting out a rate limit is no failure");
    let until = first.waiting_until.expect("waiting");
    assert!(
        first.to_string().contains("masto: waiting until"),
        "{first}"
    );
    let health = app.store.source_health().await.unwrap();
    assert_eq!(
        health[0].next_allowed_at,
        Some(until),
        "next allowed call recorded"
    );
    assert_eq!(health[0].last_error, None);
    assert!(until > chrono::Utc::now() + chrono::Duration::seconds(590));
    // The next run does not call the source at all (the mock expects exactly one call), and
    // the collector function answers without an error (no alarm).
    let planned = sources(&app.crisis, Some("masto"), None, &no_env, &app.store).unwrap();
    let out = handle_collect(
        &app,
        CollectorKind::Mastodon,
        &planned,
        json!({}),
        Budget::within(RUN_TIME),
    )
    .await
    .expect("a waiting source is not an error");
    assert_eq!(out.sources[0].error, None);
    assert_eq!(out.sources[0].waiting_until, Some(until));
}

#[tokio::test]
async fn a_feed_item_without_guid_or_link_is_stored_once_over_two_runs() {
    let server = MockServer::start().await;
    Mock::given(path("/mairie.rss"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Mairie</title><link>https://mairie.example/</link><description>x</description>
<item><title>Coupure d'eau à Capesterre</title><description>Retour prévu demain.</description><pubDate>Mon, 14 Sep 2026 05:00:00 GMT</pubDate></item>
</channel></rss>"#,
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis("http://127.0.0.1:9", "http://127.0.0.1:9"));
    let http = vigie_sources::Http::new(
        std::time::Duration::from_secs(5),
        vigie_sources::RetryPolicy::default(),
    )
    .unwrap();
    let source = vigie_sources::FeedSource::new(
        "mairie",
        &format!("{}/mairie.rss", server.uri()),
        false,
        http,
    );
    let first = run_source(&app, &source, Budget::within(RUN_TIME)).await;
    assert_eq!((first.new, first.error.as_deref()), (1, None));
    let second = run_source(&app, &source, Budget::within(RUN_TIME)).await;
    assert_eq!((second.new, second.seen), (0, 1), "{second:?}");
    assert_eq!(count(&app).await, 1);
}

fn feed_source(id: &str, url: &str) -> vigie_sources::FeedSource {
    let http = vigie_sources::Http::new(
        std::time::Duration::from_secs(5),
        vigie_sources::RetryPolicy::default(),
    )
    .unwrap();
    vigie_sources::FeedSource::new(id, url, true, http)
}

#[tokio::test]
async fn a_cap_alert_geocoded_by_insee_is_placed_in_that_commune() {
    let cap = std::fs::read_to_string(format!(
        "{}/../sources/tests/fixtures/cap.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let server = MockServer::start().await;
    Mock::given(path("/cap.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(cap))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis("http://127.0.0.1:9", "http://127.0.0.1:9"));
    let source = feed_source("cap", &format!("{}/cap.xml", server.uri()));
    let run = run_source(&app, &source, Budget::within(RUN_TIME)).await;
    assert_eq!((run.new, run.error.as_deref()), (2, None));
    let page = app
        .store
        .list_reports(&ReportQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let fr = page
        .items
        .iter()
        .find(|r| r.native_id.ends_with("#0"))
        .unwrap();
    let at = fr.location.as_ref().unwrap();
    assert_eq!(
        (at.place.as_deref(), at.insee.as_deref()),
        (Some("Les Abymes"), Some("97101")),
        "<geocode><valueName>INSEE</valueName><value>97101</value></geocode>"
    );
}

#[tokio::test]
async fn a_source_cut_by_the_deadline_does_not_starve_the_others() {
    let server = MockServer::start().await;
    Mock::given(path("/slow.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("<rss version=\"2.0\"><channel></channel></rss>")
                .set_delay(std::time::Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    Mock::given(path("/fine.rss"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>P</title><link>https://p.example/</link><description>x</description>
<item><title>Routes coupées à Gourbeyre</title><guid>g-1</guid><pubDate>Mon, 14 Sep 2026 05:00:00 GMT</pubDate></item>
</channel></rss>"#,
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let crisis = crisis_with(&format!(
        r#"
[[sources]]
id = "slow"
kind = "feed"
url = "{u}/slow.rss"

{fine}"#,
        u = server.uri(),
        fine = (1..=5)
            .map(|i| format!(
                "\n[[sources]]\nid = \"fine-{i}\"\nkind = \"feed\"\nurl = \"{}/fine.rss\"\n",
                server.uri()
            ))
            .collect::<String>()
    ));
    let app = app(&dir, crisis);
    // The slow source comes first: run one after the other, it would eat the whole budget.
    let out = handle_collect(
        &app,
        CollectorKind::Feed,
        &planned(&app, CollectorKind::Feed),
        json!({}),
        Budget::within(std::time::Duration::from_secs(2)),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        out.contains("slow: FAILED: deadline reached") && !out.contains("fine"),
        "{out}"
    );
    assert_eq!(count(&app).await, 1, "the healthy source's item is stored");
    let health = app.store.source_health().await.unwrap();
    let slow = health.iter().find(|h| h.source_id == "slow").unwrap();
    assert!(
        slow.last_error
            .as_deref()
            .is_some_and(|e| e.contains("deadline reached")),
        "{slow:?}"
    );
    // More healthy sources than run at once: the hung one holds one slot only.
    for i in 1..=5 {
        let id = format!("fine-{i}");
        let fine = health.iter().find(|h| h.source_id == id).unwrap();
        assert!(
            fine.last_success_at.is_some() && fine.last_error.is_none(),
            "{fine:?}"
        );
    }
    assert_eq!(app.store.checkpoint("slow").await.unwrap(), None);
}

#[test]
fn a_lambda_run_ends_a_margin_before_the_invocation_deadline() {
    let now = std::time::SystemTime::now();
    let secs = std::time::Duration::from_secs;
    assert_eq!(vigie_host::lambda_run_time(now + secs(90), now), secs(75));
    assert_eq!(
        vigie_host::lambda_run_time(now + secs(5), now),
        secs(0),
        "too late to start"
    );
    assert_eq!(vigie_host::lambda_run_time(now, now + secs(1)), secs(0));
}

/// Page 1 after `min_id=0` (statuses 1..=40), then a rate limit.
struct LimitedAfterPageOne;

impl Respond for LimitedAfterPageOne {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let min = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "min_id")
            .map(|(_, v)| v.into_owned());
        match min.as_deref() {
            Some("0") => ResponseTemplate::new(200)
                .set_body_json((1..=40).rev().map(status).collect::<Vec<_>>()),
            _ => ResponseTemplate::new(429).insert_header("Retry-After", "300"),
        }
    }
}

#[tokio::test]
async fn a_rate_limit_on_page_two_keeps_page_one_and_its_checkpoint() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(LimitedAfterPageOne)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&server.uri(), "http://127.0.0.1:9"));
    app.store
        .advance_checkpoint("masto", None, "0")
        .await
        .unwrap();
    let run = run_source(&app, masto_source(&app).as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!(run.new, 40, "{run:?}");
    assert!(run.waiting_until.is_some(), "{run:?}");
    assert_eq!(count(&app).await, 40);
    assert_eq!(
        app.store.checkpoint("masto").await.unwrap().as_deref(),
        Some("40"),
        "page one is stored and checkpointed"
    );
    let health = app.store.source_health().await.unwrap();
    assert_eq!(health[0].items_collected, 40);
    assert!(health[0].next_allowed_at.is_some());
}

#[tokio::test]
async fn a_boost_through_the_engine_spreads_the_original_and_skips_are_counted() {
    let original = status(501);
    let mut boost = status(502);
    boost["uri"] = json!("https://other.example/users/mano/statuses/502/activity");
    boost["content"] = json!("");
    boost["reblog"] = original.clone();
    let page = json!([boost, {"id": "503", "content": 12}]);
    let server = MockServer::start().await;
    // Nothing after the newest post: an empty page, as an instance answers.
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .and(wiremock::matchers::query_param("min_id", "503"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&server.uri(), "http://127.0.0.1:9"));
    let source = masto_source(&app);
    let first = run_source(&app, source.as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!(first.new, 1, "{first:?}");
    assert_eq!(first.skipped.get(SkipReason::Unreadable), 1, "{first:?}");
    assert_eq!(first.skipped.total(), 1, "{first:?}");
    assert!(
        first.to_string().contains("1 skipped: unreadable"),
        "{first}"
    );
    assert_eq!(count(&app).await, 1, "the boost is no report of its own");
    let id = vigie_domain::identity::report_id("mastodon", original["uri"].as_str().unwrap());
    let stored = app.store.get_report(&id).await.unwrap().unwrap();
    assert_eq!(
        stored.spread_count, 1,
        "the boost is a spread of the original"
    );
    // Seen again (the checkpoint is reset to read the same page): counted once.
    app.store
        .advance_checkpoint("masto", Some("503"), "0")
        .await
        .unwrap();
    run_source(&app, source.as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!(
        app.store
            .get_report(&id)
            .await
            .unwrap()
            .unwrap()
            .spread_count,
        1
    );
    let health = app.store.source_health().await.unwrap();
    assert_eq!(health[0].items_skipped, 2, "one malformed item per run");
    assert_eq!(health[0].items_collected, 1);
}

/// A USGS-style earthquake feed of the world: `elsewhere` quakes far from the Antilles, then
/// the ones given, at (lat, lon).
fn world_quakes(elsewhere: usize, near: &[(f64, f64)]) -> String {
    let far = (0..elsewhere).map(|i| {
        // Round the world, away from the Caribbean: Japan, Chile, Indonesia, Alaska, Turkey.
        let (lat, lon) = [
            (36.0, 140.0),
            (-33.0, -71.0),
            (-6.0, 105.0),
            (61.0, -150.0),
            (38.0, 37.0),
        ][i % 5];
        (
            lat + (i as f64) * 0.01,
            lon - (i as f64) * 0.01,
            format!("far-{i}"),
        )
    });
    let close = near
        .iter()
        .enumerate()
        .map(|(i, (lat, lon))| (*lat, *lon, format!("near-{i}")));
    let features: Vec<Value> = far
        .chain(close)
        .map(|(lat, lon, id)| {
            json!({
                "type": "Feature",
                "id": id,
                "properties": {
                    "mag": 4.6, "place": format!("quake {id}"), "time": 1789963200000u64,
                    "url": format!("https://quakes.example/{id}"), "title": format!("M 4.6 - quake {id}"),
                    "felt": null, "alert": null, "tsunami": 0, "type": "earthquake"
                },
                "geometry": {"type": "Point", "coordinates": [lon, lat, 10.0]}
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "metadata": {"title": "World quakes"}, "features": features})
        .to_string()
}

#[tokio::test]
async fn a_world_feed_brings_only_the_crisis_area_and_counts_the_rest() {
    let server = MockServer::start().await;
    // Guadeloupe, the Saintes channel, offshore of La Désirade, Montserrat, Dominica's north.
    let near = [
        (16.25, -61.55),
        (15.9, -61.6),
        (16.4, -60.9),
        (16.75, -62.2),
        (15.6, -61.4),
    ];
    Mock::given(path("/quakes.geojson"))
        .respond_with(ResponseTemplate::new(200).set_body_string(world_quakes(195, &near)))
        .mount(&server)
        .await;
    // A non-official news feed without geometry: kept when it names a place of the territory.
    Mock::given(path("/news.rss"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://news.example/</link><description>x</description>
<item><guid>n1</guid><title>Route coupée à Trois-Rivières</title><pubDate>Mon, 14 Sep 2026 05:00:00 GMT</pubDate></item>
<item><guid>n2</guid><title>Election results in the capital</title><pubDate>Mon, 14 Sep 2026 05:01:00 GMT</pubDate></item>
<item><guid>n3</guid><title>Wildfires spread north of the city</title><pubDate>Mon, 14 Sep 2026 05:02:00 GMT</pubDate></item>
</channel></rss>"#,
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        &dir,
        crisis_with(&format!(
            "[[sources]]\nid = \"quakes\"\nkind = \"feed\"\nurl = \"{0}/quakes.geojson\"\nofficial = true\n\
             [[sources]]\nid = \"news\"\nkind = \"feed\"\nurl = \"{0}/news.rss\"\n",
            server.uri()
        )),
    );
    let run = |id: &'static str| {
        let app = &app;
        async move {
            let source = sources(&app.crisis, Some(id), None, &no_env, &app.store)
                .unwrap()
                .remove(0)
                .runner
                .unwrap();
            run_source(app, source.as_ref(), Budget::within(RUN_TIME)).await
        }
    };
    let quakes = run("quakes").await;
    assert_eq!((quakes.new, quakes.error.as_deref()), (5, None), "{quakes}");
    assert_eq!(quakes.skipped.get(SkipReason::OutsideArea), 195);
    assert!(
        quakes
            .to_string()
            .contains("5 new, 0 already stored, 195 skipped: outside the crisis area"),
        "{quakes}"
    );
    let news = run("news").await;
    assert_eq!(
        (news.new, news.skipped.get(SkipReason::NoPlace)),
        (1, 2),
        "{news}"
    );
    let stored = app
        .store
        .list_reports(&ReportQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(stored.len(), 6);
    assert!(stored.iter().all(|r| !r.native_id.contains("far-")));
    assert!(stored.iter().any(|r| r.text.contains("Trois-Rivières")));
    // The health says so too, by reason, and a second run stores nothing twice.
    let again = run("quakes").await;
    assert_eq!((again.new, again.seen), (0, 5), "{again}");
    let health = app.store.source_health().await.unwrap();
    let h = health.iter().find(|h| h.source_id == "quakes").unwrap();
    assert_eq!(h.items_skipped, 390);
    let last = h.last_run.as_ref().unwrap();
    assert_eq!(
        (
            last.new,
            last.seen,
            last.skipped.get(SkipReason::OutsideArea)
        ),
        (0, 5, 195)
    );
}

/// An instance that pages by `page` whatever `limit` asks (as some cap it), newest first, with
/// `max_id`, `min_id` and `Link` headers as Mastodon answers them. Post `i` is id `i`; posts
/// up to `before` were published the day before the crisis began. More posts can arrive.
struct Instance {
    page: u64,
    before: u64,
    total: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Answer 429 to the next backlog request when set (then clear it).
    limit_next_back: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Instance {
    fn status(&self, i: u64) -> Value {
        let mut s = status(i);
        s["created_at"] = if i <= self.before {
            json!(format!(
                "2026-09-12T{:02}:{:02}:00.000Z",
                (i / 60) % 24,
                i % 60
            ))
        } else {
            json!(format!(
                "2026-09-14T{:02}:{:02}:00.000Z",
                (i / 60) % 24,
                i % 60
            ))
        };
        s
    }
}

impl Respond for Instance {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        use std::sync::atomic::Ordering;
        let arg = |k: &str| -> Option<u64> {
            req.url
                .query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.parse().unwrap())
        };
        let total = self.total.load(Ordering::SeqCst);
        let ids: Vec<u64> = match (arg("max_id"), arg("min_id")) {
            (Some(max), _) => {
                if self.limit_next_back.swap(false, Ordering::SeqCst) {
                    return ResponseTemplate::new(429).insert_header("Retry-After", "1");
                }
                (1..max).rev().take(self.page as usize).collect()
            }
            (None, Some(min)) => {
                let mut v: Vec<u64> = (min + 1..=total).take(self.page as usize).collect();
                v.reverse();
                v
            }
            (None, None) => (1..=total).rev().take(self.page as usize).collect(),
        };
        let mut answer = ResponseTemplate::new(200)
            .set_body_json(ids.iter().map(|i| self.status(*i)).collect::<Vec<_>>());
        if let (Some(newest), Some(oldest)) = (ids.first(), ids.last()) {
            let base = format!(
                "{}://{}{}",
                req.url.scheme(),
                req.url.authority(),
                req.url.path()
            );
            answer = answer.insert_header(
                "Link",
                format!(
                    "<{base}?max_id={oldest}>; rel=\"next\", <{base}?min_id={newest}>; rel=\"prev\""
                )
                .as_str(),
            );
        }
        answer
    }
}

async fn instance(page: u64, before: u64, total: u64) -> (MockServer, Instance) {
    let server = MockServer::start().await;
    let handle = Instance {
        page,
        before,
        total: std::sync::Arc::new(total.into()),
        limit_next_back: std::sync::Arc::new(false.into()),
    };
    let shared = Instance {
        page,
        before,
        total: handle.total.clone(),
        limit_next_back: handle.limit_next_back.clone(),
    };
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(shared)
        .mount(&server)
        .await;
    (server, handle)
}

/// The ids of the stored Mastodon reports, each once, sorted.
async fn stored_ids(app: &Vigie) -> Vec<u64> {
    let page = app
        .store
        .list_reports(&ReportQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut ids: Vec<u64> = page
        .items
        .iter()
        .map(|r| r.native_id.rsplit('/').next().unwrap().parse().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn the_first_run_collects_back_to_the_crisis_start() {
    // 100 posts since the crisis start, 20 the day before, on an instance paging by 15.
    let (server, _instance) = instance(15, 20, 120).await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&server.uri(), "http://127.0.0.1:9"));
    let run = run_source(&app, masto_source(&app).as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!((run.new, run.error.as_deref()), (100, None), "{run}");
    assert_eq!(run.skipped.get(SkipReason::BeforeSince), 5, "{run}");
    assert_eq!(stored_ids(&app).await, (21..=120).collect::<Vec<_>>());
    // The backlog is over: the next run only looks forward, and finds nothing.
    let again = run_source(&app, masto_source(&app).as_ref(), Budget::within(RUN_TIME)).await;
    assert_eq!((again.new, again.seen), (0, 0), "{again}");
    assert_eq!(
        app.store.checkpoint("masto").await.unwrap().as_deref(),
        Some("120")
    );
}

#[tokio::test]
async fn a_backlog_cut_by_the_budget_or_a_rate_limit_resumes_without_gap_or_duplicate() {
    use std::sync::atomic::Ordering;
    let (server, instance) = instance(15, 20, 120).await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, crisis(&server.uri(), "http://127.0.0.1:9"));
    let short = || Budget {
        pages: 3,
        deadline: tokio::time::Instant::now() + RUN_TIME,
    };
    let first = run_source(&app, masto_source(&app).as_ref(), short()).await;
    assert_eq!(first.new, 45, "the latest page and two older ones: {first}");
    // New posts arrive while the backlog is being read; the instance then limits a request.
    instance.total.store(130, Ordering::SeqCst);
    instance.limit_next_back.store(true, Ordering::SeqCst);
    let limited = run_source(&app, masto_source(&app).as_ref(), short()).await;
    assert!(limited.waiting_until.is_some(), "{limited}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut runs = 0;
    while runs < 10 {
        let run = run_source(&app, masto_source(&app).as_ref(), short()).await;
        assert_eq!(run.error, None, "{run}");
        runs += 1;
        if run.new == 0 {
            break;
        }
    }
    assert_eq!(
        stored_ids(&app).await,
        (21..=130).collect::<Vec<_>>(),
        "every post since the start, once"
    );
}

/// A CAP 1.2 alert of the prefecture's (flood warning over Les Abymes), as `msg_type` with
/// `references` ("sender,identifier,sent" triples) when it updates or cancels others.
fn cap_alert(
    identifier: &str,
    sent: &str,
    msg_type: &str,
    references: &str,
    severity: &str,
    headline: &str,
) -> String {
    let references = if references.is_empty() {
        String::new()
    } else {
        format!("<references>{references}</references>")
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>prefecture@guadeloupe.example</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {references}
  <info>
    <language>fr-FR</language>
    <category>Met</category>
    <event>Crue</event>
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Observed</certainty>
    <headline>{headline}</headline>
    <area>
      <areaDesc>Les Abymes</areaDesc>
      <geocode><valueName>INSEE</valueName><value>97101</value></geocode>
    </area>
  </info>
</alert>"#
    )
}

/// Answers whatever body the test last put in.
struct Swappable(std::sync::Arc<std::sync::Mutex<String>>);

impl Respond for Swappable {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_string(self.0.lock().unwrap().clone())
    }
}

#[tokio::test]
async fn a_cap_update_then_cancel_changes_then_withdraws_one_report() {
    let body = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let server = MockServer::start().await;
    Mock::given(path("/cap.xml"))
        .respond_with(Swappable(body.clone()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        &dir,
        crisis_with(&format!(
            "[[sources]]\nid = \"cap\"\nkind = \"feed\"\nurl = \"{}/cap.xml\"\nofficial = true\n",
            server.uri()
        )),
    );
    let run = || async {
        let source = sources(&app.crisis, Some("cap"), None, &no_env, &app.store)
            .unwrap()
            .remove(0)
            .runner
            .unwrap();
        run_source(&app, source.as_ref(), Budget::within(RUN_TIME)).await
    };
    let sender = "prefecture@guadeloupe.example";
    let first_sent = "2026-09-14T04:00:00-04:00";
    *body.lock().unwrap() = cap_alert(
        "GP-CRUE-1",
        first_sent,
        "Alert",
        "",
        "Moderate",
        "Vigilance crue aux Abymes",
    );
    let first = run().await;
    assert_eq!((first.new, first.error.as_deref()), (1, None), "{first}");
    let all = app
        .store
        .list_reports(&ReportQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    let id = all[0].id.clone();
    let original = app.store.get_report(&id).await.unwrap().unwrap();
    assert_eq!(
        original.suggested_priority,
        vigie_domain::taxonomy::Priority::Medium
    );

    // The update: one report still, with the new text and priority.
    let update_sent = "2026-09-14T05:00:00-04:00";
    *body.lock().unwrap() = cap_alert(
        "GP-CRUE-2",
        update_sent,
        "Update",
        &format!("{sender},GP-CRUE-1,{first_sent}"),
        "Extreme",
        "Crue majeure aux Abymes : évacuez les zones basses",
    );
    let updated = run().await;
    assert_eq!((updated.new, updated.amended), (0, 1), "{updated}");
    assert!(
        updated
            .to_string()
            .contains("1 updated or cancelled by their issuer"),
        "{updated}"
    );
    assert_eq!(count(&app).await, 1, "an update is no report of its own");
    let after = app.store.get_report(&id).await.unwrap().unwrap();
    assert!(
        after.text.contains("évacuez les zones basses"),
        "{}",
        after.text
    );
    assert_eq!(
        after.suggested_priority,
        vigie_domain::taxonomy::Priority::Critical
    );
    assert_eq!(after.status, vigie_domain::taxonomy::Status::New);
    // Seen again on the next run: nothing changes twice.
    let again = run().await;
    assert_eq!((again.new, again.amended, again.seen), (0, 0, 1), "{again}");

    // The cancellation, referring to both: the report is withdrawn, and the history says why.
    *body.lock().unwrap() = cap_alert(
        "GP-CRUE-3",
        "2026-09-14T08:00:00-04:00",
        "Cancel",
        &format!("{sender},GP-CRUE-1,{first_sent} {sender},GP-CRUE-2,{update_sent}"),
        "Minor",
        "Fin de la vigilance crue",
    );
    let cancelled = run().await;
    assert_eq!((cancelled.new, cancelled.amended), (0, 1), "{cancelled}");
    let last = app.store.get_report(&id).await.unwrap().unwrap();
    assert_eq!(last.status, vigie_domain::taxonomy::Status::Dismissed);
    assert_eq!(
        last.suggested_priority,
        vigie_domain::taxonomy::Priority::Low
    );
    assert_eq!(count(&app).await, 1);
    let history: Vec<String> = app
        .store
        .history(&id)
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.actor == "collector:cap")
        .map(|h| h.action)
        .collect();
    assert_eq!(
        history,
        [
            "alert updated by its issuer",
            "alert cancelled by its issuer"
        ]
    );

    // A cancellation of an alert never collected withdraws nothing and is counted; an update
    // of one is kept as the alert it would have been.
    *body.lock().unwrap() = cap_alert(
        "GP-HOULE-9",
        "2026-09-14T09:00:00-04:00",
        "Cancel",
        &format!("{sender},GP-HOULE-1,2026-09-13T09:00:00-04:00"),
        "Minor",
        "Fin de la vigilance houle",
    );
    let unknown = run().await;
    assert_eq!(
        unknown.skipped.get(SkipReason::CancelsUnknown),
        1,
        "{unknown}"
    );
    *body.lock().unwrap() = cap_alert(
        "GP-VENT-2",
        "2026-09-14T09:30:00-04:00",
        "Update",
        &format!("{sender},GP-VENT-1,2026-09-13T09:00:00-04:00"),
        "Severe",
        "Vents violents aux Abymes",
    );
    let orphan = run().await;
    assert_eq!((orphan.new, orphan.amended), (1, 0), "{orphan}");
    assert_eq!(count(&app).await, 2);
}

/// X recent search over `total` posts (ids `5001..`), one page of up to `max_results`
/// after `since_id`, newest first, as X answers.
struct XSearch {
    total: u64,
}

impl Respond for XSearch {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let get = |k: &str| {
            req.url
                .query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.into_owned())
        };
        let max: u64 = get("max_results").unwrap().parse().unwrap();
        let since: u64 = get("since_id").map_or(5000, |v| v.parse().unwrap());
        let ids: Vec<u64> = (since + 1..=5000 + self.total)
            .rev()
            .take(max as usize)
            .collect();
        let data: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id.to_string(), "text": format!("Coupure d'eau à Capesterre {id}"), "author_id": "9", "created_at": "2026-09-14T03:00:00.000Z", "lang": "fr"}))
            .collect();
        let mut body = json!({"meta": {"result_count": ids.len()}});
        if let Some(first) = ids.first() {
            body["meta"]["newest_id"] = json!(first.to_string());
            body["data"] = json!(data);
            body["includes"] = json!({"users": [{"id": "9", "username": "capesterre_info", "name": "Capesterre Info"}]});
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn an_x_source_collects_through_the_engine_once_and_shows_its_monthly_cap_in_health() {
    let server = MockServer::start().await;
    Mock::given(path("/2/tweets/search/recent"))
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer x-test-bearer",
        ))
        .respond_with(XSearch { total: 30 })
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        &dir,
        crisis_with(&format!(
            "[[sources]]\nid = \"x\"\nkind = \"x\"\napi = \"{}\"\nquery = \"#Gwada\"\nbearer_env = \"TEST_X_BEARER\"\nmonthly_cap = 500\n",
            server.uri()
        )),
    );
    let env = |var: &str| (var == "TEST_X_BEARER").then(|| "x-test-bearer".to_string());
    let planned = sources(&app.crisis, None, Some(CollectorKind::X), &env, &app.store).unwrap();
    let run = || {
        handle_collect(
            &app,
            CollectorKind::X,
            &planned,
            json!({}),
            Budget::within(RUN_TIME),
        )
    };
    let first = run().await.unwrap();
    assert_eq!((first.sources[0].new, first.sources[0].seen), (30, 0));
    let second = run().await.unwrap();
    assert_eq!(
        (second.sources[0].new, second.sources[0].seen),
        (0, 0),
        "since_id: nothing again"
    );
    assert_eq!(count(&app).await, 30);

    let health = app.store.source_health().await.unwrap();
    let x = health.iter().find(|h| h.source_id == "x").unwrap();
    assert_eq!(x.kind, "x");
    let quota = x.quota.as_ref().expect("the cap's use in the health");
    assert_eq!(
        (quota.unit.as_str(), quota.used, quota.cap),
        ("posts", 30, 500)
    );
    let (period, _) = vigie_sources::x::month(chrono::Utc::now());
    assert_eq!(quota.period, period);
    // The count is the store's: a new process (another Lambda instance) sees it.
    let again = vigie_domain::ports::StoredAllowance::new(app.store.clone(), "x");
    use vigie_domain::ports::Allowance;
    assert_eq!(again.used(&period).await.unwrap(), 30);

    // Without its variable, the source names it and does not run.
    let unset = sources(
        &app.crisis,
        None,
        Some(CollectorKind::X),
        &no_env,
        &app.store,
    )
    .unwrap();
    let err = handle_collect(
        &app,
        CollectorKind::X,
        &unset,
        json!({}),
        Budget::within(RUN_TIME),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("TEST_X_BEARER is not set"), "{err}");
}

/// YouTube's search over `total` videos (ids `yt0000..`, one a minute from 2026-09-14 03:00),
/// newest first, 50 a page with `nextPageToken`, and the videos' details.
struct YouTubeApi {
    total: usize,
}

impl Respond for YouTubeApi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let get = |k: &str| {
            req.url
                .query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(get("key").as_deref(), Some("yt-test-key"));
        let at = |i: usize| {
            (chrono::DateTime::parse_from_rfc3339("2026-09-14T03:00:00Z").unwrap()
                + chrono::Duration::minutes(i as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        if req.url.path().ends_with("/videos") {
            let items: Vec<Value> = get("id")
                .unwrap()
                .split(',')
                .map(|id| {
                    let i: usize = id[2..].parse().unwrap();
                    json!({"id": id, "snippet": {"publishedAt": at(i), "channelId": "UCcapesterre",
                        "channelTitle": "Capesterre TV", "title": format!("Route coupée à Capesterre {i}"),
                        "description": "Arbres tombés sur la N1."}})
                })
                .collect();
            return ResponseTemplate::new(200).set_body_json(json!({ "items": items }));
        }
        let after = get("publishedAfter").unwrap();
        let skip: usize = get("pageToken").map_or(0, |t| t[1..].parse().unwrap());
        let matching: Vec<usize> = (0..self.total).rev().filter(|&i| at(i) >= after).collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(50)
            .map(|&i| json!({"id": {"kind": "youtube#video", "videoId": format!("yt{i:04}")}, "snippet": {"publishedAt": at(i)}}))
            .collect();
        let mut body = json!({ "items": page });
        if skip + 50 < matching.len() {
            body["nextPageToken"] = json!(format!("P{}", skip + 50));
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn a_youtube_source_collects_a_page_a_run_and_shows_its_daily_quota_in_health() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/search"))
        .respond_with(YouTubeApi { total: 120 })
        .mount(&server)
        .await;
    Mock::given(path("/youtube/v3/videos"))
        .respond_with(YouTubeApi { total: 120 })
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        &dir,
        crisis_with(&format!(
            "[[sources]]\nid = \"yt\"\nkind = \"youtube\"\napi = \"{}\"\nquery = \"Capesterre\"\nkey_env = \"TEST_YT_KEY\"\n",
            server.uri()
        )),
    );
    let env = |var: &str| (var == "TEST_YT_KEY").then(|| "yt-test-key".to_string());
    let planned = sources(
        &app.crisis,
        None,
        Some(CollectorKind::YouTube),
        &env,
        &app.store,
    )
    .unwrap();
    assert_eq!(planned[0].every, std::time::Duration::from_secs(15 * 60));
    let run = || {
        handle_collect(
            &app,
            CollectorKind::YouTube,
            &planned,
            json!({}),
            Budget::within(RUN_TIME),
        )
    };
    // The default quota pays for one page a run: three runs for 120 videos.
    for expected in [50, 50, 20] {
        let summary = run().await.unwrap();
        assert_eq!(summary.sources[0].new, expected, "{summary:?}");
    }
    assert_eq!(count(&app).await, 120);
    // The next sweep reads the last half hour again (both ends in): recognised, nothing new.
    let again = run().await.unwrap();
    assert_eq!((again.sources[0].new, again.sources[0].seen), (0, 31));

    let health = app.store.source_health().await.unwrap();
    let yt = health.iter().find(|h| h.source_id == "yt").unwrap();
    assert_eq!(yt.kind, "youtube");
    let quota = yt.quota.as_ref().expect("the quota's use in the health");
    assert_eq!(
        (quota.unit.as_str(), quota.used, quota.cap),
        ("units", 4 * 101, 10_000)
    );
    let (day, resets) = vigie_sources::youtube::quota_day(chrono::Utc::now());
    assert_eq!(
        (quota.period.as_str(), quota.resets_at),
        (day.as_str(), resets)
    );

    let unset = sources(
        &app.crisis,
        None,
        Some(CollectorKind::YouTube),
        &no_env,
        &app.store,
    )
    .unwrap();
    let err = handle_collect(
        &app,
        CollectorKind::YouTube,
        &unset,
        json!({}),
        Budget::within(RUN_TIME),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("TEST_YT_KEY is not set"), "{err}");
}
