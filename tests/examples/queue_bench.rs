//! The queue at scale (issue 19, point 3): stores of 10,000 and 100,000 reports (or the sizes
//! given) in the embedded SQLite store, served by `vigie local` on loopback; each route of the
//! volunteers' table under 16 concurrent clients for a few seconds: the first page of the
//! queue, each filter, a two-word `q`, `/stats`, `/rumors`, `/escalations`, `/changes` with
//! nothing new and with 500 changes. Prints requests per second, p50 and p99, and reports each
//! against its target at the largest size: p99 under 50 ms for listings and filters, under
//! 100 ms for `q`, `/stats` and `/rumors`.
//!
//! Run with `scripts/bench-queue [SIZES…]` (bench profile; `VIGIE_BIN` is the vigie binary).
//! `QUEUE_PHASE` sets each route's seconds (default 3).

#[path = "support/seed.rs"]
mod seed;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_app::Vigie;
use vigie_conformance::TestStore as _;
use vigie_domain::report::IngestContext;
use vigie_domain::taxonomy::{Category, Priority, Status, Verification};
use vigie_domain::{Crisis, Gazetteer};
use vigie_e2e::bench;

const CLIENTS: usize = 16;
const CRISIS: &str =
    "[crisis]\nid = \"bench\"\nname = \"Bench\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A store of `n` reports as a crisis table has them: most new, a quarter triaged, some
/// published or dismissed; every category and priority; 2% rumours, 1% escalated.
async fn seed_store(dir: &std::path::Path, n: usize) -> seed::Posts {
    std::fs::write(dir.join("crisis.toml"), CRISIS).unwrap();
    let app = Vigie::new(
        Crisis::parse("bench", CRISIS).unwrap(),
        Gazetteer::guadeloupe(),
        Arc::new(vigie_local::SqliteStore::open(&dir.join("vigie.db")).unwrap()),
        Arc::new(vigie_local::FolderPublisher::new(&dir.join("public")).unwrap()),
        Arc::new(vigie_local::LogNotifier),
    );
    let posts = seed::Posts::new(&app.gazetteer, chrono::Utc::now());
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    eprintln!("preparing {n} reports…");
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        let batch: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let mut r = posts.report(i, &ctx);
                r.status = match i % 20 {
                    0..=9 => Status::New,
                    10..=14 => Status::Triaged,
                    15..=16 => Status::Published,
                    _ => Status::Dismissed,
                };
                if r.status != Status::New {
                    r.category = Some(Category::ALL[i % Category::ALL.len()]);
                    r.priority = Some(Priority::ALL[(i / 3) % Priority::ALL.len()]);
                }
                if i % 50 == 7 {
                    r.verification = Verification::Rumor;
                } else if r.status == Status::Published {
                    r.verification = Verification::Confirmed;
                }
                if i % 100 == 3 {
                    r.escalated = true;
                    r.escalated_at = Some(r.collected_at);
                }
                if r.location.is_none() || r.status == Status::Published {
                    let place = &posts.places[i % posts.places.len()];
                    r.location = Some(vigie_domain::report::Location::at_place(
                        place,
                        vigie_domain::taxonomy::LocationMethod::Volunteer,
                    ));
                }
                if r.status == Status::Published {
                    r.published_at = Some(r.collected_at);
                }
                r
            })
            .collect();
        app.store.insert_reports(&batch).await.unwrap();
    }
    posts
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    requests: usize,
    errors: usize,
}

