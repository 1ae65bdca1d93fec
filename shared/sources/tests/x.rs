//! The X collector against a loopback server speaking X API v2 recent search as documented:
//! `data`, `includes`, `meta` with `newest_id` and `next_token`, `since_id`, `start_time`,
//! `max_results` between 10 and 100, 429 with `x-rate-limit-*` headers, 400, 401 and 403
//! problems.

mod common;

use chrono::{DateTime, Duration as Days, Utc};
use common::{fixture, http, param, Counted, GUADELOUPE};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigie_domain::ports::{Allowance, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement};
use vigie_sources::x::month;
use vigie_sources::XSource;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BEARER: &str = "AAAA-bearer-secret-0123";

fn x(server: &MockServer) -> XSource {
    XSource::new(
        "x",
        &server.uri(),
        "(#Guadeloupe OR #Gwada) cyclone",
        BEARER.into(),
        http(),
    )
    .area(GUADELOUPE)
}

#[tokio::test]
async fn a_page_of_posts_reposts_quotes_and_places_as_volunteers_read_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(header("authorization", format!("Bearer {BEARER}").as_str()))
        .and(query_param("query", "(#Guadeloupe OR #Gwada) cyclone"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("x_search.json")))
        .mount(&server)
        .await;
    let since = DateTime::parse_from_rfc3339("2026-12-04T21:45:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let batch = x(&server).since(since).fetch(None).await.unwrap();

    let ids: Vec<&str> = batch
        .observations
        .iter()
        .map(|o| o.native_id.as_str())
        .collect();
    // The repost is the prefect's post (older than `since`: skipped, its spread too); the
    // malformed item and the repost of a vanished post are skipped; the rest kept.
    assert_eq!(
        ids,
        [
            "1864411900000000005",
            "1864411800000000004",
            "1864411700000000003"
        ]
    );
    assert_eq!(batch.skipped.get(SkipReason::BeforeSince), 1);
    assert_eq!(batch.skipped.get(SkipReason::Unreadable), 2);

    let water = &batch.observations[0];
    assert_eq!(water.network, "x");
    assert_eq!(water.author, "lyne_gp");
    assert_eq!(water.author_name.as_deref(), Some("Lyne"));
    assert_eq!(
        water.url.as_deref(),
        Some("https://x.com/lyne_gp/status/1864411900000000005")
    );
    assert_eq!(
        water.body,
        Body::Plain(
            "Eau dans la maison à Petit-Bourg, on est montés à l'étage avec les enfants".into()
        ),
        "the photo's link is left out, the photo counted"
    );
    assert_eq!(water.media, 1);
    assert_eq!(water.language.as_deref(), Some("fr"));
    assert_eq!(water.point, Some((16.1912, -61.5913)));
    assert_eq!(
        water.counts,
        Some(Engagement {
            replies: 4,
            reposts: 14,
            likes: 30
        }),
        "reposts and quotes together"
    );

    let quote = &batch.observations[1];
    let Body::Plain(text) = &quote.body else {
        panic!("plain text")
    };
    assert!(text.starts_with("Confirmed by the town hall"), "{text}");
    assert!(
        text.ends_with("Quoting @radio_gp: Le pont de la Boucan à Sainte-Rose est fermé à la circulation — https://x.com/radio_gp/status/1864409000000000000"),
        "{text}"
    );
    let (lat, lon) = quote.point.expect("the tagged town's centre");
    assert!((lat - 16.31).abs() < 1e-9 && (lon + 61.71).abs() < 1e-9);

    let long = &batch.observations[2];
    let Body::Plain(text) = &long.body else {
        panic!("plain text")
    };
    assert!(
        text.ends_with(
            "toutes les heures sur https://routes.example/basse-terre jusqu'à la fin de l'alerte."
        ),
        "the whole long post, its link put back: {text}"
    );
    assert_eq!(long.point, None, "a point in Paris is not the crisis's");

    assert!(batch.more, "a next_token came back");
    let state: Value = serde_json::from_str(batch.checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(
        state["sweep"]["next_token"],
        "b26v89c19zqg8o3fpe17c2l5lzwpm3bbx1w1dd3m6kk95"
    );
    assert_eq!(state["sweep"]["newest"], "1864412000000000006");
    assert!(state.get("since_id").is_none());
}

#[tokio::test]
async fn a_repost_spreads_its_original_and_the_original_is_the_report() {
    let server = MockServer::start().await;
    Mock::given(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("x_search.json")))
        .mount(&server)
        .await;
    let batch = x(&server).fetch(None).await.unwrap();
    let prefect = batch
        .observations
        .iter()
        .find(|o| o.native_id == "1864410000000000001")
        .expect("the original post, not the repost");
    assert_eq!(prefect.author, "Prefet971");
    assert_eq!(
        prefect.body,
        Body::Plain(
            "Vigilance rouge cyclone : restez chez vous & éloignez-vous des fenêtres. https://www.guadeloupe.gouv.fr/vigilance".into()
        )
    );
    assert_eq!(prefect.counts.map(|c| c.reposts), Some(352));
    assert_eq!(
        batch.spreads,
        vec![(
            "x".to_string(),
            "1864410000000000001".to_string(),
            "1864412000000000006".to_string()
        )]
    );
    assert!(batch
        .observations
        .iter()
        .all(|o| o.native_id != "1864412000000000006"));
}

