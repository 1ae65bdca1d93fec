//! Benchmark of the DynamoDB store's collection path: 10,000 posts through the collection
//! engine's storing step (ingest, near-copy clustering, conditional insert, fingerprint journal)
//! into DynamoDB Local, then the requests and the capacity units DynamoDB reports
//! (`ReturnConsumedCapacity`), per 1,000 new posts. Targets (issue 19, point 5): at most
//! 1.1 write requests and 2.2 write capacity units per new post, at most 0.05 reads per post
//! collected, items under 1 KB.
//!
//! Run with `scripts/bench-dynamodb`. Usage: `dynamo_efficiency [POSTS] [PAGE]`: POSTS posts
//! (default 10,000) in collection pages of PAGE (default 40, a Mastodon page), one page in ten
//! collected twice (the overlap of two runs).

use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use vigie_app::Vigie;
use vigie_aws::DynamoStore;
use vigie_domain::report::{Body, Observation};
use vigie_domain::{Crisis, Gazetteer};
use vigie_e2e::bench;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: POSTS [PAGE]"))
        .collect();
    let total = args.first().copied().unwrap_or(10_000);
    let page = args.get(1).copied().unwrap_or(40);

    let emulator = vigie_e2e::start_dynamodb_local();
    let config = vigie_e2e::emulator_config(&emulator.url, "eu-west-3").await;
    let store = Arc::new(DynamoStore::new(&config, "vigie-bench"));
    store.create_table().await.expect("table");
    let app = Vigie::new(
        Crisis::parse("demo", vigie_app::demo::CRISIS_TOML).expect("demo crisis"),
        Gazetteer::guadeloupe(),
        store.clone(),
        Arc::new(
            vigie_local::FolderPublisher::new(&std::env::temp_dir().join("vigie-bench-public"))
                .expect("folder"),
        ),
        Arc::new(vigie_local::LogNotifier),
    );

    // Posts made of a demo post's text and ten words drawn from the demo's vocabulary by the
    // post's serial: distinct messages, with the near copies the demo itself has (reposts,
    // copies of official messages).
    let demo = vigie_app::demo::posts();
    let mut vocabulary: Vec<&str> = demo
        .iter()
        .flat_map(|p| p.text.split_whitespace())
        .filter(|w| w.len() > 3 && w.chars().all(char::is_alphabetic))
        .collect();
    vocabulary.sort_unstable();
    vocabulary.dedup();
    let start = Utc.with_ymd_and_hms(2026, 9, 14, 3, 0, 0).unwrap();
    let post = |i: usize| {
        let a = &demo[i % demo.len()];
        let mut x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let words: Vec<&str> = (0..10)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                vocabulary[(x % vocabulary.len() as u64) as usize]
            })
            .collect();
        Observation {
            source_id: "bench".into(),
            network: "mastodon".into(),
            native_id: format!("https://m.example/statuses/{i}"),
            url: Some(format!("https://m.example/@someone/{i}")),
            author: format!("user{}@m.example", i % 500),
            author_name: None,
            official_source: false,
            body: Body::Plain(format!("{} {}", a.text, words.join(" "))),
            language: Some(a.lang.clone()),
            posted_at: start + Duration::seconds(i as i64 * 7),
            point: None,
            media: 0,
            hint: None,
            counts: None,
            insee: Vec::new(),
            extent: None,
            amends: None,
        }
    };

    let mut new = 0usize;
    let mut again = 0usize;
    let mut sizes = Vec::new();
    let began = std::time::Instant::now();
    let mut first = 0usize;
    let mut pages = 0usize;
    while first < total {
        let batch: Vec<Observation> = (first..(first + page).min(total)).map(post).collect();
        let stored = vigie_app::collect::store_batch(&app, &batch)
            .await
            .expect("stored");
        new += stored.new;
        again += stored.seen;
        pages += 1;
        if pages.is_multiple_of(10) {
            // The next run's first page overlaps the last one.
            let stored = vigie_app::collect::store_batch(&app, &batch)
                .await
                .expect("stored");
            new += stored.new;
            again += stored.seen;
        }
        first += page;
    }
    let elapsed = began.elapsed();
    let usage = store.usage();
    for i in (0..total).step_by((total / 50).max(1)) {
        if let Some(r) = app
            .store
            .get_report(&vigie_domain::identity::report_id(
                "mastodon",
                &format!("https://m.example/statuses/{i}"),
            ))
            .await
            .expect("read")
        {
            sizes.push(serde_json::to_vec(&r).map(|b| b.len()).unwrap_or(0));
        }
    }
    let clusters = app
        .store
        .counts()
        .await
        .map(|c| c.total)
        .unwrap_or_default();
    let per_k = |x: f64| x * 1000.0 / new.max(1) as f64;
    println!(
        "posts offered: {}, new reports: {new}, already stored: {again}, pages: {pages}",
        new + again
    );
    println!("reports in the table: {clusters}; wall time {:.1} s (emulator, dev build: not a speed figure)", elapsed.as_secs_f64());
    println!(
        "report JSON size (sample of {}): median {} bytes",
        sizes.len(),
        {
            sizes.sort_unstable();
            sizes.get(sizes.len() / 2).copied().unwrap_or(0)
        }
    );
    println!("per 1,000 new posts:");
    println!(
        "  write requests   {:>8.1}   (target <= 1100)",
        per_k(usage.write_requests as f64)
    );
    println!(
        "  write units      {:>8.1}   (target <= 2200)",
        per_k(usage.write_units)
    );
    let per_post = |x: f64| x / new.max(1) as f64;
    let reads_per_offered = usage.read_requests as f64 / (new + again).max(1) as f64;
    let median_size = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
    bench::row(
        "DynamoDB: write requests per new post",
        &format!("{:.3}", per_post(usage.write_requests as f64)),
        "",
        "≤ 1.1",
        bench::met(per_post(usage.write_requests as f64) <= 1.1),
    );
    bench::row(
        "DynamoDB: write units per new post",
        &format!("{:.3}", per_post(usage.write_units)),
        "",
        "≤ 2.2",
        bench::met(per_post(usage.write_units) <= 2.2),
    );
    bench::row(
        "DynamoDB: read requests per post collected",
        &format!("{:.3}", reads_per_offered),
        "",
        "≤ 0.05",
        bench::met(reads_per_offered <= 0.05),
    );
    bench::row(
        "DynamoDB: report item, median size",
        &format!("{median_size} B"),
        "",
        "< 1 KB",
        bench::met(median_size < 1024),
    );
    bench::metric(
        "dynamo.write_units_per_post",
        per_post(usage.write_units),
        "WCU",
    );
    bench::metric(
        "dynamo.write_requests_per_post",
        per_post(usage.write_requests as f64),
        "requests",
    );
    bench::metric(
        "dynamo.read_units_per_post",
        per_post(usage.read_units),
        "RCU",
    );
    println!(
        "  read requests    {:>8.1}",
        per_k(usage.read_requests as f64)
    );
    println!("  read units       {:>8.1}", per_k(usage.read_units));
    for (op, n) in &usage.requests {
        let units = usage.units.get(op).copied().unwrap_or_default();
        println!(
            "  {op:<18} {:>8.1} requests {:>8.1} units",
            per_k(*n as f64),
            per_k(units)
        );
    }
}
