//! The public outputs against hostile fixtures: handles, names, phone numbers in French
//! formats, e-mail addresses, markup; RFC 7946 validity; the Atom feed read by a feed parser;
//! unchanged content not written again.

use chrono::{Duration, Utc};
use std::sync::Arc;
use vigie_app::{export, Vigie};
use vigie_conformance::harness::TestApp;
use vigie_conformance::TestStore as _;
use vigie_domain::ports::{
    ChangeFeed, Checkpoints, ClusterCandidate, Clusters, Counts, HealthUpdate, Page,
    PublishedReader, ReportQuery, Reports, RoomStore, SourceHealth, SourceHealthLog, Spread,
    StoreError, TokenRecord, TokenStore,
};
use vigie_domain::public::Candidate;
use vigie_domain::report::{ingest, Body, HistoryEntry, IngestContext, Location, Observation};
use vigie_domain::taxonomy::{Category, LocationMethod, Precision, Status, Verification};
use vigie_domain::Report;
use vigie_local::SqliteStore;

const CRISIS: &str = "[crisis]\nid = \"gp-test\"\nname = \"Cyclone — test\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\nofficial_accounts = [\"prefecture@social.example\"]\n";

/// The test crisis, an empty store, the public files in `public`.
fn fixture() -> TestApp {
    TestApp::builder().crisis(CRISIS).open()
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
    /// Place text as typed (by a volunteer or an import), instead of the commune's name.
    place_text: Option<&'static str>,
    network: &'static str,
    category: Category,
    minutes_ago: i64,
}

