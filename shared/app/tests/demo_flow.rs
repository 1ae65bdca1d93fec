//! The use cases over the embedded adapters, driven by the bundled demo: collection that never
//! stores a post twice, clusters of copies, the seeded triage, and an export that keeps every
//! privacy rule.

use std::collections::HashMap;
use vigie_app::collect::{run_source, Budget, Source, RUN_TIME};
use vigie_app::demo::{self, DemoSource};
use vigie_app::export;
use vigie_conformance::harness::{all_reports, TestApp};
use vigie_conformance::TestStore as _;
use vigie_domain::identity::report_id;
use vigie_domain::taxonomy::Status;

/// The demo crisis, an empty store, the public files in `public`.
fn fixture() -> TestApp {
    TestApp::builder().open()
}

#[tokio::test]
async fn the_demo_seeds_then_replays_without_duplicates() {
    let f = fixture();
    let source = DemoSource::new("demo-stream", 3);
    let posts = demo::posts();
    let seeded = posts.iter().filter(|p| p.minute < 0).count();

    let first = run_source(&f.app, &source, Budget::within(RUN_TIME)).await;
    assert_eq!(first.error, None);
    assert_eq!(first.new, seeded);
    let second = run_source(&f.app, &source, Budget::within(RUN_TIME)).await;
    assert_eq!(second.new, 3, "then a few per run");
    assert_eq!(all_reports(f.app.store.as_ref()).await.len(), seeded + 3);

    // A run that dies after storing but before its checkpoint: the rerun stores nothing twice.
    let checkpoint = f
        .app
        .store
        .checkpoint("demo-stream")
        .await
        .unwrap()
        .unwrap();
    let batch = source.fetch(Some(&checkpoint)).await.unwrap();
    vigie_app::collect::store_batch(&f.app, &batch.observations)
        .await
        .unwrap();
    let rerun = run_source(&f.app, &source, Budget::within(RUN_TIME)).await;
    assert_eq!(
        (rerun.new, rerun.seen),
        (0, 3),
        "stored before the crash, seen again, not duplicated"
    );
    assert_eq!(all_reports(f.app.store.as_ref()).await.len(), seeded + 6);

    let health = f.app.store.source_health().await.unwrap();
    assert_eq!(
        health[0].items_collected as usize,
        seeded + 3,
        "new reports counted once"
    );
    assert!(health[0].last_success_at.is_some());
}

#[tokio::test]
async fn copies_of_a_message_share_its_cluster() {
    let f = fixture();
    let source = DemoSource::new("demo-stream", 500);
    run_source(&f.app, &source, Budget::within(RUN_TIME)).await;
    run_source(&f.app, &source, Budget::within(RUN_TIME)).await;
    let reports = all_reports(f.app.store.as_ref()).await;
    assert_eq!(reports.len(), demo::posts().len());
    let by_id: HashMap<&str, &vigie_domain::Report> =
        reports.iter().map(|r| (r.id.as_str(), r)).collect();
    let posts = demo::posts();
    let mut copies = 0;
    let mut joined = 0;
    for p in &posts {
        let Some(orig_n) = p.repost_of else { continue };
        let orig = posts.iter().find(|o| o.n == orig_n).unwrap();
        let copy = by_id[report_id(&p.network, &format!("demo-{}", p.n)).as_str()];
        let original = by_id[report_id(&orig.network, &format!("demo-{}", orig.n)).as_str()];
        copies += 1;
        if copy.cluster_id == original.cluster_id {
            joined += 1;
            assert!(copy.cluster_size >= 2);
        }
    }
    assert!(copies >= 30);
    let share = joined as f64 / copies as f64;
    assert!(
        share >= 0.8,
        "only {joined} of {copies} copies joined their original's cluster"
    );
    // And unrelated posts do not pile into one cluster.
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for r in &reports {
        *sizes.entry(r.cluster_id.as_str()).or_default() += 1;
    }
    assert!(
        sizes.values().all(|s| *s <= 15),
        "a cluster swallowed unrelated posts: {sizes:?}"
    );
}

