//! The YouTube collector against a loopback server speaking YouTube Data API v3 as documented:
//! `search.list` (`q`, `type=video`, `order=date`, `publishedAfter`, `pageToken`,
//! `nextPageToken`, `location` and `locationRadius`), `videos.list` (snippet, statistics as
//! strings, recordingDetails), and Google's error answers: 403 `quotaExceeded`, 400
//! `keyInvalid` (and its newer `API_KEY_INVALID` form), 400 `invalidPageToken`.

mod common;

use chrono::{DateTime, Utc};
use common::{fixture, http, param, Counted, GUADELOUPE};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use vigie_domain::crisis::{youtube_plan, YOUTUBE_PAGE_UNITS};
use vigie_domain::ports::{Allowance, SkipReason, Source, SourceError};
use vigie_domain::report::{Body, Engagement};
use vigie_sources::youtube::quota_day;
use vigie_sources::YouTubeSource;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "AIzaSyD-secret-key-0123456789";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn youtube(server: &MockServer) -> YouTubeSource {
    YouTubeSource::new(
        "yt",
        &server.uri(),
        "#Guadeloupe|#Gwada cyclone|inondation",
        KEY.into(),
        http(),
    )
    .area(GUADELOUPE, false)
}

fn google_error(code: u16, reason: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "error": {
            "code": code,
            "message": message,
            "errors": [{ "message": message, "domain": "youtube.quota", "reason": reason }]
        }
    }))
}