async fn add(app: &Vigie, s: Spec) -> Report {
    let ctx = IngestContext {
        crisis: &app.crisis,
        gazetteer: &app.gazetteer,
    };
    let obs = Observation {
        source_id: "t".into(),
        network: s.network.into(),
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
        extent: None,
        amends: None,
    };
    let before = ingest(&obs, &ctx, Utc::now());
    app.store
        .insert_reports(std::slice::from_ref(&before))
        .await
        .unwrap();
    let mut after = before.clone();
    after.category = Some(s.category);
    after.summary = Some(s.summary.into());
    after.status = s.status;
    after.verification = s.verification;
    after.location = s.location.map(|(lat, lon, precision, insee)| Location {
        lat,
        lon,
        place: s.place_text.map(String::from).or_else(|| {
            insee
                .and_then(|c| app.gazetteer.by_insee(c))
                .map(|p| p.name.clone())
        }),
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
        place_text: None,
        network: "mastodon",
        category: Category::Damage,
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

    // Free text where the public sees a place or a network (as `vigie import` or the API may
    // set them): the gazetteer's name and a known network, or nothing.
    add(
        app,
        Spec {
            place_text: Some("Chez Josette Démo 0690 12 34 56"),
            network: "josette-0690123456",
            ..private("12", "Toit arraché rue principale")
        },
    )
    .await;
    add(
        app,
        Spec {
            location: Some((16.2412345, -61.5334567, Precision::Exact, None)),
            place_text: Some("Chez Josette 0690123456"),
            ..private("13", "Poteau électrique couché")
        },
    )
    .await;
    // The author's own name, in any case and without accents, and links to a profile.
    add(
        app,
        private("14", "Josette Démo-Privée signale un toit arraché"),
    )
    .await;
    add(app, private("15", "JOSETTE DEMO-PRIVEE a vu l'eau monter")).await;
    add(
        app,
        private("16", "Voir facebook.com/josette.privee pour les photos"),
    )
    .await;
    add(app, private("17", "Selon ti_mano_971 le pont est coupé")).await;
    // A commune-level report whose place is unknown: no honest point, so not public.
    add(
        app,
        Spec {
            location: Some((16.2412345, -61.5334567, Precision::Commune, None)),
            place_text: Some("Lieu-dit Inconnu"),
            ..private("18", "UNKNOWN-PLACE-MARKER")
        },
    )
    .await;
    // An official source keeps its links in its summary.
    add(
        app,
        Spec {
            author: "prefecture@social.example",
            author_name: "Préfecture",
            ..private("19", "Consignes sur https://www.example.gouv.fr/cyclone")
        },
    )
    .await;

    let summary = export::export_once(app).await.unwrap();
    let geojson = std::fs::read_to_string(f.public.join("reports.geojson")).unwrap();
    let atom = std::fs::read_to_string(f.public.join("official.atom")).unwrap();
    let meta = std::fs::read_to_string(f.public.join("meta.json")).unwrap();
    assert_eq!(
        summary.features, 15,
        "published, not an open rumour, not a commune-level report of an unknown place"
    );
    for public in [&geojson, &atom, &meta] {
        let public = &without_public_ids(public);
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
            "JOSETTE",
            "DEMO-PRIVEE",
            "facebook.com",
            "privee",
            "ti_mano",
            "Chez",
            "UNKNOWN-PLACE",
            "Lieu-dit",
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
    let typed = by_summary("Toit arraché rue principale");
    assert_eq!(
        typed["properties"]["place"], "Pointe-à-Pitre",
        "the gazetteer's name"
    );
    assert_eq!(typed["properties"]["network"], "other");
    let exact = by_summary("Poteau");
    assert_eq!(exact["properties"]["place"], serde_json::Value::Null);
    assert_eq!(
        exact["geometry"]["coordinates"],
        serde_json::json!([-61.533, 16.241])
    );
    assert_eq!(
        by_summary("signale un toit")["properties"]["summary"],
        "[…] signale un toit arraché"
    );
    assert_eq!(
        by_summary("Consignes")["properties"]["summary"],
        "Consignes sur https://www.example.gouv.fr/cyclone"
    );
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
    assert_atom_entries_complete(&first);
    // A debunked rumour links to its marker on the map page, beside the feed.
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(
        text.contains("<link rel=\"alternate\" href=\"index.html#p"),
        "{text}"
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

/// RFC 4287 section 4.1.2: every entry has an id, a title, an updated time, and either content
/// or an alternate link; the feed has an id, a title and an updated time too.
fn assert_atom_entries_complete(bytes: &[u8]) {
    let feed = feed_rs::parser::parse(bytes).expect("a valid Atom feed");
    assert!(!feed.id.is_empty() && feed.title.is_some() && feed.updated.is_some());
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(
        text.matches("<entry>").count(),
        feed.entries.len(),
        "every entry parsed"
    );
    for entry in &feed.entries {
        assert!(!entry.id.is_empty(), "entry id");
        assert!(
            entry.title.as_ref().is_some_and(|t| !t.content.is_empty()),
            "entry title"
        );
        assert!(entry.updated.is_some(), "entry updated: {}", entry.id);
        let content = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_ref())
            .is_some_and(|b| !b.is_empty());
        let alternate = entry
            .links
            .iter()
            .any(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"));
        assert!(
            content && alternate,
            "content and alternate link: {}",
            entry.id
        );
    }
}

#[tokio::test]
async fn an_edited_published_report_moves_its_feed_entry_and_the_feed() {
    let f = fixture();
    let official = add(
        &f.app,
        Spec {
            author: "prefecture@social.example",
            minutes_ago: 30,
            ..private("e1", "Abris ouverts à Pointe-à-Pitre")
        },
    )
    .await;
    add(
        &f.app,
        Spec {
            verification: Verification::Debunked,
            minutes_ago: 20,
            ..private("e2", "Le barrage n'a pas cédé")
        },
    )
    .await;
    export::export_once(&f.app).await.unwrap();
    let read = || {
        let bytes = std::fs::read(f.public.join("official.atom")).unwrap();
        feed_rs::parser::parse(&bytes[..]).unwrap()
    };
    let before = read();
    let entry_updated = |feed: &feed_rs::model::Feed, summary: &str| {
        feed.entries
            .iter()
            .find(|e| {
                e.content
                    .as_ref()
                    .and_then(|c| c.body.as_deref())
                    .is_some_and(|b| b.contains(summary))
            })
            .and_then(|e| e.updated)
            .unwrap()
    };
    let old = entry_updated(&before, "Abris ouverts");
    assert_eq!(
        before.updated,
        before.entries.iter().filter_map(|e| e.updated).max(),
        "the feed's updated is its newest entry's"
    );

    // A coordinator corrects the published message's summary a while later.
    let mut edited = official.clone();
    edited.summary = Some("Abris ouverts à Pointe-à-Pitre et aux Abymes".into());
    edited.updated_at = Utc::now() + Duration::minutes(5);
    let entry = HistoryEntry {
        report_id: edited.id.clone(),
        version: 0,
        at: Utc::now(),
        actor: "t".into(),
        action: "t".into(),
        changes: serde_json::json!({}),
    };
    f.app
        .store
        .update_report(&edited, official.version, &entry)
        .await
        .unwrap();
    let summary = export::export_once(&f.app).await.unwrap();
    assert!(summary.written.iter().any(|n| n == "official.atom"));
    let after = read();
    let new = entry_updated(&after, "aux Abymes");
    assert!(new > old, "the entry's updated moved: {old} → {new}");
    assert_eq!(after.updated, Some(new), "and the feed's with it");
    assert_eq!(
        entry_updated(&after, "barrage"),
        entry_updated(&before, "barrage"),
        "an untouched entry keeps its time"
    );
    assert_atom_entries_complete(&std::fs::read(f.public.join("official.atom")).unwrap());
}

#[tokio::test]
async fn meta_json_names_the_crisis_and_counts_consistently() {
    let f = fixture();
    for (native, category) in [
        ("m1", Category::Damage),
        ("m2", Category::Damage),
        ("m3", Category::Access),
    ] {
        add(
            &f.app,
            Spec {
                category,
                ..private(native, "Route coupée")
            },
        )
        .await;
    }
    add(
        &f.app,
        Spec {
            verification: Verification::Debunked,
            category: Category::Hazard,
            ..private("m4", "Pas de tsunami")
        },
    )
    .await;
    add(
        &f.app,
        Spec {
            status: Status::Triaged,
            category: Category::Needs,
            ..private("m5", "Pas encore publié")
        },
    )
    .await;
    let before = Utc::now() - Duration::seconds(1);
    export::export_once(&f.app).await.unwrap();
    let after = Utc::now() + Duration::seconds(1);
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.public.join("meta.json")).unwrap()).unwrap();
    let generated = chrono::DateTime::parse_from_rfc3339(meta["generated_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    assert!(before <= generated && generated <= after, "{generated}");
    assert_eq!(meta["crisis"]["id"], "gp-test");
    assert_eq!(meta["crisis"]["name"], "Cyclone — test");
    assert_eq!(
        meta["counts_by_category"],
        serde_json::json!({"damage": 2, "access": 1})
    );
    assert_eq!(meta["debunked"], 1);
    assert_eq!(meta["count"], 4);
    let sum: u64 = meta["counts_by_category"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        meta["count"].as_u64().unwrap(),
        sum + meta["debunked"].as_u64().unwrap(),
        "count = categories + debunked"
    );
    let geojson: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.public.join("reports.geojson")).unwrap()).unwrap();
    assert_eq!(
        meta["count"].as_u64().unwrap() as usize,
        geojson["features"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn an_unpublished_report_leaves_the_public_files_at_the_next_export() {
    let f = fixture();
    add(&f.app, private("k1", "Pont effondré à Goyave")).await;
    let gone = add(
        &f.app,
        Spec {
            author: "prefecture@social.example",
            ..private("k2", "RETIRED-MARKER consignes levées")
        },
    )
    .await;
    export::export_once(&f.app).await.unwrap();
    let geojson = std::fs::read_to_string(f.public.join("reports.geojson")).unwrap();
    assert!(geojson.contains("RETIRED-MARKER"));
    assert!(std::fs::read_to_string(f.public.join("official.atom"))
        .unwrap()
        .contains("RETIRED-MARKER"));

    let coordinator = vigie_domain::triage::Actor {
        token_id: "t1".into(),
        name: "Coordinatrice".into(),
        role: vigie_domain::taxonomy::Role::Coordinator,
    };
    let next = vigie_domain::triage::unpublish(&gone, &coordinator, Utc::now()).unwrap();
    let entry = HistoryEntry {
        report_id: next.id.clone(),
        version: 0,
        at: Utc::now(),
        actor: "t1".into(),
        action: "unpublish".into(),
        changes: serde_json::json!({}),
    };
    f.app
        .store
        .update_report(&next, gone.version, &entry)
        .await
        .unwrap();
    let summary = export::export_once(&f.app).await.unwrap();
    assert_eq!(summary.features, 1);
    for file in ["reports.geojson", "official.atom", "meta.json"] {
        let text = std::fs::read_to_string(f.public.join(file)).unwrap();
        assert!(!text.contains("RETIRED-MARKER"), "{file} still has it");
    }
    let geojson: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.public.join("reports.geojson")).unwrap()).unwrap();
    assert_eq!(geojson["features"].as_array().unwrap().len(), 1);
    assert!(geojson.to_string().contains("Pont effondré"));
}

#[tokio::test]
async fn readers_never_see_a_half_written_geojson() {
    let f = fixture();
    add(&f.app, private("w0", "Route coupée")).await;
    export::export_once(&f.app).await.unwrap();
    let path = f.public.join("reports.geojson");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut reads = 0usize;
            let mut sizes = std::collections::BTreeSet::new();
            // One last read once told to stop, so the final file is always seen.
            loop {
                let stopping = stop.load(std::sync::atomic::Ordering::SeqCst);
                let bytes = std::fs::read(&path).expect("the file is always there");
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                    panic!("read {reads} does not parse ({e}): {} bytes", bytes.len())
                });
                assert_eq!(v["type"], "FeatureCollection");
                sizes.insert(v["features"].as_array().map_or(0, Vec::len));
                reads += 1;
                if stopping {
                    break;
                }
            }
            (reads, sizes)
        })
    };
    // Each export rewrites a larger file while the reader keeps reading.
    for i in 1..=40 {
        let native: &'static str = Box::leak(format!("w{i}").into_boxed_str());
        let summary: &'static str = Box::leak(
            format!("Route {i} coupée, {} ", "arbres et gravats ".repeat(50)).into_boxed_str(),
        );
        add(&f.app, private(native, summary)).await;
        let s = export::export_once(&f.app).await.unwrap();
        assert!(s.written.iter().any(|n| n == "reports.geojson"));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (reads, sizes) = reader.join().expect("every read parsed");
    assert!(reads > 0);
    assert!(sizes.contains(&41) || reads < 2, "{sizes:?}");
}

