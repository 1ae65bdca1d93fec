//! The public outputs against hostile fixtures: handles, names, phone numbers in French
//! formats, e-mail addresses, markup; RFC 7946 validity; the Atom feed read by a feed parser;
//! unchanged content not written again.

use chrono::{Duration, Utc};
use std::sync::Arc;
use vigie_app::{export, Vigie};
use vigie_domain::report::{ingest, Body, HistoryEntry, IngestContext, Location, Observation};
use vigie_domain::taxonomy::{Category, LocationMethod, Precision, Status, Verification};
use vigie_domain::{Crisis, Gazetteer, Report};
use vigie_local::{FolderPublisher, LogNotifier, SqliteStore};

const CRISIS: &str = "[crisis]\nid = \"gp-test\"\nname = \"Cyclone — test\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nofficial_accounts = [\"prefecture@social.example\"]\n";

struct Fixture {
    _dir: tempfile::TempDir,
    public: std::path::PathBuf,
    app: Vigie,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    let app = Vigie::new(
        Crisis::parse("t", CRISIS).unwrap(),
        Gazetteer::guadeloupe(),
        Arc::new(SqliteStore::open(&dir.path().join("v.db")).unwrap()),
        Arc::new(FolderPublisher::new(&public).unwrap()),
        Arc::new(LogNotifier),
    );
    Fixture {
        _dir: dir,
        public,
        app,
    }
}

