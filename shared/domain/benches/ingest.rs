//! The ingest pipeline (normalise, classify, geoparse, fingerprint) over the demo posts, also
//! with a learnt triage model.
//! Target: 20,000 posts per second on one core. Run: `cargo bench -p vigie-domain`;
//! criterion prints the throughput in posts per second ("elem/s").

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use vigie_domain::report::{ingest, ingest_with, Body, IngestContext, Observation};
use vigie_domain::{Crisis, Gazetteer};

fn demo_observations() -> Vec<Observation> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../app/demo/posts.jsonl");
    let text = std::fs::read_to_string(path).expect("demo posts");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("demo post");
            Observation {
                source_id: "bench".into(),
                network: v["network"].as_str().unwrap_or("mastodon").into(),
                native_id: v["n"].to_string(),
                url: None,
                author: v["author"].as_str().unwrap_or_default().into(),
                author_name: None,
                official_source: false,
                // Half as HTML, as Mastodon sends it, to measure the HTML path too.
                body: if v["n"].as_u64().unwrap_or(0).is_multiple_of(2) {
                    Body::Html(format!("<p>{}</p>", v["text"].as_str().unwrap_or_default()))
                } else {
                    Body::Plain(v["text"].as_str().unwrap_or_default().into())
                },
                language: v["lang"].as_str().map(String::from),
                posted_at: Utc::now(),
                point: None,
                media: 0,
                hint: None,
                counts: None,
                insee: Vec::new(),
                extent: None,
                amends: None,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let crisis = Crisis::parse(
        "bench.toml",
        "[crisis]\nid = \"bench\"\nname = \"Bench\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nofficial_accounts = [\"prefecture@social.demo.example\"]\n",
    )
    .expect("crisis");
    let gazetteer = Gazetteer::guadeloupe();
    let ctx = IngestContext {
        crisis: &crisis,
        gazetteer: &gazetteer,
    };
    let posts = demo_observations();
    let now = Utc::now();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(posts.len() as u64));
    group.bench_function("demo posts", |b| {
        b.iter(|| {
            for obs in &posts {
                black_box(ingest(black_box(obs), &ctx, now));
            }
        })
    });
    // The same posts with a large mainland department's gazetteer (Pas-de-Calais, 887
    // communes): the geoparser's cost grows with the territory's names.
    let fr62 = Gazetteer::builtin("fr-62").expect("fr-62 is builtin");
    let ctx62 = IngestContext {
        crisis: &crisis,
        gazetteer: &fr62,
    };
    group.bench_function("demo posts, fr-62 gazetteer", |b| {
        b.iter(|| {
            for obs in &posts {
                black_box(ingest(black_box(obs), &ctx62, now));
            }
        })
    });
    // With a triage model learnt from the labelled sets' decisions, as collectors run
    // once volunteers have triaged: the model's refinement comes after the rules.
    let mut model = vigie_domain::learn::Model::default();
    for set in [
        include_str!("../tests/data/devset.jsonl"),
        include_str!("../tests/data/heldout.jsonl"),
    ] {
        for line in set.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("labelled post");
            model.learn(
                v["text"].as_str().unwrap_or_default(),
                v["category"].as_str().and_then(|c| c.parse().ok()),
                v["priority"].as_str().and_then(|p| p.parse().ok()),
                1,
            );
        }
    }
    group.bench_function("demo posts, with a learnt model", |b| {
        b.iter(|| {
            for obs in &posts {
                black_box(ingest_with(black_box(obs), &ctx, Some(&model), now));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