/// A publisher that only records what it is handed.
#[derive(Default)]
struct Recording {
    files: std::sync::Mutex<Vec<(String, &'static str, &'static str)>>,
}

#[async_trait::async_trait]
impl vigie_domain::ports::Publisher for Recording {
    async fn publish(
        &self,
        file: &vigie_domain::ports::PublicFile,
    ) -> Result<vigie_domain::ports::PublishOutcome, vigie_domain::ports::PublishError> {
        self.files
            .lock()
            .unwrap()
            .push((file.name.clone(), file.content_type, file.cache_control));
        Ok(vigie_domain::ports::PublishOutcome::Written)
    }
}

#[tokio::test]
async fn every_public_file_gets_its_content_type_and_cache_lifetime() {
    let recording = Arc::new(Recording::default());
    let f = TestApp::builder()
        .crisis(CRISIS)
        .publisher(recording.clone())
        .open();
    let app = f.app.clone();
    add(&app, private("c1", "Route coupée")).await;
    export::export_once(&app).await.unwrap();
    let files = recording.files.lock().unwrap().clone();
    let get = |name: &str| {
        files
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, t, c)| (*t, *c))
            .unwrap_or_else(|| panic!("{name} not published: {files:?}"))
    };
    assert_eq!(
        get("reports.geojson"),
        ("application/geo+json", export::DATA_CACHE)
    );
    assert_eq!(
        get("official.atom"),
        ("application/atom+xml; charset=utf-8", export::DATA_CACHE)
    );
    assert_eq!(get("meta.json"), ("application/json", export::DATA_CACHE));
    assert_eq!(
        get("index.html"),
        ("text/html; charset=utf-8", export::PAGE_CACHE)
    );
    assert_eq!(get("app.js").0, "text/javascript; charset=utf-8");
    assert_eq!(get("app.css").0, "text/css; charset=utf-8");
    for (name, content_type, cache) in &files {
        if name.starts_with("assets/") {
            assert_eq!(*cache, export::ASSET_CACHE, "{name}");
            assert!(content_type.starts_with("text/"), "{name}: {content_type}");
        } else {
            assert_ne!(*cache, export::ASSET_CACHE, "{name} is not versioned");
        }
    }
    if vigie_app::site::has_map_libraries() {
        assert_eq!(
            get("assets/leaflet-1.9.4/leaflet.js"),
            ("text/javascript; charset=utf-8", export::ASSET_CACHE)
        );
    }
    // Data lives minutes at most in a cache; assets a year.
    let max_age = |c: &str| -> u64 {
        c.split("max-age=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(max_age(export::DATA_CACHE) <= 60);
    assert!(max_age(export::ASSET_CACHE) >= 86_400 * 30);
}

/// Public ids are random hexadecimal: one may hold `0690` by chance. The leak checks read the
/// files without them.
fn without_public_ids(text: &str) -> String {
    let id = regex::Regex::new(r"p[0-9a-f]{20}").unwrap();
    id.replace_all(text, "p-id").into_owned()
}

/// Stores a changed report the way the triage API does (at its version, with an entry).
async fn store_edit(app: &Vigie, before: &Report, after: Report) -> Report {
    let entry = HistoryEntry {
        report_id: after.id.clone(),
        version: 0,
        at: Utc::now(),
        actor: "t".into(),
        action: "edit".into(),
        changes: serde_json::json!({}),
    };
    app.store
        .update_report(&after, before.version, &entry)
        .await
        .unwrap()
}

/// The public files a fresh process (nothing rendered before) writes from the same store, to
/// compare with what a long-running export wrote: `meta.json` without its generation time.
async fn fresh_export(f: &TestApp) -> (Vec<u8>, Vec<u8>, serde_json::Value) {
    let fresh = TestApp::builder()
        .crisis(CRISIS)
        .store(f.app.store.clone())
        .open();
    export::export_once(&fresh.app).await.unwrap();
    read_public(&fresh.public)
}

fn read_public(folder: &std::path::Path) -> (Vec<u8>, Vec<u8>, serde_json::Value) {
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("meta.json")).unwrap()).unwrap();
    meta["generated_at"] = serde_json::Value::Null;
    (
        std::fs::read(folder.join("reports.geojson")).unwrap(),
        std::fs::read(folder.join("official.atom")).unwrap(),
        meta,
    )
}