struct Spec {
    native: &'static str,
    author: &'static str,
    author_name: &'static str,
    text: &'static str,
    summary: &'static str,
    status: Status,
    verification: Verification,
    location: Option<(f64, f64, Precision, Option<&'static str>)>,
    minutes_ago: i64,
}

async fn add(app: &Vigie, s: Spec) -> Report {
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let obs = Observation {
        source_id: "t".into(),
        network: "mastodon".into(),
        native_id: s.native.into(),
        url: Some(format!("https://social.example/@x/{}", s.native)),
        author: s.author.into(),
        author_name: Some(s.author_name.into()),
        official_source: false,
        body: Body::Plain(s.text.into()),
        language: Some("fr".into()),
        posted_at: Utc::now() - Duration::minutes(s.minutes_ago),
        point: None,
        media: 0,
        hint: None,
        counts: None,
        insee: Vec::new(),
    };
    let before = ingest(&obs, &ctx, Utc::now());
    app.store
        .insert_reports(std::slice::from_ref(&before))
        .await
        .unwrap();
    let mut after = before.clone();
    after.category = Some(Category::Damage);
    after.summary = Some(s.summary.into());
    after.status = s.status;
    after.verification = s.verification;
    after.location = s.location.map(|(lat, lon, precision, insee)| Location {
        lat,
        lon,
        place: insee
            .and_then(|c| app.gazetteer.by_insee(c))
            .map(|p| p.name.clone()),
        insee: insee.map(String::from),
        precision,
        method: LocationMethod::Volunteer,
    });
    if s.status == Status::Published {
        after.published_at = Some(Utc::now() - Duration::minutes(s.minutes_ago));
    }
    let entry = HistoryEntry {
        report_id: after.id.clone(),
        version: 0,
        at: Utc::now(),
        actor: "t".into(),
        action: "t".into(),
        changes: serde_json::json!({}),
    };
    app.store.update_report(&after, 1, &entry).await.unwrap()
}

fn private(native: &'static str, summary: &'static str) -> Spec {
    Spec {
        native,
        author: "josette_971@social.example",
        author_name: "Josette Démo-Privée",
        text: "Texte brut d'une personne privée : appelez-moi au 0690 12 34 56, josette.demo@example.org",
        summary,
        status: Status::Published,
        verification: Verification::Confirmed,
        location: Some((16.23313, -61.56235, Precision::Commune, Some("97120"))),
        minutes_ago: 10,
    }
}

#[tokio::test]
async fn hostile_fixtures_never_reach_the_public() {
    let f = fixture();
    let app = &f.app;
    add(
        app,
        private(
            "1",
            "Toiture arrachée, contact 0690 12 34 56 ou 06.90.12.34.56 ou +590 690 12 34 56",
        ),
    )
    .await;
    add(
        app,
        private(
            "2",
            "Écrire à josette.demo@example.org ou j.demo (at) example.org, voir @josette_971",
        ),
    )
    .await;
    add(
        app,
        private(
            "3",
            "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned=2\"> dégâts",
        ),
    )
    .await;
    add(
        app,
        private(
            "4",
            "Appeler le 05 90 99 88 77 ou 0033 6 90 12 34 56; urgences 18 ou 112",
        ),
    )
    .await;
    // A precise point from a private person, at commune precision: shown at the commune's point.
    add(
        app,
        Spec {
            location: Some((16.241234, -61.533456, Precision::Commune, Some("97101"))),
            ..private("5", "Inondation dans le quartier")
        },
    )
    .await;
    // An exact point from a private person: rounded to about a hundred metres.
    add(
        app,
        Spec {
            location: Some((16.2412345, -61.5334567, Precision::Exact, None)),
            ..private("6", "Arbre sur la route")
        },
    )
    .await;
    // What must never be public at all.
    add(
        app,
        Spec {
            status: Status::Triaged,
            ..private("7", "NOT-PUBLISHED-MARKER")
        },
    )
    .await;
    add(
        app,
        Spec {
            status: Status::Dismissed,
            ..private("8", "DISMISSED-MARKER")
        },
    )
    .await;
    add(
        app,
        Spec {
            verification: Verification::Rumor,
            ..private("9", "OPEN-RUMOUR-MARKER")
        },
    )
    .await;
    // A debunked rumour is published, in the feed, not on the map's markers.
    add(
        app,
        Spec {
            verification: Verification::Debunked,
            ..private("10", "Le barrage n'a pas cédé")
        },
    )
    .await;
    // An official account keeps its link.
    add(
        app,
        Spec {
            author: "prefecture@social.example",
            author_name: "Préfecture",
            ..private("11", "Restez confinés jusqu'à nouvel ordre")
        },
    )
    .await;

    let summary = export::export_once(app).await.unwrap();
    let geojson = std::fs::read_to_string(f.public.join("reports.geojson")).unwrap();
    let atom = std::fs::read_to_string(f.public.join("official.atom")).unwrap();
    let meta = std::fs::read_to_string(f.public.join("meta.json")).unwrap();
    assert_eq!(summary.features, 8, "published, not an open rumour");
    for public in [&geojson, &atom, &meta] {
        for leak in [
            "josette",
            "Josette",
            "Démo-Privée",
            "Texte brut",
            "0690",
            "06.90",
            "690 12",
            "99 88 77",
            "6 90 12",
            "example.org",
            "(at)",
            "NOT-PUBLISHED",
            "DISMISSED",
            "OPEN-RUMOUR",
            "16.241234",
            "16.2412345",
        ] {
            assert!(!public.contains(leak), "`{leak}` leaked into a public file");
        }
    }
    assert!(
        geojson.contains("urgences 18 ou 112"),
        "emergency numbers stay"
    );
    assert!(
        geojson.contains("<script>"),
        "markup is kept as text in the data (the page shows it as text)"
    );

    let v: serde_json::Value = serde_json::from_str(&geojson).unwrap();
    let by_summary = |needle: &str| -> serde_json::Value {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["properties"]["summary"]
                    .as_str()
                    .unwrap()
                    .contains(needle)
            })
            .unwrap()
            .clone()
    };
    let abymes = app.gazetteer.by_insee("97101").unwrap();
    assert_eq!(
        by_summary("Inondation")["geometry"]["coordinates"],
        serde_json::json!([abymes.lon, abymes.lat]),
        "snapped to the commune"
    );
    assert_eq!(
        by_summary("Arbre")["geometry"]["coordinates"],
        serde_json::json!([-61.533, 16.241]),
        "rounded"
    );
    let official = by_summary("Restez confinés");
    assert_eq!(official["properties"]["official"], true);
    assert_eq!(
        official["properties"]["source_url"],
        "https://social.example/@x/11"
    );
    assert!(by_summary("Toiture")["properties"]
        .get("source_url")
        .is_none());
}