/// `CLIENTS` clients sending GET `path` for `phase` (each at least once).
async fn load(client: &reqwest::Client, url: String, token: &str, phase: Duration) -> Figures {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url, token) = (client.clone(), url.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            while lat.len() + errors == 0 || start.elapsed() < phase {
                let t = Instant::now();
                match client.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let (mut lat, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    lat.sort();
    Figures {
        per_second: lat.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        requests: lat.len(),
        errors,
    }
}

async fn measure_size(n: usize, vigie: &str, phase: Duration, largest: bool) {
    let dir = tempfile::tempdir().unwrap();
    let posts = seed_store(dir.path(), n).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = vigie_e2e::Running(
        Command::new(vigie)
            .args(["local", "--crisis"])
            .arg(dir.path().join("crisis.toml"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("vigie starts"),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "vigie did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = Command::new(vigie)
        .args([
            "token",
            "create",
            "--role",
            "coordinator",
            "--name",
            "bench",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    let api = |path: &str| format!("{base}/api/v1/{path}");
    // The feed's cursor never claims the last seconds (CHANGES_OVERLAP): wait them out, so
    // that "nothing new" is nothing new and not the end of the seeding.
    tokio::time::sleep(vigie_domain::ports::CHANGES_OVERLAP + Duration::from_secs(1)).await;
    let start: serde_json::Value = client
        .get(api("changes"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cursor = start["cursor"].as_str().unwrap_or_default().to_string();
    let place = posts.places[3].name.clone();
    let q = posts.two_words();
    let listing = 50.0;
    let heavy = 100.0;
    let routes: Vec<(&str, String, f64)> = vec![
        ("queue, first page", api("reports?limit=50"), listing),
        (
            "filter status=new",
            api("reports?status=new&limit=50"),
            listing,
        ),
        (
            "filter category=rescue",
            api("reports?category=rescue&limit=50"),
            listing,
        ),
        (
            "filter priority=critical",
            api("reports?priority=critical&limit=50"),
            listing,
        ),
        (
            "filter verification=rumor",
            api("reports?verification=rumor&limit=50"),
            listing,
        ),
        (
            "filter network=bluesky",
            api("reports?network=bluesky&limit=50"),
            listing,
        ),
        (
            "filter escalated=true",
            api("reports?escalated=true&limit=50"),
            listing,
        ),
        (
            "filter place",
            api(&format!("reports?place={}&limit=50", urlencode(&place))),
            listing,
        ),
        (
            "q, two words",
            api(&format!("reports?q={}&limit=50", urlencode(&q))),
            heavy,
        ),
        ("/stats", api("stats"), heavy),
        ("/rumors", api("rumors"), heavy),
        ("/escalations", api("escalations"), listing),
        (
            "/changes, nothing new",
            api(&format!("changes?since={cursor}")),
            listing,
        ),
    ];
    println!(
        "{n} reports, {CLIENTS} clients, {} s a route:",
        phase.as_secs()
    );
    let record = |name: &str, f: &Figures, target: f64, key: &str| {
        println!(
            "  {name:<28} {:>8.0} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  ({} requests, {} errors; target p99 < {target} ms)",
            f.per_second,
            ms(f.p50),
            ms(f.p99),
            f.requests,
            f.errors
        );
        bench::row(
            &format!("queue: {n} reports, {name}, p99 (p50; req/s)"),
            &format!(
                "{:.1} ms ({:.1} ms; {:.0}/s)",
                ms(f.p99),
                ms(f.p50),
                f.per_second
            ),
            if f.errors > 0 { "with errors" } else { "" },
            &format!("p99 < {target} ms at 1,000,000"),
            if largest {
                bench::met(ms(f.p99) < target && f.errors == 0)
            } else {
                None
            },
        );
        // What one request costs the machine (its cores busy over the phase), for the cost
        // model: a Lambda instance serves one request at a time.
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        bench::metric(
            &format!("queue.service_s.{key}"),
            cores as f64 / f.per_second.max(1e-9),
            "s",
        );
    };
    for (name, url, target) in &routes {
        let f = load(&client, url.clone(), &token, phase).await;
        let key = match *name {
            "/changes, nothing new" => "changes_idle".to_string(),
            other => other.replace([' ', ',', '/', '='], "_"),
        };
        record(name, &f, *target, &key);
    }

    // 500 changes: 500 reports edited through the API, then /changes from before them.
    let page: serde_json::Value = client
        .get(api("reports?status=new&limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let (mut edited, mut patch_lat) = (0usize, Vec::new());
    'edits: for round in 0.. {
        for item in &items {
            if edited >= 500 {
                break 'edits;
            }
            let id = item["id"].as_str().unwrap();
            let current: serde_json::Value = client
                .get(api(&format!("reports/{id}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let t = Instant::now();
            let r = client
                .patch(api(&format!("reports/{id}")))
                .bearer_auth(&token)
                .header("If-Match", current["version"].to_string())
                .json(&serde_json::json!({"summary": format!("bench {round}")}))
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "PATCH {id}: {}", r.status());
            patch_lat.push(t.elapsed());
            edited += 1;
        }
        if items.is_empty() {
            break;
        }
    }
    patch_lat.sort();
    bench::metric(
        "queue.p50_s.update",
        percentile(&patch_lat, 0.5).as_secs_f64(),
        "s",
    );
    let f = load(
        &client,
        api(&format!("changes?since={cursor}&limit=500")),
        &token,
        phase,
    )
    .await;
    record("/changes, 500 changes", &f, listing, "changes_500");
    drop(server);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let vigie = std::env::var("VIGIE_BIN").expect("VIGIE_BIN: the vigie binary to measure");
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    let phase = Duration::from_secs(
        std::env::var("QUEUE_PHASE")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3),
    );
    let largest = sizes.iter().copied().max().unwrap_or(0);
    for n in sizes {
        // The targets are set for 1,000,000 reports: met or not is said at the largest size
        // measured (a miss there is a miss at 1,000,000).
        measure_size(n, &vigie, phase, n == largest).await;
    }
}