#[tokio::test]
async fn a_running_export_writes_what_a_fresh_one_would() {
    let f = fixture();
    let mut reports = Vec::new();
    for (i, native) in [
        "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
    ]
    .into_iter()
    .enumerate()
    {
        let mut spec = private(native, "Toiture arrachée");
        spec.minutes_ago = i as i64;
        if i == 5 {
            spec.author = "prefecture@social.example";
        }
        if i == 4 {
            // Not placed yet: withheld for now.
            spec.location = None;
        }
        reports.push(add(&f.app, spec).await);
    }
    let first = export::export_once(&f.app).await.unwrap();
    assert_eq!(first.features, 11, "the report not placed yet is withheld");

    // A minute of triage: a few reports change, so only those are read again.
    let edit = |r: &Report, change: &dyn Fn(&mut Report)| {
        let mut after = r.clone();
        change(&mut after);
        after.updated_at = Utc::now();
        after
    };
    type Change<'a> = (usize, &'a dyn Fn(&mut Report));
    let changes: [Change; 5] = [
        (0, &|r| {
            r.summary = Some("Toiture arrachée, appelez 0690 98 76 54".into())
        }),
        (1, &|r| r.category = Some(Category::Access)),
        (2, &|r| r.verification = Verification::Debunked),
        (3, &|r| r.status = Status::Dismissed),
        (4, &|r| {
            r.summary = Some("Arbre sur la route".into());
            r.location = Some(Location {
                lat: 16.12311,
                lon: -61.69740,
                place: Some("Goyave".into()),
                insee: Some("97114".into()),
                precision: Precision::Commune,
                method: LocationMethod::Volunteer,
            });
        }),
    ];
    for (i, change) in changes {
        let after = edit(&reports[i], change);
        reports[i] = store_edit(&f.app, &reports[i], after).await;
    }
    add(&f.app, private("s12", "Pont effondré")).await;
    let second = export::export_once(&f.app).await.unwrap();
    assert_eq!(
        second.features, 12,
        "one unpublished, one new, one now complete"
    );
    let running = read_public(&f.public);
    assert_eq!(running, fresh_export(&f).await);
    let geojson = String::from_utf8(running.0).unwrap();
    assert!(geojson.contains("Arbre sur la route"));
    assert!(
        !without_public_ids(&geojson).contains("0690"),
        "an edit goes through the projection again"
    );
    assert_eq!(running.2["debunked"], 1);
    assert_eq!(running.2["counts_by_category"]["access"], 1);

    // Then most of the map changes at once: read in one pass, same result.
    for i in [0, 1, 2, 4, 5, 6, 7, 8, 9, 10] {
        let after = edit(&reports[i], &|r| {
            r.summary = Some(format!("Mise à jour {i}"))
        });
        reports[i] = store_edit(&f.app, &reports[i], after).await;
    }
    export::export_once(&f.app).await.unwrap();
    let running = read_public(&f.public);
    assert_eq!(running, fresh_export(&f).await);
    assert!(String::from_utf8(running.0)
        .unwrap()
        .contains("Mise à jour 10"));
}