#[tokio::test]
async fn seeded_triage_publishes_and_export_keeps_privacy() {
    let f = fixture();
    let source = DemoSource::new("demo-stream", 3);
    run_source(&f.app, &source, Budget::within(RUN_TIME)).await;
    let changed = demo::apply_seed_triage(&f.app).await.unwrap();
    assert!(changed >= 100);
    assert_eq!(
        demo::apply_seed_triage(&f.app).await.unwrap(),
        0,
        "running it again changes nothing"
    );

    let summary = export::export_once(&f.app).await.unwrap();
    assert!(summary.features >= 70, "{summary:?}");
    let geojson: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.public.join("reports.geojson")).unwrap()).unwrap();
    assert_eq!(geojson["type"], "FeatureCollection");
    let features = geojson["features"].as_array().unwrap();
    assert_eq!(features.len(), summary.features);
    let allowed = [
        "id",
        "category",
        "summary",
        "place",
        "precision",
        "verification",
        "published_at",
        "network",
        "official",
        "source_url",
    ];
    for feat in features {
        let props = feat["properties"].as_object().unwrap();
        for key in props.keys() {
            assert!(allowed.contains(&key.as_str()), "unexpected property {key}");
        }
        let official = props["official"].as_bool().unwrap();
        assert_eq!(
            props.contains_key("source_url"),
            official,
            "source_url only for official sources"
        );
        let coords = feat["geometry"]["coordinates"].as_array().unwrap();
        let (lon, lat) = (coords[0].as_f64().unwrap(), coords[1].as_f64().unwrap());
        assert!(
            (-61.9..=-60.9).contains(&lon) && (15.8..=16.6).contains(&lat),
            "lon/lat order: {coords:?}"
        );
        assert_ne!(props["verification"], "rumor");
    }
    // No author, no private text, no phone number, no e-mail anywhere in the public file.
    let text = geojson.to_string();
    let posts = demo::posts();
    for p in posts.iter().filter(|p| !p.official) {
        assert!(!text.contains(&p.author), "author {} leaked", p.author);
        assert!(!text.contains(&p.text), "a private post's text leaked");
    }
    // Phone numbers and e-mail addresses are looked for in the text a reader sees, not in ids,
    // coordinates or dates, whose digits may spell "0690" by chance.
    let prose: String = features
        .iter()
        .flat_map(|f| ["summary", "place", "source_url"].map(|k| f["properties"][k].clone()))
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(prose.len() > 1000, "the readable text is checked");
    for needle in ["0690", "@example.org", "demo@", "06 90"] {
        assert!(!prose.contains(needle), "{needle} leaked");
    }

    // Unchanged data is not rewritten.
    let again = export::export_once(&f.app).await.unwrap();
    assert!(again.unchanged.contains(&"reports.geojson".to_string()));
    let published = f.app.store.published_reports().await.unwrap();
    assert!(published.iter().all(|r| r.status == Status::Published));
}

fn post(n: u32, text: &str) -> vigie_domain::Observation {
    vigie_domain::Observation {
        source_id: "demo-stream".into(),
        network: "mastodon".into(),
        native_id: format!("https://m.example/statuses/{n}"),
        url: None,
        author: format!("person{n}@m.example"),
        author_name: None,
        official_source: false,
        body: vigie_domain::report::Body::Plain(text.into()),
        language: Some("fr".into()),
        posted_at: chrono::Utc::now(),
        point: None,
        media: 0,
        hint: None,
        counts: None,
        insee: Vec::new(),
        extent: None,
        amends: None,
    }
}

#[tokio::test]
async fn a_new_copy_of_a_debunked_rumour_is_debunked_with_it() {
    use vigie_domain::taxonomy::Verification;
    let f = fixture();
    let rumour =
        "URGENT le barrage de Moreau a cédé, évacuez tout Goyave immédiatement, partagez !";
    vigie_app::collect::store_batch(&f.app, &[post(1, rumour)])
        .await
        .unwrap();
    let id = report_id("mastodon", "https://m.example/statuses/1");
    let before = f.app.store.get_report(&id).await.unwrap().unwrap();
    let mut after = before.clone();
    after.verification = Verification::Debunked;
    after.summary = Some("Démenti : le barrage tient.".into());
    let entry = vigie_domain::report::HistoryEntry {
        report_id: id.clone(),
        version: 0,
        at: chrono::Utc::now(),
        actor: "test".into(),
        action: "debunk".into(),
        changes: serde_json::Value::Null,
    };
    f.app
        .store
        .update_report(&after, before.version, &entry)
        .await
        .unwrap();
    let copy = format!("{rumour} 😱");
    let other = "Coupure d'eau à Capesterre-Belle-Eau jusqu'à demain midi";
    vigie_app::collect::store_batch(&f.app, &[post(2, &copy), post(3, other)])
        .await
        .unwrap();
    let joined = f
        .app
        .store
        .get_report(&report_id("mastodon", "https://m.example/statuses/2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        joined.cluster_id, before.cluster_id,
        "the copy joins the rumour"
    );
    assert_eq!(joined.verification, Verification::Debunked);
    assert_eq!(
        joined.summary.as_deref(),
        Some("Démenti : le barrage tient.")
    );
    let unrelated = f
        .app
        .store
        .get_report(&report_id("mastodon", "https://m.example/statuses/3"))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(unrelated.verification, Verification::Debunked);
}
