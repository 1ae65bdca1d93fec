//! Ingest (issue 19, point 4): the collection path end to end on the embedded store, in posts
//! per second per core: a Mastodon instance on loopback answers the hashtag timeline with
//! pages of real-format statuses (prepared before the clock starts, so serving costs next to
//! nothing), and Vigie's collection runs (the Mastodon source parsing the JSON, the domain's
//! pipeline, near-copy clustering, the SQLite store, the checkpoint) take them all; beside it,
//! the domain's pipeline alone on the same posts. CPU time, not wall time, so the figure is
//! per core whatever else the machine does. Targets: 20,000 posts a second per core for the
//! pipeline, 5,000 end to end.
//!
//! Run with `scripts/bench-ingest [POSTS]` (bench profile; default 20,000 posts).

#[path = "support/seed.rs"]
mod seed;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use vigie_app::Vigie;
use vigie_domain::report::{ingest, Body, IngestContext};
use vigie_domain::{Crisis, Gazetteer};
use vigie_e2e::bench;

const CRISIS: &str = "[crisis]\nid = \"bench\"\nname = \"Bench\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nsince = \"2020-01-01T00:00:00Z\"\n";
const PAGE: usize = 40;

/// CPU time of this process (every thread), or of the calling thread.
fn cpu(who: libc::c_int) -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(who, &mut usage) };
    let t = |v: libc::timeval| Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000);
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// The pages of the timeline, newest first: page k holds statuses with ids below the k-th
/// page boundary, as `max_id` asks.
struct Timeline {
    /// By the `max_id` asked (None: the latest page): the body and whether an older page follows.
    pages: HashMap<Option<u64>, (String, bool)>,
    base: String,
}