/// The SQLite store, except that a report is unpublished by someone else right between the
/// export's two reads (the versions, then the changed reports' fields).
struct UnpublishedMeanwhile {
    inner: Arc<SqliteStore>,
    victim: std::sync::Mutex<Option<Report>>,
}

#[async_trait::async_trait]
impl Reports for UnpublishedMeanwhile {
    async fn insert_reports_with_history(
        &self,
        reports: &[Report],
        created: &[HistoryEntry],
    ) -> Result<Vec<bool>, StoreError> {
        self.inner
            .insert_reports_with_history(reports, created)
            .await
    }

    async fn get_report(&self, id: &str) -> Result<Option<Report>, StoreError> {
        self.inner.get_report(id).await
    }

    async fn report_by_url(&self, url: &str) -> Result<Option<Report>, StoreError> {
        self.inner.report_by_url(url).await
    }

    async fn list_reports(&self, query: &ReportQuery) -> Result<Page, StoreError> {
        self.inner.list_reports(query).await
    }

    async fn update_report(
        &self,
        report: &Report,
        expected_version: u64,
        entry: &HistoryEntry,
    ) -> Result<Report, StoreError> {
        self.inner
            .update_report(report, expected_version, entry)
            .await
    }

    async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        self.inner.history(id).await
    }

    async fn append_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        self.inner.append_history(entry).await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        self.inner.counts().await
    }

    async fn add_spreads(&self, spreads: &[Spread]) -> Result<usize, StoreError> {
        self.inner.add_spreads(spreads).await
    }
}