#[tokio::test]
async fn geojson_is_rfc_7946() {
    let f = fixture();
    for (i, native) in ["a", "b", "c"].into_iter().enumerate() {
        add(
            &f.app,
            Spec {
                minutes_ago: i as i64,
                ..private(native, "Route coupée")
            },
        )
        .await;
    }
    export::export_once(&f.app).await.unwrap();
    let text = std::fs::read_to_string(f.public.join("reports.geojson")).unwrap();
    let parsed: geojson::GeoJson = text.parse().expect("valid GeoJSON");
    let geojson::GeoJson::FeatureCollection(fc) = parsed else {
        panic!("one FeatureCollection")
    };
    assert_eq!(fc.features.len(), 3);
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(raw.get("crs").is_none(), "RFC 7946 has no crs member");
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
    for feature in &fc.features {
        let Some(geojson::Value::Point(c)) = feature.geometry.as_ref().map(|g| &g.value) else {
            panic!("Point geometries")
        };
        assert_eq!(c.len(), 2);
        assert!((-180.0..=180.0).contains(&c[0]) && (-90.0..=90.0).contains(&c[1]));
        assert!(c[0] < -60.0 && c[1] > 15.0, "longitude first: {c:?}");
        let props = feature.properties.as_ref().unwrap();
        assert!(
            props.keys().all(|k| allowed.contains(&k.as_str())),
            "{:?}",
            props.keys()
        );
        for required in &allowed[..9] {
            assert!(props.contains_key(*required), "{required}");
        }
    }
}

#[tokio::test]
async fn the_atom_feed_reads_in_a_feed_parser_newest_first_with_stable_ids() {
    let f = fixture();
    add(
        &f.app,
        Spec {
            author: "prefecture@social.example",
            minutes_ago: 30,
            ..private("o1", "Ouverture des abris")
        },
    )
    .await;
    add(
        &f.app,
        Spec {
            verification: Verification::Debunked,
            minutes_ago: 5,
            ..private("d1", "Rumeur d'empoisonnement de l'eau démentie")
        },
    )
    .await;
    add(
        &f.app,
        Spec {
            minutes_ago: 1,
            ..private("p1", "Route coupée (pas dans le flux)")
        },
    )
    .await;
    export::export_once(&f.app).await.unwrap();
    let first = std::fs::read(f.public.join("official.atom")).unwrap();
    let feed = feed_rs::parser::parse(&first[..]).expect("a valid Atom feed");
    assert_eq!(
        feed.entries.len(),
        2,
        "official messages and debunked rumours only"
    );
    assert!(
        feed.entries[0]
            .summary
            .as_ref()
            .unwrap()
            .content
            .contains("démentie"),
        "newest first"
    );
    assert!(feed.entries[0].id.starts_with("urn:vigie:gp-test:report:"));
    assert_eq!(
        feed.entries[1].links[0].href,
        "https://social.example/@x/o1"
    );
    add(
        &f.app,
        Spec {
            author: "prefecture@social.example",
            minutes_ago: 0,
            ..private("o2", "Couvre-feu levé")
        },
    )
    .await;
    export::export_once(&f.app).await.unwrap();
    let again = feed_rs::parser::parse(&std::fs::read(f.public.join("official.atom")).unwrap()[..])
        .unwrap();
    assert_eq!(again.entries.len(), 3);
    assert_eq!(
        again.entries[1].id, feed.entries[0].id,
        "entry ids are stable across exports"
    );
}

#[tokio::test]
async fn unchanged_content_is_not_written_again() {
    let f = fixture();
    add(&f.app, private("u1", "Toiture arrachée")).await;
    let first = export::export_once(&f.app).await.unwrap();
    assert!(first.written.iter().any(|n| n == "index.html"));
    assert!(first.written.iter().any(|n| n == "meta.json"));
    let meta_time = std::fs::metadata(f.public.join("meta.json"))
        .unwrap()
        .modified()
        .unwrap();
    let second = export::export_once(&f.app).await.unwrap();
    assert!(
        second.written.is_empty(),
        "nothing changed, nothing written: {:?}",
        second.written
    );
    assert_eq!(
        std::fs::metadata(f.public.join("meta.json"))
            .unwrap()
            .modified()
            .unwrap(),
        meta_time
    );
    add(&f.app, private("u2", "Pont effondré")).await;
    let third = export::export_once(&f.app).await.unwrap();
    let mut written = third.written.clone();
    written.sort();
    assert_eq!(
        written,
        ["meta.json", "official.atom", "reports.geojson"]
            .map(String::from)
            .to_vec()
            .into_iter()
            .filter(|n| n != "official.atom")
            .collect::<Vec<_>>()
    );
    if vigie_app::site::has_map_libraries() {
        assert!(f.public.join("assets/leaflet-1.9.4/leaflet.js").exists());
    }
}