async fn timeline(
    State(t): State<Arc<Timeline>>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::response::Response {
    if q.contains_key("min_id") {
        // Nothing newer than what was collected.
        return ([("content-type", "application/json")], "[]").into_response();
    }
    let max = q.get("max_id").and_then(|m| m.parse().ok());
    match t.pages.get(&max) {
        Some((body, more)) => {
            let oldest = max.unwrap_or(u64::MAX);
            let mut headers = vec![("content-type", "application/json".to_string())];
            if *more {
                let next = body_oldest(body).unwrap_or(oldest);
                headers.push((
                    "link",
                    format!(
                        "<{}/api/v1/timelines/tag/Gwada?limit={PAGE}&max_id={next}>; rel=\"next\"",
                        t.base
                    ),
                ));
            }
            let mut response = body.clone().into_response();
            for (k, v) in headers {
                response.headers_mut().insert(k, v.parse().unwrap());
            }
            response
        }
        None => ([("content-type", "application/json")], "[]").into_response(),
    }
}

fn body_oldest(body: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.as_array()?.last()?["id"].as_str()?.parse().ok()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let crisis = Crisis::parse("bench", CRISIS).unwrap();
    let gazetteer = Gazetteer::guadeloupe();
    let posts = seed::Posts::new(&gazetteer, chrono::Utc::now());
    let observations: Vec<_> = (0..n).map(|i| posts.observation(i)).collect();

    // The pipeline alone, on one thread.
    let ctx = IngestContext {
        crisis: &crisis,
        gazetteer: &gazetteer,
    };
    let now = chrono::Utc::now();
    let before = cpu(libc::RUSAGE_THREAD);
    let mut kept = 0usize;
    for o in &observations {
        kept += std::hint::black_box(ingest(o, &ctx, now)).text.len() & 1;
    }
    let pipeline = cpu(libc::RUSAGE_THREAD) - before;
    let pipeline_rate = n as f64 / pipeline.as_secs_f64();
    std::hint::black_box(kept);

    // The instance: the statuses as Mastodon sends them (HTML content), newest first.
    let statuses: Vec<serde_json::Value> = observations
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let text = match &o.body {
                Body::Plain(t) | Body::Html(t) => t.clone(),
            };
            let id = (n - i) as u64;
            serde_json::json!({
                "id": id.to_string(),
                "uri": format!("https://m.example/users/someone/statuses/{id}"),
                "url": format!("https://m.example/@someone/{id}"),
                "created_at": o.posted_at.to_rfc3339(),
                "account": {"acct": o.author, "username": "someone", "display_name": "Quelqu'un"},
                "content": format!("<p>{}</p>", text.replace('&', "&amp;").replace('<', "&lt;")),
                "language": o.language,
                "media_attachments": [],
                "replies_count": 0, "reblogs_count": 0, "favourites_count": 0
            })
        })
        .collect();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut pages = HashMap::new();
    for (k, chunk) in statuses.chunks(PAGE).enumerate() {
        let max = (k > 0).then(|| (n - k * PAGE + 1) as u64);
        pages.insert(
            max,
            (serde_json::to_string(chunk).unwrap(), (k + 1) * PAGE < n),
        );
    }
    let timeline_state = Arc::new(Timeline {
        pages,
        base: base.clone(),
    });
    let (server_cpu_tx, server_cpu_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new()
                .route("/api/v1/timelines/tag/{tag}", axum::routing::get(timeline))
                .with_state(timeline_state);
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
        server_cpu_tx.send(cpu(libc::RUSAGE_THREAD)).unwrap();
    });

    // The collection, run after run until the backlog is in, on one thread.
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (stored, runs, wall, collect_cpu) = rt.block_on(async {
        let app = Vigie::new(
            crisis.clone(),
            gazetteer.clone(),
            Arc::new(vigie_local::SqliteStore::open(&dir.path().join("vigie.db")).unwrap()),
            Arc::new(vigie_local::FolderPublisher::new(&dir.path().join("public")).unwrap()),
            Arc::new(vigie_local::LogNotifier),
        );
        let http = vigie_sources::Http::new(Duration::from_secs(30), Default::default()).unwrap();
        let source = vigie_sources::MastodonSource::new(
            "bench-masto",
            &base,
            &["Gwada".to_string()],
            None,
            http,
        )
        .since(
            chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
                .unwrap()
                .into(),
        );
        let start = std::time::Instant::now();
        let before = cpu(libc::RUSAGE_SELF);
        let (mut stored, mut runs) = (0usize, 0usize);
        loop {
            let summary = vigie_app::collect::run_source(
                &app,
                &source,
                vigie_app::collect::Budget::within(Duration::from_secs(600)),
            )
            .await;
            runs += 1;
            assert!(
                summary.error.is_none(),
                "collection failed: {:?}",
                summary.error
            );
            stored += summary.new;
            if summary.new == 0 || runs > n {
                break;
            }
        }
        (
            stored,
            runs,
            start.elapsed(),
            cpu(libc::RUSAGE_SELF) - before,
        )
    });
    stop_tx.send(()).ok();
    server.join().unwrap();
    let server_cpu = server_cpu_rx.recv().unwrap();
    let end_to_end = collect_cpu.saturating_sub(server_cpu);
    let e2e_rate = stored as f64 / end_to_end.as_secs_f64();

    println!(
        "{n} posts, {} distinct after clustering, in {runs} runs:",
        stored
    );
    println!(
        "  pipeline alone (normalise, classify, geoparse, fingerprint)   {pipeline_rate:>9.0} posts/s per core  (target ≥ 20000)"
    );
    println!(
        "  end to end (HTTP page, JSON, pipeline, clustering, SQLite)     {e2e_rate:>9.0} posts/s per core  (target ≥ 5000; {:.2} s CPU, {:.2} s wall, the instance's {:.2} s CPU left out)",
        end_to_end.as_secs_f64(),
        wall.as_secs_f64(),
        server_cpu.as_secs_f64()
    );
    bench::row(
        "ingest: the domain's pipeline alone",
        &format!("{pipeline_rate:.0} posts/s per core"),
        "",
        "≥ 20,000",
        bench::met(pipeline_rate >= 20_000.0),
    );
    bench::row(
        "ingest: end to end on SQLite (Mastodon pages on loopback)",
        &format!("{e2e_rate:.0} posts/s per core"),
        &format!(
            "{:.0}% of the pipeline's rate",
            e2e_rate / pipeline_rate * 100.0
        ),
        "≥ 5,000",
        bench::met(e2e_rate >= 5_000.0),
    );
    bench::metric("ingest.end_to_end_per_s", e2e_rate, "posts/s");
    bench::metric("ingest.pipeline_per_s", pipeline_rate, "posts/s");
}