#[async_trait::async_trait]
impl Clusters for UnpublishedMeanwhile {
    async fn cluster_candidates(&self, b: &[String]) -> Result<Vec<ClusterCandidate>, StoreError> {
        self.inner.cluster_candidates(b).await
    }
}

#[async_trait::async_trait]
impl PublishedReader for UnpublishedMeanwhile {
    async fn published_candidates(
        &self,
        ids: Option<&[String]>,
    ) -> Result<Vec<Candidate>, StoreError> {
        let victim = self.victim.lock().unwrap().take();
        if let Some(r) = victim {
            let mut gone = r.clone();
            gone.status = Status::Dismissed;
            let entry = HistoryEntry {
                report_id: r.id.clone(),
                version: 0,
                at: Utc::now(),
                actor: "t".into(),
                action: "unpublish".into(),
                changes: serde_json::json!({}),
            };
            self.inner.update_report(&gone, r.version, &entry).await?;
        }
        self.inner.published_candidates(ids).await
    }

    async fn published_versions(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.inner.published_versions().await
    }
}

#[async_trait::async_trait]
impl Checkpoints for UnpublishedMeanwhile {
    async fn checkpoint(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.inner.checkpoint(id).await
    }

    async fn advance_checkpoint(
        &self,
        id: &str,
        from: Option<&str>,
        to: &str,
    ) -> Result<bool, StoreError> {
        self.inner.advance_checkpoint(id, from, to).await
    }
}

#[async_trait::async_trait]
impl SourceHealthLog for UnpublishedMeanwhile {
    async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        self.inner.source_health().await
    }

    async fn record_source_run(&self, update: &HealthUpdate) -> Result<SourceHealth, StoreError> {
        self.inner.record_source_run(update).await
    }
}

#[async_trait::async_trait]
impl ChangeFeed for UnpublishedMeanwhile {
    fn change_overlap(&self) -> std::time::Duration {
        self.inner.change_overlap()
    }

    async fn changes_from(
        &self,
        from: vigie_domain::ports::ChangeFrom,
    ) -> Result<vigie_domain::ports::ChangePage, StoreError> {
        self.inner.changes_from(from).await
    }
}

#[async_trait::async_trait]
impl RoomStore for UnpublishedMeanwhile {
    async fn rooms(&self) -> Result<Option<vigie_domain::ports::Rooms>, StoreError> {
        self.inner.rooms().await
    }

    async fn save_rooms(
        &self,
        items: &[vigie_domain::ports::Room],
        expected_version: u64,
    ) -> Result<vigie_domain::ports::Rooms, StoreError> {
        self.inner.save_rooms(items, expected_version).await
    }
}

#[async_trait::async_trait]
impl TokenStore for UnpublishedMeanwhile {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.inner.insert_token(token).await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.inner.token_by_hash(hash).await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.inner.list_tokens().await
    }

    async fn revoke_token(
        &self,
        id: &str,
        at: chrono::DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        self.inner.revoke_token(id, at, by).await
    }
}