/// Recent search over posts 1..=`visible` (ids `1000 + n`, newest first), answering
/// `since_id`, `max_results` and `next_token` (`p<offset>`) as X does, and counting the posts
/// it sent.
struct Search {
    visible: Arc<AtomicU64>,
    served: Arc<AtomicU64>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Respond for Search {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.requests.lock().unwrap().push(req.url.to_string());
        let max: u64 = param(req, "max_results").unwrap().parse().unwrap();
        assert!((10..=100).contains(&max), "max_results {max}");
        let since: u64 = param(req, "since_id").map_or(1000, |s| s.parse().unwrap());
        let offset: u64 = param(req, "next_token").map_or(0, |t| t[1..].parse().unwrap());
        let top = 1000 + self.visible.load(Ordering::SeqCst);
        let ids: Vec<u64> = (since + 1..=top)
            .rev()
            .skip(offset as usize)
            .take(max as usize)
            .collect();
        self.served.fetch_add(ids.len() as u64, Ordering::SeqCst);
        let data: Vec<Value> = ids
            .iter()
            .map(|id| {
                json!({"id": id.to_string(), "text": format!("Arbre tombé route {id} à Goyave"),
                       "author_id": "7", "created_at": Utc::now().to_rfc3339(), "lang": "fr"})
            })
            .collect();
        let mut meta = json!({"result_count": ids.len()});
        if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
            meta["newest_id"] = json!(first.to_string());
            meta["oldest_id"] = json!(last.to_string());
            if *last > since + 1 {
                meta["next_token"] = json!(format!("p{}", offset + max));
            }
        }
        let mut body = json!({"meta": meta});
        if !data.is_empty() {
            body["data"] = json!(data);
            body["includes"] =
                json!({"users": [{"id": "7", "username": "ti_mano", "name": "Ti Mano"}]});
        }
        ResponseTemplate::new(200)
            .insert_header("x-rate-limit-limit", "60")
            .insert_header("x-rate-limit-remaining", "59")
            .set_body_json(body)
    }
}

async fn search(
    visible: u64,
) -> (
    MockServer,
    Arc<AtomicU64>,
    Arc<AtomicU64>,
    Arc<Mutex<Vec<String>>>,
) {
    let server = MockServer::start().await;
    let visible = Arc::new(AtomicU64::new(visible));
    let served = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    Mock::given(path("/2/tweets/search/recent"))
        .respond_with(Search {
            visible: visible.clone(),
            served: served.clone(),
            requests: requests.clone(),
        })
        .mount(&server)
        .await;
    (server, visible, served, requests)
}