#[tokio::test]
async fn a_page_of_videos_with_their_details_as_volunteers_read_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/youtube/v3/search"))
        .and(query_param("key", KEY))
        .and(query_param("part", "snippet"))
        .and(query_param("type", "video"))
        .and(query_param("order", "date"))
        .and(query_param("q", "#Guadeloupe|#Gwada cyclone|inondation"))
        .and(query_param("publishedAfter", "2026-12-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("youtube_search.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/youtube/v3/videos"))
        .and(query_param("key", KEY))
        .and(query_param(
            "id",
            "Vd3rM0tNw0A,Pr3f3ct0rGP,G0neVide0x1,0ld0nesVide,Fr0mAbr0ad1",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("youtube_videos.json")))
        .expect(1)
        .mount(&server)
        .await;

    let batch = youtube(&server)
        .since(at("2026-12-01T00:00:00Z"))
        .fetch(None)
        .await
        .unwrap();
    let ids: Vec<&str> = batch
        .observations
        .iter()
        .map(|o| o.native_id.as_str())
        .collect();
    assert_eq!(ids, ["Vd3rM0tNw0A", "Pr3f3ct0rGP", "Fr0mAbr0ad1"]);
    // The malformed result and the video removed between the two calls; the old one.
    assert_eq!(batch.skipped.get(SkipReason::Unreadable), 2);
    assert_eq!(batch.skipped.get(SkipReason::BeforeSince), 1);

    let flood = &batch.observations[0];
    assert_eq!(flood.network, "youtube");
    assert_eq!(
        flood.url.as_deref(),
        Some("https://www.youtube.com/watch?v=Vd3rM0tNw0A")
    );
    assert_eq!(flood.author, "UCg7tV2YHfVq7mX0p0yX3bqw");
    assert_eq!(flood.author_name.as_deref(), Some("Kréyòl Nouvèl"));
    // The whole description from videos.list, not search's cut and escaped one.
    assert_eq!(
        flood.body,
        Body::Plain(
            "Inondation à Petit-Bourg, la rivière déborde\n\nFilmé ce matin rue de la Rivière, l'eau monte jusqu'aux fenêtres.\nUne famille attend sur le toit, appelez les pompiers !".into()
        )
    );
    assert_eq!(flood.language.as_deref(), Some("fr"));
    assert_eq!(flood.posted_at, at("2026-12-05T14:20:11Z"));
    assert_eq!(flood.point, Some((16.1912, -61.5906)));
    assert_eq!(flood.media, 1);
    assert_eq!(
        flood.counts,
        Some(Engagement {
            replies: 37,
            reposts: 0,
            likes: 211
        })
    );
    let prefect = &batch.observations[1];
    assert_eq!(
        prefect.body,
        Body::Plain("Point de situation du préfet".into())
    );
    assert_eq!(prefect.language.as_deref(), Some("fr"));
    assert_eq!(prefect.point, None);
    assert_eq!(prefect.counts.as_ref().map(|c| c.replies), Some(0));
    // Recorded in Paris: the place is outside the crisis area, the video is kept without it.
    let far = &batch.observations[2];
    assert_eq!(far.point, None);
    assert_eq!(far.language, None);

    // More pages wait; the sweep keeps its start.
    assert!(batch.more);
    let checkpoint = batch.checkpoint.unwrap();
    assert!(checkpoint.contains("CDIQAA"), "{checkpoint}");
    assert!(!checkpoint.contains(KEY));
}

/// Two pages of one sweep, then the next sweep from the newest video less the overlap; the
/// search asks for the area's circle when the crisis file says `near_area`.
#[tokio::test]
async fn a_sweep_goes_through_its_pages_then_the_next_starts_from_its_newest_video() {
    let server = MockServer::start().await;
    /// Each search's `publishedAfter` and `pageToken`.
    type Asked = Arc<Mutex<Vec<(Option<String>, Option<String>)>>>;
    let seen: Asked = Arc::default();
    struct Pages(Asked);
    impl Respond for Pages {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            assert_eq!(param(req, "location").as_deref(), Some("16.1750,-61.4250"));
            assert_eq!(param(req, "locationRadius").as_deref(), Some("60km"));
            let token = param(req, "pageToken");
            self.0
                .lock()
                .unwrap()
                .push((param(req, "publishedAfter"), token.clone()));
            let (id, published, next) = match token.as_deref() {
                None => ("NewestVid01", "2026-12-05T10:00:00Z", Some("PAGE2")),
                Some("PAGE2") => ("OlderVid002", "2026-12-05T08:00:00Z", None),
                Some(other) => panic!("token {other}"),
            };
            let mut body = json!({"items": [{
                "id": {"kind": "youtube#video", "videoId": id},
                "snippet": {"publishedAt": published, "title": id}
            }]});
            if let Some(next) = next {
                body["nextPageToken"] = json!(next);
            }
            ResponseTemplate::new(200).set_body_json(body)
        }
    }
    struct Details;
    impl Respond for Details {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let items: Vec<_> = param(req, "id")
                .unwrap()
                .split(',')
                .map(|id| {
                    json!({"id": id, "snippet": {
                        "publishedAt": "2026-12-05T09:00:00Z",
                        "channelId": "UCx", "title": format!("Vidéo {id}"), "description": ""
                    }})
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({ "items": items }))
        }
    }
    Mock::given(path("/youtube/v3/search"))
        .respond_with(Pages(seen.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/youtube/v3/videos"))
        .respond_with(Details)
        .mount(&server)
        .await;

    let source = youtube(&server)
        .area(GUADELOUPE, true)
        .since(at("2026-12-04T00:00:00Z"));
    let first = source.fetch(None).await.unwrap();
    assert!(first.more);
    let second = source.fetch(first.checkpoint.as_deref()).await.unwrap();
    assert!(!second.more);
    assert_eq!(second.observations[0].native_id, "OlderVid002");
    let third = source.fetch(second.checkpoint.as_deref()).await.unwrap();
    // A rerun of the last checkpoint asks the same again: nothing lost, nothing new.
    let again = source.fetch(second.checkpoint.as_deref()).await.unwrap();
    assert_eq!(third.checkpoint, again.checkpoint);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen[..3],
        [
            (Some("2026-12-04T00:00:00Z".into()), None),
            (Some("2026-12-04T00:00:00Z".into()), Some("PAGE2".into())),
            // The newest video of the sweep (10:00) less half an hour.
            (Some("2026-12-05T09:30:00Z".into()), None),
        ]
    );
}

/// Google's units as the fake counts them: 100 a search, 1 a videos call, refused with
/// `quotaExceeded` once the project's quota is spent.
struct Metered {
    units: Arc<AtomicU64>,
    quota: u64,
    cost: u64,
}

impl Respond for Metered {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let before = self.units.fetch_add(self.cost, Ordering::SeqCst);
        if before + self.cost > self.quota {
            return google_error(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
            );
        }
        if req.url.path().ends_with("/search") {
            let n = before / 101;
            ResponseTemplate::new(200).set_body_json(json!({"items": [{
                "id": {"kind": "youtube#video", "videoId": format!("vid{n:08}")},
                "snippet": {"publishedAt": "2026-12-05T09:00:00Z"}
            }], "nextPageToken": format!("T{n}")}))
        } else {
            let id = param(req, "id").unwrap();
            ResponseTemplate::new(200).set_body_json(json!({"items": [{"id": id, "snippet": {
                "publishedAt": "2026-12-05T09:00:00Z", "channelId": "UCx", "title": "t"
            }}]}))
        }
    }
}