#[tokio::test]
async fn a_report_unpublished_while_the_export_reads_stays_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(UnpublishedMeanwhile {
        inner: Arc::new(SqliteStore::open(&dir.path().join("v.db")).unwrap()),
        victim: std::sync::Mutex::new(None),
    });
    let f = TestApp::builder()
        .crisis(CRISIS)
        .store(store.clone())
        .open();
    let mut others = Vec::new();
    for (native, summary) in [("v1", "Route coupée"), ("v2", "Pont effondré")] {
        others.push(add(&f.app, private(native, summary)).await);
    }
    let victim = add(&f.app, private("v3", "VICTIM-MARKER arbre tombé")).await;
    let second = add(&f.app, private("v4", "SECOND-VICTIM toiture envolée")).await;
    export::export_once(&f.app).await.unwrap();
    let geojson = std::fs::read_to_string(f.public.join("reports.geojson")).unwrap();
    assert!(geojson.contains("VICTIM-MARKER") && geojson.contains("SECOND-VICTIM"));
    let stays_out = |marker: &str| {
        for file in ["reports.geojson", "official.atom", "meta.json"] {
            let text = std::fs::read_to_string(f.public.join(file)).unwrap();
            assert!(!text.contains(marker), "{file} still has {marker}");
        }
    };

    // Edited (so only it is read again, by id), then unpublished between the two reads.
    let mut edited = victim.clone();
    edited.summary = Some("VICTIM-MARKER arbre tombé sur la route".into());
    let edited = store_edit(&f.app, &victim, edited).await;
    *store.victim.lock().unwrap() = Some(edited);
    let summary = export::export_once(&f.app).await.unwrap();
    assert!(store.victim.lock().unwrap().is_none(), "the race was run");
    assert_eq!(summary.features, 3);
    stays_out("VICTIM-MARKER");

    // Unchanged itself, while most others changed (so everything is read in one pass), and
    // unpublished between the two reads.
    for r in &others {
        let mut after = r.clone();
        after.summary = Some(format!(
            "{} (mis à jour)",
            r.summary.as_deref().unwrap_or("")
        ));
        store_edit(&f.app, r, after).await;
    }
    *store.victim.lock().unwrap() = Some(second);
    let summary = export::export_once(&f.app).await.unwrap();
    assert!(store.victim.lock().unwrap().is_none(), "the race was run");
    assert_eq!(summary.features, 2);
    stays_out("SECOND-VICTIM");
}

/// Characters XML 1.0 forbids (section 2.2, `Char`) that a post, a volunteer's paste or a CSV
/// may carry all the same: C0 controls (NUL, SOH, backspace, ESC) and U+FFFE, U+FFFF.
const XML_FORBIDDEN: [char; 6] = ['\u{0}', '\u{1}', '\u{8}', '\u{1b}', '\u{fffe}', '\u{ffff}'];

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

/// Reads a whole document with quick-xml, as a feed reader does, and checks that what it is
/// made of (raw, and once unescaped: text, attributes, character references) is XML's.
fn assert_well_formed_xml(bytes: &[u8]) {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let check = |s: &str, what: &str| {
        if let Some(c) = s.chars().find(|c| !xml_char(*c)) {
            panic!(
                "U+{:04X} in {what}, not an XML character:\n{text}",
                c as u32
            );
        }
    };
    check(text, "the document");
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                for a in e.attributes() {
                    check(
                        &a.expect("an attribute")
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .unwrap(),
                        "an attribute",
                    );
                }
            }
            Ok(Event::Empty(e)) => {
                for a in e.attributes() {
                    check(
                        &a.expect("an attribute")
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .unwrap(),
                        "an attribute",
                    );
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Text(t)) => check(&t.xml10_content(), "a text"),
            Ok(Event::GeneralRef(r)) => {
                if let Some(c) = r.resolve_char_ref().expect("a character reference") {
                    check(&c.to_string(), "a character reference");
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not XML at {}: {e}\n{text}", reader.error_position()),
        }
    }
    assert_eq!((depth, roots), (0, 1), "one root element, closed");
}