#[tokio::test]
async fn a_sweep_pages_back_then_reads_only_what_came_after_its_newest_post() {
    let (server, visible, _, requests) = search(250).await;
    let since = Utc::now() - Days::days(30);
    let source = x(&server).since(since);
    let mut checkpoint: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
        seen.extend(batch.observations.iter().map(|o| o.native_id.clone()));
        checkpoint = batch.checkpoint;
        if !batch.more {
            break;
        }
    }
    assert_eq!(seen.len(), 250, "three pages: 100, 100, 50");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 250);
    {
        let asked = requests.lock().unwrap();
        let start = param_of(&asked[0], "start_time").expect("a first sweep from a start time");
        let start = DateTime::parse_from_rfc3339(&start).unwrap();
        assert!(
            Utc::now() - start.with_timezone(&Utc) < Days::days(7),
            "recent search keeps seven days: the start is within them, not the crisis's 30: {start}"
        );
        assert_eq!(param_of(&asked[1], "next_token").as_deref(), Some("p100"));
        assert_eq!(
            param_of(&asked[1], "start_time"),
            param_of(&asked[0], "start_time"),
            "the same start while the token pages"
        );
        assert!(asked[0].contains("expansions=author_id%2Cgeo.place_id%2Creferenced_tweets.id"));
    }
    let state: Value = serde_json::from_str(checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(state, json!({"since_id": "1250"}));

    // Nothing new: an empty answer, the checkpoint unchanged.
    let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
    assert!(batch.observations.is_empty() && !batch.more);
    assert_eq!(batch.checkpoint, checkpoint);
    // Twelve new posts: only they come.
    visible.store(262, Ordering::SeqCst);
    let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
    let ids: Vec<&str> = batch
        .observations
        .iter()
        .map(|o| o.native_id.as_str())
        .collect();
    assert_eq!(ids.len(), 12);
    assert_eq!((ids[0], ids[11]), ("1262", "1251"));
    let last = requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(param_of(&last, "since_id").as_deref(), Some("1250"));
    assert_eq!(param_of(&last, "start_time"), None);
}