/// A day of schedules as the crisis file derives them, with more pages always waiting: the
/// source never spends more than its quota, then waits for the Pacific midnight.
#[tokio::test]
async fn a_simulated_day_of_runs_never_exceeds_the_daily_quota() {
    let server = MockServer::start().await;
    let units = Arc::new(AtomicU64::new(0));
    Mock::given(path("/youtube/v3/search"))
        .respond_with(Metered {
            units: units.clone(),
            quota: 100_000,
            cost: 100,
        })
        .mount(&server)
        .await;
    Mock::given(path("/youtube/v3/videos"))
        .respond_with(Metered {
            units: units.clone(),
            quota: 100_000,
            cost: 1,
        })
        .mount(&server)
        .await;
    let quota = 3_000;
    let (every, pages) = youtube_plan(quota, None).unwrap();
    let runs = 86_400 / every.as_secs() as usize;
    let allowance = Arc::new(Counted::default());
    let source = youtube(&server).daily_quota(quota, pages, allowance.clone());
    assert_eq!(source.max_pages(), Some(pages));

    // Each run reads at most its pages (as the engine does); a manual collection now and then
    // on top of the schedule, which the count in the store also covers.
    let mut checkpoint: Option<String> = None;
    let mut waited = 0;
    for run in 0..runs + runs / 4 {
        for _ in 0..pages {
            match source.fetch(checkpoint.as_deref()).await {
                Ok(batch) => checkpoint = batch.checkpoint,
                Err(SourceError::RateLimited { until }) => {
                    assert_eq!(until, quota_day(Utc::now()).1, "run {run}");
                    waited += 1;
                    break;
                }
                Err(e) => panic!("run {run}: {e}"),
            }
        }
    }
    let spent = units.load(Ordering::SeqCst);
    assert!(spent <= quota, "{spent} units spent of {quota}");
    assert!(spent >= quota - YOUTUBE_PAGE_UNITS, "{spent}");
    assert!(waited > 0);
    let (day, _) = quota_day(Utc::now());
    assert_eq!(allowance.used(&day).await.unwrap(), spent);
    let shown = source.quota().await.unwrap();
    assert_eq!(
        (shown.unit.as_str(), shown.used, shown.cap),
        ("units", spent, quota)
    );
}

#[tokio::test]
async fn quota_exceeded_is_waiting_until_midnight_pacific_and_counts_the_day_spent() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/search"))
        .respond_with(google_error(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let allowance = Arc::new(Counted::default());
    let source = youtube(&server).daily_quota(10_000, 1, allowance.clone());
    let e = source.fetch(None).await.unwrap_err();
    let (day, resets) = quota_day(Utc::now());
    assert!(
        matches!(e, SourceError::RateLimited { until } if until == resets),
        "{e:?}"
    );
    // The day is counted spent: the next run waits without asking YouTube again.
    assert_eq!(allowance.used(&day).await.unwrap(), 10_000);
    let e = source.fetch(None).await.unwrap_err();
    assert!(matches!(e, SourceError::RateLimited { .. }), "{e:?}");
}

#[tokio::test]
async fn a_refused_key_is_fatal_names_the_variable_and_never_shows_the_key() {
    // Both forms Google answers with: the older `keyInvalid` and the newer `API_KEY_INVALID`.
    let older = google_error(400, "keyInvalid", "Bad Request");
    let newer = ResponseTemplate::new(400).set_body_json(json!({"error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "errors": [{"message": "API key not valid. Please pass a valid API key.",
                    "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                     "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]
    }}));
    for answer in [older, newer] {
        let server = MockServer::start().await;
        Mock::given(path("/youtube/v3/search"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let e = youtube(&server).fetch(None).await.unwrap_err();
        let SourceError::Fatal(text) = &e else {
            panic!("{e:?}")
        };
        assert!(
            text.contains("API key") && text.contains("key_env"),
            "{text}"
        );
        assert!(!text.contains(KEY), "{text}");
    }
    // Another refusal (the API not enabled for the key's project) is fatal with Google's words.
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/search"))
        .respond_with(google_error(
            403,
            "accessNotConfigured",
            "YouTube Data API v3 has not been used in project 123 before or it is disabled.",
        ))
        .mount(&server)
        .await;
    let e = youtube(&server).fetch(None).await.unwrap_err();
    assert!(
        matches!(&e, SourceError::Fatal(t) if t.contains("has not been used in project")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_page_token_youtube_no_longer_takes_restarts_the_sweep() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/search"))
        .and(query_param("pageToken", "STALE"))
        .respond_with(google_error(
            400,
            "invalidPageToken",
            "The request specifies an invalid page token.",
        ))
        .mount(&server)
        .await;
    let source = youtube(&server);
    let checkpoint = r#"{"sweep":{"after":"2026-12-04T00:00:00Z","page_token":"STALE"}}"#;
    let batch = source.fetch(Some(checkpoint)).await.unwrap();
    assert!(batch.more && batch.observations.is_empty());
    assert_eq!(
        batch.checkpoint.as_deref(),
        Some(r#"{"sweep":{"after":"2026-12-04T00:00:00Z"}}"#)
    );
}

#[tokio::test]
async fn an_empty_search_costs_its_hundred_units_and_no_details_call() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "youtube#searchListResponse", "pageInfo": {"totalResults": 0}, "items": []
        })))
        .mount(&server)
        .await;
    Mock::given(path("/youtube/v3/videos"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let allowance = Arc::new(Counted::default());
    let source = youtube(&server)
        .since(at("2026-12-04T00:00:00Z"))
        .daily_quota(10_000, 1, allowance.clone());
    let batch = source.fetch(None).await.unwrap();
    assert!(!batch.more && batch.observations.is_empty());
    let (day, _) = quota_day(Utc::now());
    assert_eq!(allowance.used(&day).await.unwrap(), 100);
    // Nothing found: the next sweep starts where this one did.
    assert_eq!(
        batch.checkpoint.as_deref(),
        Some(r#"{"after":"2026-12-04T00:00:00Z"}"#)
    );
}