/// Every string a JSON value holds, keys included.
fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn characters_xml_forbids_never_reach_a_public_file() {
    // A crisis file may carry them too (TOML's \u escapes).
    let crisis = CRISIS.replace("Cyclone — test", "Cyclone\\u0001 — test\\uFFFF");
    let f = TestApp::builder().crisis(&crisis).open();
    let (app, public) = (f.app.clone(), f.public.clone());
    let dirty = |words: &str| -> &'static str {
        let mut s = String::new();
        for (i, c) in XML_FORBIDDEN.iter().enumerate() {
            s.push_str(&format!("{words} {i}{c}"));
        }
        s.push_str("\nfin");
        s.leak()
    };
    // An official message and a debunked rumour (both in the feed), and a private report.
    add(
        &app,
        Spec {
            author: "prefecture@social.example",
            text: dirty("Consigne officielle"),
            ..private("x1", dirty("Ouverture des abris"))
        },
    )
    .await;
    add(
        &app,
        Spec {
            verification: Verification::Debunked,
            text: dirty("Rumeur"),
            ..private("x2", dirty("Rumeur démentie"))
        },
    )
    .await;
    add(
        &app,
        Spec {
            text: dirty("Toit"),
            ..private("x3", dirty("Toit arraché"))
        },
    )
    .await;
    export::export_once(&app).await.unwrap();
    let atom = std::fs::read(public.join("official.atom")).unwrap();
    assert_well_formed_xml(&atom);
    let feed = feed_rs::parser::parse(&atom[..]).expect("a valid Atom feed");
    assert_eq!(feed.entries.len(), 2);
    let atom = String::from_utf8(atom).unwrap();
    assert!(atom.contains("Ouverture des abris 0"), "{atom}");
    assert!(atom.contains("Cyclone — test"), "{atom}");
    for name in ["reports.geojson", "meta.json"] {
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(public.join(name)).unwrap()).unwrap();
        let mut strings = Vec::new();
        json_strings(&value, &mut strings);
        for s in &strings {
            assert!(
                !s.contains(XML_FORBIDDEN),
                "{name}: {s:?} carries a character XML forbids"
            );
        }
        if name == "reports.geojson" {
            assert_eq!(value["features"].as_array().map(Vec::len), Some(3));
            assert!(
                strings.iter().any(|s| s.starts_with("Toit arraché 0")),
                "{strings:?}"
            );
        }
    }
}

/// An official message relayed to the association's accounts is in the feed, with the
/// published posts' links; a call for solidarity, a draft or a relay still being posted is
/// not.
#[tokio::test]
async fn a_relayed_official_message_is_in_the_feed_with_its_posts() {
    use vigie_domain::relay::{Relay, RelayKind, RelayStatus, RelayTarget, TargetState};
    let f = fixture();
    let now = Utc::now();
    let target = |account: &str, url: Option<&str>| RelayTarget {
        account: account.into(),
        network: "mastodon".into(),
        key: format!("k-{account}"),
        state: if url.is_some() {
            TargetState::Posted
        } else {
            TargetState::Pending
        },
        attempts: 1,
        attempt_at: Some(now),
        url: url.map(str::to_string),
        posted_at: url.map(|_| now - Duration::minutes(3)),
        error: None,
    };
    let relay = |id: &str, kind, status, targets| Relay {
        id: id.into(),
        report: "r1".into(),
        kind,
        accounts: vec!["asso-masto".into(), "asso-bsky".into()],
        text: format!("Restez à l'abri <{id}> & écoutez la radio. #Gwada"),
        drafted_by: "Lyne (t1)".into(),
        drafted_at: now - Duration::minutes(10),
        status,
        approved_by: Some("Coord (t2)".into()),
        approved_at: Some(now - Duration::minutes(5)),
        targets,
        remind_every_hours: None,
        version: 0,
    };
    let posted = vec![
        target("asso-masto", Some("https://mastodon.example/@asso/1")),
        target("asso-bsky", Some("https://bsky.app/profile/asso/post/3k")),
    ];
    for r in [
        relay(
            "rl-1",
            RelayKind::Official,
            RelayStatus::Posted,
            posted.clone(),
        ),
        relay("rl-2", RelayKind::Solidarity, RelayStatus::Posted, posted),
        relay("rl-3", RelayKind::Official, RelayStatus::Draft, vec![]),
        relay(
            "rl-4",
            RelayKind::Official,
            RelayStatus::Approved,
            vec![target("asso-masto", None)],
        ),
    ] {
        f.app.relays.save_relay(&r).await.unwrap();
    }
    export::export_once(&f.app).await.unwrap();
    let bytes = std::fs::read(f.public.join("official.atom")).unwrap();
    assert_atom_entries_complete(&bytes);
    let feed = feed_rs::parser::parse(&bytes[..]).unwrap();
    let relayed: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| e.id.contains(":relay:"))
        .collect();
    assert_eq!(relayed.len(), 1, "{:?}", feed.entries);
    let entry = relayed[0];
    assert_eq!(entry.id, "urn:vigie:gp-test:relay:rl-1");
    let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        links,
        [
            "https://mastodon.example/@asso/1",
            "https://bsky.app/profile/asso/post/3k"
        ]
    );
    assert!(entry
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .is_some_and(|b| b.contains("<rl-1> & écoutez")));
}