fn param_of(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_run_cut_inside_a_sweep_goes_on_from_its_token_without_gap_or_duplicate() {
    let (server, visible, _, _) = search(230).await;
    let source = x(&server);
    // One page, then the run's budget ends; posts arrive before the next run.
    let first = source.fetch(None).await.unwrap();
    assert!(first.more);
    visible.store(240, Ordering::SeqCst);
    let mut checkpoint = first.checkpoint.clone();
    let mut ids: Vec<u64> = first
        .observations
        .iter()
        .map(|o| o.native_id.parse().unwrap())
        .collect();
    loop {
        let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
        ids.extend(
            batch
                .observations
                .iter()
                .map(|o| o.native_id.parse::<u64>().unwrap()),
        );
        checkpoint = batch.checkpoint;
        if !batch.more {
            break;
        }
    }
    // The fake's offsets shift with new posts, as a real index may: some come twice (stored
    // once by the engine), none is missed, and the next sweep reads the new ones.
    let batch = source.fetch(checkpoint.as_deref()).await.unwrap();
    ids.extend(
        batch
            .observations
            .iter()
            .map(|o| o.native_id.parse::<u64>().unwrap()),
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids, (1001..=1240).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_monthly_cap_is_never_exceeded_over_a_simulated_day_of_schedules() {
    // A busy crisis: 60 new posts between runs, a run every five minutes for a day, a cap
    // of 3,000 posts read a month.
    let (server, visible, served, requests) = search(0).await;
    let allowance = Arc::new(Counted::default());
    let source = x(&server).monthly_cap(3_000, allowance.clone());
    let mut checkpoint: Option<String> = None;
    let mut waiting = None;
    for run in 0..288u64 {
        visible.store((run + 1) * 60, Ordering::SeqCst);
        // A run: pages while there are more, as the engine does, ten at most.
        for _ in 0..10 {
            match source.fetch(checkpoint.as_deref()).await {
                Ok(batch) => {
                    checkpoint = batch.checkpoint;
                    if !batch.more {
                        break;
                    }
                }
                Err(SourceError::RateLimited { until }) => {
                    waiting = Some(until);
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert!(served.load(Ordering::SeqCst) <= 3_000, "run {run}");
    }
    let (period, resets) = month(Utc::now());
    let used = allowance.used(&period).await.unwrap();
    let served = served.load(Ordering::SeqCst);
    assert!(served > 2_800, "the cap is used, not left idle: {served}");
    assert!(
        served <= 3_000 && used <= 3_000,
        "served {served}, counted {used}"
    );
    assert!(used >= served, "the count is never below what X sent");
    assert_eq!(waiting, Some(resets), "waits for the next month");
    let before = requests.lock().unwrap().len();
    assert!(matches!(
        source.fetch(checkpoint.as_deref()).await,
        Err(SourceError::RateLimited { .. })
    ));
    assert_eq!(
        requests.lock().unwrap().len(),
        before,
        "a spent month sends no request at all"
    );
    let quota = source.quota().await.unwrap();
    assert_eq!(
        (quota.unit.as_str(), quota.cap, quota.used),
        ("posts", 3_000, used)
    );
    assert_eq!(quota.resets_at, resets);
}

#[tokio::test]
async fn rate_limits_wait_until_the_reset_and_refusals_name_what_to_fix() {
    let server = MockServer::start().await;
    let reset = Utc::now().timestamp() + 600;
    Mock::given(path("/2/tweets/search/recent"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-limit", "60")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str())
                .set_body_json(json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})),
        )
        .mount(&server)
        .await;
    let allowance = Arc::new(Counted::default());
    let source = x(&server).monthly_cap(1_000, allowance.clone());
    match source.fetch(None).await {
        Err(SourceError::RateLimited { until }) => assert_eq!(until.timestamp(), reset),
        other => panic!("{other:?}"),
    }
    let (period, _) = month(Utc::now());
    assert_eq!(
        allowance.used(&period).await.unwrap(),
        0,
        "a refusal read nothing"
    );

    for (status, body, words) in [
        (
            401,
            json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
            vec!["bearer_env", "401"],
        ),
        (
            403,
            json!({"title": "Client Forbidden", "reason": "client-not-enrolled", "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.", "type": "https://api.twitter.com/2/problems/client-forbidden"}),
            vec!["403", "attached to a Project"],
        ),
        (
            400,
            json!({"errors": [{"parameters": {"query": ["(#Gwada"]}, "message": "There were errors processing your request: missing ) at position 7"}], "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"}),
            vec!["query", "missing )"],
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/2/tweets/search/recent"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        match x(&server).fetch(None).await {
            Err(SourceError::Fatal(message)) => {
                for w in &words {
                    assert!(message.contains(w), "{status}: {message}");
                }
                assert!(!message.contains(BEARER), "{message}");
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_token_or_since_id_x_no_longer_takes_starts_the_sweep_again() {
    let server = MockServer::start().await;
    Mock::given(path("/2/tweets/search/recent"))
        .and(query_param("next_token", "stale"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"errors": [{"message": "Invalid 'next_token'"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/2/tweets/search/recent"))
        .and(query_param("since_id", "1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"errors": [{"message": "Invalid 'since_id': must be within the last 7 days"}]}),
        ))
        .mount(&server)
        .await;
    let source = x(&server);
    let state =
        json!({"since_id": "1", "sweep": {"newest": "5", "next_token": "stale"}}).to_string();
    let batch = source.fetch(Some(&state)).await.unwrap();
    assert!(batch.more && batch.observations.is_empty());
    let next: Value = serde_json::from_str(batch.checkpoint.as_deref().unwrap()).unwrap();
    assert_eq!(next, json!({"since_id": "1", "sweep": {"newest": "5"}}));
    let batch = source.fetch(batch.checkpoint.as_deref()).await.unwrap();
    let next: Value = serde_json::from_str(batch.checkpoint.as_deref().unwrap()).unwrap();
    assert!(next.get("since_id").is_none(), "{next}");
    assert_eq!(next["sweep"]["newest"], "5", "what was seen stays seen");
    assert!(next["sweep"]["start_time"].is_string());
}

#[tokio::test]
async fn server_errors_timeouts_and_garbled_answers_are_transient() {
    let server = MockServer::start().await;
    Mock::given(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("x_search.json")))
        .mount(&server)
        .await;
    assert_eq!(x(&server).fetch(None).await.unwrap().observations.len(), 4);

    for body in [
        "{\"data\": [{\"id\": \"1\"",
        "<html><body>Over capacity</body></html>",
        "",
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/2/tweets/search/recent"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
        let allowance = Arc::new(Counted::default());
        let source = x(&server).monthly_cap(1_000, allowance.clone());
        match source.fetch(None).await {
            Err(SourceError::Transient(m)) => assert!(m.contains("X recent search"), "{m}"),
            other => panic!("{body}: {other:?}"),
        }
        let (period, _) = month(Utc::now());
        assert_eq!(allowance.used(&period).await.unwrap(), 0, "{body}");
    }

    let server = MockServer::start().await;
    Mock::given(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let allowance = Arc::new(Counted::default());
    let source = x(&server).monthly_cap(1_000, allowance.clone());
    assert!(matches!(
        source.fetch(None).await,
        Err(SourceError::Transient(m)) if m.contains("timed out")
    ));
    let (period, _) = month(Utc::now());
    assert_eq!(
        allowance.used(&period).await.unwrap(),
        200,
        "an answer lost on the way may have been counted by X: it stays counted"
    );
}
