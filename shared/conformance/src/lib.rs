//! The conformance suites: what every adapter of a port must do, written once. Each adapter's
//! tests call [`report_store`] or [`publisher`] with a fresh, empty instance; a failure panics
//! with the rule that was broken.

pub mod fakes;

use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use vigie_domain::identity::{canonical_url, report_id};
use vigie_domain::ports::{
    ChangePage, HealthUpdate, PublicFile, PublishOutcome, PublishedReader, Publisher, ReportQuery,
    ReportStore, Reports, Room, Rooms, SkipReason, Skips, Spread, StoreError, TokenRecord,
};
use vigie_domain::report::{diff, ingest, Body, HistoryEntry, IngestContext, Observation};
use vigie_domain::taxonomy::{Category, Priority, Role, Status, Verification};
use vigie_domain::{Crisis, Gazetteer, Report};

/// Two reads and writes that the suites and tests use but no use case needs, written once over
/// the ports instead of in every adapter. `use vigie_conformance::TestStore as _;` to call them.
#[async_trait::async_trait]
pub trait TestStore {
    /// [`Reports::insert_reports_with_history`] without history entries.
    async fn insert_reports(&self, reports: &[Report]) -> Result<Vec<bool>, StoreError>;
    /// Every published report, whole, in id order.
    async fn published_reports(&self) -> Result<Vec<Report>, StoreError>;
}

#[async_trait::async_trait]
impl<T: Reports + PublishedReader + ?Sized> TestStore for T {
    async fn insert_reports(&self, reports: &[Report]) -> Result<Vec<bool>, StoreError> {
        self.insert_reports_with_history(reports, &[]).await
    }

    async fn published_reports(&self) -> Result<Vec<Report>, StoreError> {
        let mut out = Vec::new();
        for (id, _) in self.published_versions().await? {
            if let Some(report) = self.get_report(&id).await? {
                out.push(report);
            }
        }
        Ok(out)
    }
}

const CRISIS: &str = r#"
[crisis]
id = "conformance"
name = "Conformance"
bbox = [-61.85, 15.83, -61.00, 16.52]
"#;

/// A report as the collectors would make it, `minutes` after a fixed time.
pub fn sample(native: &str, text: &str, minutes: i64) -> Report {
    let crisis = Crisis::parse("conformance.toml", CRISIS).expect("crisis");
    let gazetteer = Gazetteer::guadeloupe();
    let ctx = IngestContext {
        crisis: &crisis,
        gazetteer: &gazetteer,
    };
    let at = Utc.with_ymd_and_hms(2026, 9, 14, 3, 0, 0).unwrap() + Duration::minutes(minutes);
    let obs = Observation {
        source_id: "test".into(),
        network: "mastodon".into(),
        native_id: native.into(),
        url: Some(format!("https://m.example/@a/{native}")),
        author: "a@m.example".into(),
        author_name: Some("Personne Privée".into()),
        official_source: false,
        body: Body::Plain(text.into()),
        language: Some("fr".into()),
        posted_at: at,
        point: None,
        media: 0,
        hint: None,
        counts: None,
        insee: Vec::new(),
        extent: None,
        amends: None,
    };
    ingest(&obs, &ctx, at)
}

fn entry(r: &Report, actor: &str, before: &Report) -> HistoryEntry {
    HistoryEntry {
        report_id: r.id.clone(),
        version: 0,
        at: Utc::now(),
        actor: actor.into(),
        action: "update".into(),
        changes: diff(before, r),
    }
}

/// Every rule of the report store port.
pub async fn report_store(store: Arc<dyn ReportStore>) {
    // Idempotent inserts: the same post twice is one report.
    let a = sample("1", "Toits arrachés aux Abymes, pas de blessés", 0);
    let b = sample(
        "2",
        "Au secours bloqués sur le toit à Petit-Bourg, l'eau monte",
        5,
    );
    let c = sample("3", "Coupure de courant à Sainte-Anne depuis 3h", 10);
    assert_eq!(
        store.insert_reports(&[a.clone(), b.clone()]).await.unwrap(),
        vec![true, true]
    );
    assert_eq!(
        store.insert_reports(&[b.clone(), c.clone()]).await.unwrap(),
        vec![false, true],
        "a report already stored is not stored again"
    );
    let got = store.get_report(&b.id).await.unwrap().expect("stored");
    assert_eq!(got.text, b.text);
    assert_eq!(got.version, 1);
    assert!(store.get_report("r-none").await.unwrap().is_none());

    // Queue: priority first (critical rescue on top), then the most recent.
    let page = store
        .list_reports(&ReportQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids[0], b.id, "the critical report comes first");
    assert_eq!(ids.len(), 3);
    assert_eq!(page.next_cursor, None);
    let medium: Vec<&Report> = page
        .items
        .iter()
        .filter(|r| r.effective_priority() == Priority::Medium)
        .collect();
    if medium.len() == 2 {
        assert!(
            medium[0].posted_at >= medium[1].posted_at,
            "recency within a priority"
        );
    }

    // Paging: cursors walk the whole queue once.
    let more: Vec<Report> = (10..45)
        .map(|i| {
            sample(
                &format!("p{i}"),
                &format!("Arbre tombé route {i} à Goyave, circulation difficile"),
                i,
            )
        })
        .collect();
    store.insert_reports(&more).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_reports(&ReportQuery {
                limit: 7,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|r| r.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 38, "every report once");
    assert_eq!(unique.len(), 38, "no report twice across pages");
    assert!(matches!(
        store
            .list_reports(&ReportQuery {
                limit: 5,
                cursor: Some("zz".into()),
                ..Default::default()
            })
            .await,
        Err(StoreError::BadCursor)
    ));

    // Filters.
    let q = |f: ReportQuery| {
        let store = store.clone();
        async move {
            store
                .list_reports(&ReportQuery { limit: 200, ..f })
                .await
                .unwrap()
                .items
        }
    };
    assert_eq!(
        q(ReportQuery {
            category: Some(Category::Rescue),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        q(ReportQuery {
            place: Some("97128".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        q(ReportQuery {
            place: Some("sainte-anne".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        q(ReportQuery {
            q: Some("courant".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        q(ReportQuery {
            q: Some("COURANT sainte".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        q(ReportQuery {
            status: Some(Status::Published),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
    assert_eq!(
        q(ReportQuery {
            network: Some("mastodon".into()),
            ..Default::default()
        })
        .await
        .len(),
        38
    );

    // Optimistic versions: a stale update changes nothing.
    let mut edit = got.clone();
    edit.category = Some(Category::Rescue);
    edit.priority = Some(Priority::Critical);
    edit.summary = Some("Famille sur un toit à Petit-Bourg".into());
    edit.status = Status::Triaged;
    let saved = store
        .update_report(&edit, 1, &entry(&edit, "vol-1", &got))
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let mut stale = got.clone();
    stale.summary = Some("écrasé".into());
    match store
        .update_report(&stale, 1, &entry(&stale, "vol-2", &got))
        .await
    {
        Err(StoreError::Conflict {
            expected: 1,
            current: 2,
            ..
        }) => {}
        other => panic!("a stale version must conflict, got {other:?}"),
    }
    let now = store.get_report(&b.id).await.unwrap().unwrap();
    assert_eq!(
        now.summary.as_deref(),
        Some("Famille sur un toit à Petit-Bourg")
    );
    assert_eq!(now.version, 2);
    let history = store.history(&b.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "vol-1");
    assert_eq!(history[0].version, 2);
    assert!(
        history[0].changes.get("summary").is_some(),
        "history says what changed"
    );
    assert!(matches!(
        store
            .update_report(&sample("nope", "x y z w", 0), 1, &entry(&got, "v", &got))
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Entries appended beside a version (deliveries of a notification): after the version's
    // own entry, in the order appended, the report unchanged; none for an unknown report.
    for n in 1..=2u64 {
        let delivery = HistoryEntry {
            report_id: b.id.clone(),
            version: 2,
            at: Utc::now(),
            actor: "vigie".into(),
            action: "notify".into(),
            changes: serde_json::json!({"notification": {"before": null, "after": format!("attempt {n}")}}),
        };
        store.append_history(&delivery).await.unwrap();
    }
    let history = store.history(&b.id).await.unwrap();
    let actions: Vec<(&str, u64)> = history
        .iter()
        .map(|e| (e.action.as_str(), e.version))
        .collect();
    assert_eq!(actions[0].1, 2, "{actions:?}");
    assert_eq!(
        &actions[1..],
        &[("notify", 2), ("notify", 2)],
        "{actions:?}"
    );
    assert_eq!(history[2].changes["notification"]["after"], "attempt 2");
    assert_eq!(store.get_report(&b.id).await.unwrap().unwrap().version, 2);
    let mut stray = history[1].clone();
    stray.report_id = "r-none".into();
    assert!(matches!(
        store.append_history(&stray).await,
        Err(StoreError::NotFound(_))
    ));

    // Published reports, for the export.
    let mut publish = now.clone();
    publish.status = Status::Published;
    publish.verification = Verification::Confirmed;
    publish.published_at = Some(Utc::now());
    store
        .update_report(&publish, 2, &entry(&publish, "coord", &now))
        .await
        .unwrap();
    let published = store.published_reports().await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].id, b.id);
    let candidates = store.published_candidates(None).await.unwrap();
    assert_eq!(candidates.len(), 1);
    let expected = vigie_domain::public::Candidate::from(&published[0]);
    assert_eq!(candidates[0].id, expected.id);
    assert_eq!(
        candidates[0].version, 3,
        "the version the export keys renderings on"
    );
    assert_eq!(candidates[0].summary, expected.summary);
    assert_eq!(candidates[0].category, expected.category);
    assert_eq!(candidates[0].verification, expected.verification);
    assert_eq!(
        candidates[0].published_at.map(|t| t.timestamp_micros()),
        expected.published_at.map(|t| t.timestamp_micros())
    );
    assert_eq!(
        candidates[0]
            .location
            .as_ref()
            .map(|l| (l.lat, l.lon, l.precision, l.insee.clone())),
        expected
            .location
            .as_ref()
            .map(|l| (l.lat, l.lon, l.precision, l.insee.clone()))
    );
    // The projection takes the author out of summaries and dates feed entries by last change.
    assert_eq!(candidates[0].author, expected.author);
    assert_eq!(candidates[0].author_name, expected.author_name);
    assert_eq!(
        candidates[0].updated_at.timestamp_micros(),
        expected.updated_at.timestamp_micros()
    );
    // What a running export reads first, then the fields of only what changed: an id not
    // published, or not stored at all, is left out.
    assert_eq!(
        store.published_versions().await.unwrap(),
        vec![(b.id.clone(), 3)]
    );
    let some = store
        .published_candidates(Some(&[a.id.clone(), b.id.clone(), "nowhere".into()]))
        .await
        .unwrap();
    assert_eq!(
        some, candidates,
        "only the published one, with the same fields"
    );
    assert!(store
        .published_candidates(Some(&[]))
        .await
        .unwrap()
        .is_empty());

    // Clusters: a copy joins the original's cluster and the cluster grows.
    let original = sample(
        "c1",
        "URGENT le barrage de Moreau a cédé, l'eau descend vers Goyave, évacuez",
        50,
    );
    let mut copy = sample(
        "c2",
        "RT urgent le barrage de Moreau a cédé l'eau descend vers Goyave évacuez !!",
        51,
    );
    store
        .insert_reports(std::slice::from_ref(&original))
        .await
        .unwrap();
    let bands = copy.fingerprint().expect("fingerprint").bands();
    let candidates = store.cluster_candidates(&bands).await.unwrap();
    assert!(
        candidates.iter().any(|c| c.report_id == original.id),
        "the original is a candidate"
    );
    copy.cluster_id = original.cluster_id.clone();
    store.insert_reports(&[copy.clone()]).await.unwrap();
    let got_copy = store.get_report(&copy.id).await.unwrap().unwrap();
    assert_eq!(got_copy.cluster_id, original.id);
    assert_eq!(got_copy.cluster_size, 2);
    assert_eq!(
        store
            .get_report(&original.id)
            .await
            .unwrap()
            .unwrap()
            .cluster_size,
        2
    );
    assert!(store.cluster_candidates(&[]).await.unwrap().is_empty());

    // Counts over the table.
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.total, 40);
    assert_eq!(counts.by_status.get("published"), Some(&1));
    assert_eq!(counts.by_category.get("rescue"), Some(&1));
    assert_eq!(counts.by_network.get("mastodon"), Some(&40));
    assert_eq!(counts.by_priority.values().sum::<u64>(), 40);
    assert_eq!(counts.by_hour.values().sum::<u64>(), 40);

    // Paging over every status at once: the pages, end to end, are the whole queue in order.
    let mixed: Vec<Report> = (0..9)
        .map(|i| {
            let mut r = sample(
                &format!("m{i}"),
                &format!("Eau potable coupée quartier {i} de Capesterre, citerne demandée"),
                60 + i,
            );
            r.status = [Status::Triaged, Status::Dismissed, Status::New][i as usize % 3];
            r
        })
        .collect();
    store.insert_reports(&mixed).await.unwrap();
    let whole = store
        .list_reports(&ReportQuery {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(whole.items.len(), 49);
    assert!(whole.next_cursor.is_none());
    let statuses: std::collections::BTreeSet<&str> =
        whole.items.iter().map(|r| r.status.as_str()).collect();
    assert!(statuses.len() >= 4, "several statuses in the queue");
    for pair in whole.items.windows(2) {
        let key = |r: &Report| {
            (
                r.effective_priority().rank(),
                std::cmp::Reverse(r.posted_at),
            )
        };
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "queue order across statuses"
        );
    }
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_reports(&ReportQuery {
                limit: 4,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 4);
        walked.extend(page.items.iter().map(|r| r.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = whole.items.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        walked, expected,
        "pages across statuses, in order, each once"
    );

    // A cluster's members, paged.
    let mut members = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_reports(&ReportQuery {
                cluster: Some(original.id.clone()),
                limit: 1,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        members.extend(page.items.iter().map(|r| (r.id.clone(), r.cluster_size)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    members.sort();
    let mut want = vec![(original.id.clone(), 2), (copy.id.clone(), 2)];
    want.sort();
    assert_eq!(members, want, "both members of the cluster, each once");

    // Checkpoints.
    assert_eq!(store.checkpoint("masto").await.unwrap(), None);
    assert!(store
        .advance_checkpoint("masto", None, "110")
        .await
        .unwrap());
    assert!(store
        .advance_checkpoint("masto", Some("110"), "120")
        .await
        .unwrap());
    assert!(
        !store
            .advance_checkpoint("masto", Some("110"), "115")
            .await
            .unwrap(),
        "a run that read an older checkpoint cannot move it back"
    );
    assert!(!store
        .advance_checkpoint("masto", None, "130")
        .await
        .unwrap());
    assert_eq!(
        store.checkpoint("masto").await.unwrap().as_deref(),
        Some("120")
    );
    // The triage model is kept as a checkpoint: as large as it may grow, compare-and-set.
    let key = vigie_domain::learn::MODEL_KEY;
    let big = |c: char| c.to_string().repeat(vigie_domain::learn::MAX_STORED_BYTES);
    assert!(store
        .advance_checkpoint(key, None, &big('a'))
        .await
        .unwrap());
    assert!(store
        .advance_checkpoint(key, Some(&big('a')), &big('b'))
        .await
        .unwrap());
    assert!(
        !store
            .advance_checkpoint(key, Some(&big('a')), &big('c'))
            .await
            .unwrap(),
        "a revision of an older model is refused"
    );
    assert_eq!(store.checkpoint(key).await.unwrap(), Some(big('b')));
    assert_eq!(
        store.checkpoint("masto").await.unwrap().as_deref(),
        Some("120")
    );

    // Spreads: each repost counted once, only for stored reports.
    let spread = |key: &str| Spread {
        report_id: a.id.clone(),
        key: key.into(),
    };
    assert_eq!(
        store
            .add_spreads(&[spread("boost-1"), spread("boost-2")])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.add_spreads(&[spread("boost-1")]).await.unwrap(),
        0,
        "a repost seen again"
    );
    let orphan = Spread {
        report_id: "r-none".into(),
        key: "x".into(),
    };
    assert_eq!(store.add_spreads(&[orphan]).await.unwrap(), 0);
    assert_eq!(
        store.get_report(&a.id).await.unwrap().unwrap().spread_count,
        2
    );

    // Source health: one line per source, made by its first run.
    for collected in [4, 5] {
        store
            .record_source_run(&HealthUpdate {
                source_id: "masto".into(),
                kind: "mastodon".into(),
                collected,
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let all = store.source_health().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].kind.as_str(), all[0].items_collected),
        ("mastodon", 9)
    );

    // Runs' updates: counts add up even when the runs overlap; times move forward only.
    let t0 = Utc::now();
    let run = |collected: u64, at: chrono::DateTime<Utc>| HealthUpdate {
        source_id: "bsky".into(),
        kind: "bluesky".into(),
        run_at: Some(at),
        success_at: Some(at),
        collected,
        seen: 10 * collected,
        skipped: {
            let mut skips = Skips::from(SkipReason::OutsideArea);
            if collected.is_multiple_of(2) {
                skips.add(SkipReason::NoText, 1);
            }
            skips
        },
        ..Default::default()
    };
    let updates: Vec<HealthUpdate> = (1..=6)
        .map(|i| run(i, t0 + Duration::seconds(i as i64)))
        .collect();
    let results =
        futures::future::join_all(updates.iter().map(|u| store.record_source_run(u))).await;
    for r in results {
        r.unwrap();
    }
    let failed = HealthUpdate {
        source_id: "bsky".into(),
        error: Some(("the variable BSKY_HANDLE is not set".into(), t0)),
        next_allowed_at: Some(Some(t0 + Duration::minutes(5))),
        ..Default::default()
    };
    let after = store.record_source_run(&failed).await.unwrap();
    let bsky = store
        .source_health()
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.source_id == "bsky")
        .unwrap();
    assert_eq!(after, bsky, "the health returned is the health stored");
    assert_eq!(bsky.kind, "bluesky", "an update without a kind keeps it");
    assert_eq!(bsky.items_collected, 21, "1 + 2 + ... + 6, none lost");
    assert_eq!(
        bsky.items_skipped, 9,
        "6 outside the area and 3 without text"
    );
    // The latest run's counts, whatever order the overlapping runs finished in; an update
    // without a run (an error recorded) leaves them.
    let last = bsky.last_run.clone().expect("the last run's counts");
    assert_eq!((last.new, last.seen), (6, 60), "{last:?}");
    assert_eq!(last.skipped.get(SkipReason::OutsideArea), 1);
    assert_eq!(last.skipped.get(SkipReason::NoText), 1);
    assert!(!last.all_skipped());
    assert_eq!(
        bsky.last_success_at.map(|t| t.timestamp_millis()),
        Some((t0 + Duration::seconds(6)).timestamp_millis())
    );
    assert_eq!(
        bsky.last_error.as_deref(),
        Some("the variable BSKY_HANDLE is not set")
    );
    assert!(bsky.next_allowed_at.is_some());
    let cleared = store
        .record_source_run(&HealthUpdate {
            source_id: "bsky".into(),
            next_allowed_at: Some(None),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(cleared.next_allowed_at, None);
    assert_eq!(cleared.items_collected, 21);

    // Tokens: found by hash, revoked for good.
    let t = TokenRecord {
        id: "t1".into(),
        name: "Lyne".into(),
        role: Role::Volunteer,
        hash: "abc".into(),
        created_at: Utc::now(),
        revoked_at: None,
        created_by: Some("Coordination (t0)".into()),
        revoked_by: None,
    };
    store.insert_token(&t).await.unwrap();
    assert_eq!(
        store.token_by_hash("abc").await.unwrap().unwrap().name,
        "Lyne"
    );
    assert!(store.token_by_hash("abd").await.unwrap().is_none());
    assert_eq!(store.list_tokens().await.unwrap().len(), 1);
    store
        .revoke_token("t1", Utc::now(), "Coordination (t0)")
        .await
        .unwrap();
    store
        .revoke_token("t1", Utc::now(), "Someone else (t2)")
        .await
        .unwrap();
    let revoked = store.token_by_hash("abc").await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        revoked.created_by.as_deref(),
        Some("Coordination (t0)"),
        "who created a token is kept"
    );
    assert_eq!(
        revoked.revoked_by.as_deref(),
        Some("Coordination (t0)"),
        "who revoked a token first is kept"
    );
    assert!(matches!(
        store.revoke_token("t9", Utc::now(), "x").await,
        Err(StoreError::NotFound(_))
    ));

    // A post is found by its address whatever its network: a hand entry of a collected post.
    let collected = sample("url-1", "Pont de la Boucan coupé, route impassable", 30);
    assert!(
        store
            .insert_reports(std::slice::from_ref(&collected))
            .await
            .unwrap()[0]
    );
    let address = collected
        .source_url
        .clone()
        .expect("collected posts have an address");
    let found = store
        .report_by_url(&canonical_url(&address))
        .await
        .unwrap()
        .expect("found by its canonical address");
    assert_eq!(found.id, collected.id);
    let shouted = address.replace("https://m.example", "HTTPS://M.EXAMPLE") + "/#replies";
    assert_eq!(
        store
            .report_by_url(&canonical_url(&shouted))
            .await
            .unwrap()
            .map(|r| r.id),
        Some(collected.id.clone()),
        "the same address written differently"
    );
    assert!(store
        .report_by_url(&canonical_url("https://m.example/@a/url-2"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .report_by_url(&canonical_url(&address.replace("url-1", "url-10")))
        .await
        .unwrap()
        .is_none());

    // A report stored with the start of its history (a hand entry, an import) has it from
    // the start; stored again, neither the report nor an entry is written twice.
    let entered = sample("hand-1", "Arbre en travers de la route de Matouba", 31);
    let plain = sample(
        "hand-2",
        "Coupure d'eau à Trois-Rivières depuis ce matin",
        32,
    );
    let created = HistoryEntry {
        report_id: entered.id.clone(),
        version: entered.version,
        at: Utc::now(),
        actor: "Lyne (t1)".into(),
        action: "create".into(),
        changes: serde_json::json!({"network": {"before": null, "after": "mastodon"}}),
    };
    assert_eq!(
        store
            .insert_reports_with_history(
                &[entered.clone(), plain.clone()],
                std::slice::from_ref(&created)
            )
            .await
            .unwrap(),
        vec![true, true]
    );
    assert!(store.history(&plain.id).await.unwrap().is_empty());
    let again = HistoryEntry {
        action: "import".into(),
        ..created.clone()
    };
    assert_eq!(
        store
            .insert_reports_with_history(std::slice::from_ref(&entered), &[again])
            .await
            .unwrap(),
        vec![false]
    );
    // One post twice in a batch (a file repeating a row), with an entry each time: one
    // report, one entry.
    let twice = sample(
        "hand-3",
        "Glissement de terrain sur la route de la Soufrière",
        33,
    );
    let imported = HistoryEntry {
        report_id: twice.id.clone(),
        action: "import".into(),
        ..created.clone()
    };
    assert_eq!(
        store
            .insert_reports_with_history(
                &[twice.clone(), twice.clone()],
                &[imported.clone(), imported.clone()]
            )
            .await
            .unwrap(),
        vec![true, false]
    );
    assert_eq!(store.history(&twice.id).await.unwrap().len(), 1);
    let log = store.history(&entered.id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "create");
    assert_eq!(log[0].actor, "Lyne (t1)");
    assert_eq!(log[0].version, entered.version);
    assert_eq!(log[0].changes, created.changes);
    let collected = entered;
    let before = store.get_report(&collected.id).await.unwrap().unwrap();
    let mut after = before.clone();
    after.summary = Some("Pont coupé".into());
    store
        .update_report(&after, before.version, &entry(&after, "Lyne (t1)", &before))
        .await
        .unwrap();
    let log = store.history(&collected.id).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["create", "update"],
        "the creation comes first, changes after"
    );

    // Stable ids come from the network and the post's own id.
    assert_eq!(a.id, report_id("mastodon", "1"));
}

/// Every change from `cursor`, page after page of `limit`, in the order the feed gives them,
/// with the cursor of the last page.
async fn walk_changes(
    store: &dyn ReportStore,
    cursor: &str,
    limit: usize,
) -> (Vec<Report>, String) {
    let mut cursor = cursor.to_string();
    let mut out = Vec::new();
    for _ in 0..1000 {
        let page: ChangePage = store
            .list_changes(Some(&cursor), limit)
            .await
            .expect("the feed of changes reads");
        assert!(page.items.len() <= limit, "a page holds at most its limit");
        out.extend(page.items);
        cursor = page.cursor;
        if !page.more {
            return (out, cursor);
        }
    }
    panic!("the feed of changes never ends its pages");
}

/// The report as the feed last gave it, from `cursor`.
async fn in_feed(store: &dyn ReportStore, cursor: &str, id: &str) -> Option<Report> {
    let (items, _) = walk_changes(store, cursor, 500).await;
    let mut found: Vec<Report> = items.into_iter().filter(|r| r.id == id).collect();
    assert!(found.len() <= 1, "a report once in one walk of the feed");
    found.pop()
}

/// Every rule of the feed of changes (`/changes`): every kind of report write appears, from a
/// store-side time (not the report's own `updated_at`), oldest change first, paged, stable
/// when nothing changed. Give it an empty store; a short change overlap keeps it quick.
pub async fn change_feed(store: Arc<dyn ReportStore>) {
    let start = store.list_changes(None, 500).await.unwrap();
    assert!(start.items.is_empty(), "without `since`, no report");
    assert!(!start.more);
    let start = start.cursor;
    assert!(
        store
            .list_changes(Some(&start), 500)
            .await
            .unwrap()
            .items
            .is_empty(),
        "nothing written yet"
    );

    // Collected, then entered by hand: both appear.
    let a = sample("f1", "Arbre tombé sur la route de Vieux-Habitants", 0);
    let b = sample("f2", "Coupure d'eau à Bouillante depuis la nuit", 1);
    store.insert_reports(&[a.clone(), b.clone()]).await.unwrap();
    let hand = sample("f3", "Glissement de terrain à Deshaies, route fermée", 2);
    let created = HistoryEntry {
        report_id: hand.id.clone(),
        version: hand.version,
        at: Utc::now(),
        actor: "Lyne (t1)".into(),
        action: "create".into(),
        changes: serde_json::json!({}),
    };
    store
        .insert_reports_with_history(std::slice::from_ref(&hand), &[created])
        .await
        .unwrap();
    for r in [&a, &b, &hand] {
        let got = in_feed(store.as_ref(), &start, &r.id)
            .await
            .unwrap_or_else(|| panic!("{} stored: in the feed", r.id));
        assert_eq!(got.version, r.version);
        assert_eq!(got.text, r.text, "the report as the queue gives it");
    }

    // Every kind of change to a report, each one in the feed at its new version. The
    // reports' own times are months old: the store stamps the change, not the report.
    let actor = vigie_domain::triage::Actor {
        token_id: "t1".into(),
        name: "Lyne".into(),
        role: Role::Coordinator,
    };
    let lease = Duration::minutes(20);
    type Change = fn(&Report, &vigie_domain::triage::Actor, Duration) -> Report;
    let steps: [(&str, Change); 8] = [
        ("edit", |r, _, _| {
            let mut n = r.clone();
            n.category = Some(Category::Access);
            n.summary = Some("Route coupée".into());
            n.status = Status::Triaged;
            n
        }),
        ("claim", |r, a, l| {
            vigie_domain::triage::claim(r, a, Utc::now(), l).unwrap()
        }),
        ("renewal", |r, a, l| {
            vigie_domain::triage::claim(r, a, Utc::now() + Duration::minutes(1), l).unwrap()
        }),
        ("release", |r, a, _| {
            vigie_domain::triage::release(r, a, Utc::now()).unwrap()
        }),
        ("publish", |r, _, _| {
            let mut n = r.clone();
            n.status = Status::Published;
            n.verification = Verification::Confirmed;
            n.published_at = Some(Utc::now());
            n
        }),
        ("unpublish", |r, a, _| {
            vigie_domain::triage::unpublish(r, a, Utc::now()).unwrap()
        }),
        ("escalate", |r, _, _| {
            vigie_domain::triage::escalate(r, Utc::now()).unwrap()
        }),
        ("ack", |r, a, _| {
            vigie_domain::triage::acknowledge(r, a, Utc::now()).unwrap()
        }),
    ];
    for (what, change) in steps {
        let before = store.get_report(&a.id).await.unwrap().unwrap();
        let next = change(&before, &actor, lease);
        let saved = store
            .update_report(&next, before.version, &entry(&next, "Lyne (t1)", &before))
            .await
            .unwrap();
        let cursor = store.list_changes(None, 1).await.unwrap().cursor;
        let got = in_feed(store.as_ref(), &start, &a.id)
            .await
            .unwrap_or_else(|| panic!("{what}: in the feed"));
        assert_eq!(got.version, saved.version, "{what}: at its new version");
        assert_eq!(got.claimed_by, saved.claimed_by, "{what}");
        assert_eq!(got.status, saved.status, "{what}");
        // A cursor given just after the change still reaches back to it (the overlap).
        assert_eq!(
            in_feed(store.as_ref(), &cursor, &a.id)
                .await
                .map(|r| r.version),
            Some(saved.version),
            "{what}: a cursor given a moment after still has it"
        );
    }
    // An update whose report says it changed long ago is still a change now.
    let before = store.get_report(&b.id).await.unwrap().unwrap();
    let mut old = before.clone();
    old.summary = Some("Coupure d'eau".into());
    old.updated_at = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let saved = store
        .update_report(&old, before.version, &entry(&old, "Lyne (t1)", &before))
        .await
        .unwrap();
    assert_eq!(
        in_feed(store.as_ref(), &start, &b.id)
            .await
            .map(|r| r.version),
        Some(saved.version)
    );
    // A new repost changes the spread count: in the feed again, with it.
    assert_eq!(
        store
            .add_spreads(&[Spread {
                report_id: hand.id.clone(),
                key: "boost-1".into(),
            }])
            .await
            .unwrap(),
        1
    );
    let spread = in_feed(store.as_ref(), &start, &hand.id).await.unwrap();
    assert_eq!(spread.spread_count, 1);

    // Oldest change first, each report once: b (edited after a's changes), then hand (spread).
    let (all, _) = walk_changes(store.as_ref(), &start, 500).await;
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [a.id.as_str(), b.id.as_str(), hand.id.as_str()]);

    // Paging: `limit` at a time, `more` until the end, the pages end to end the same feed.
    let more: Vec<Report> = (0..7)
        .map(|i| {
            sample(
                &format!("fp{i}"),
                &format!("Ravine en crue au lieu-dit {i} de Pointe-Noire"),
                10 + i,
            )
        })
        .collect();
    store.insert_reports(&more[..3]).await.unwrap();
    store.insert_reports(&more[3..]).await.unwrap();
    let (whole, _) = walk_changes(store.as_ref(), &start, 500).await;
    assert_eq!(whole.len(), 10);
    for limit in [1, 2, 3] {
        let mut pages = 0;
        let mut cursor = start.clone();
        let mut walked = Vec::new();
        loop {
            let page = store.list_changes(Some(&cursor), limit).await.unwrap();
            assert!(page.items.len() <= limit);
            pages += 1;
            walked.extend(page.items.iter().map(|r| r.id.clone()));
            cursor = page.cursor;
            if !page.more {
                break;
            }
            assert!(pages < 100, "paging moves on");
        }
        assert!(pages >= 10 / limit, "limit {limit}: {pages} pages");
        let expected: Vec<String> = whole.iter().map(|r| r.id.clone()).collect();
        assert_eq!(
            walked, expected,
            "limit {limit}: each change once, in order"
        );
    }

    // Nothing changed: once the overlap has passed, no report and the same cursor, again and
    // again (what the API's ETag and 304 rest on).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (_, mut cursor) = walk_changes(store.as_ref(), &start, 500).await;
    loop {
        let page = store.list_changes(Some(&cursor), 500).await.unwrap();
        if page.items.is_empty() {
            assert_eq!(page.cursor, cursor, "nothing changed: the same cursor");
            assert!(!page.more);
            break;
        }
        cursor = page.cursor;
        assert!(
            std::time::Instant::now() < deadline,
            "the overlap passes: a quiet feed answers nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let again = store.list_changes(Some(&cursor), 500).await.unwrap();
    assert!(again.items.is_empty());
    assert_eq!(again.cursor, cursor, "still the same cursor");
    // ... until something changes.
    let late = sample("f9", "Rivière sortie de son lit à Capesterre", 30);
    store
        .insert_reports(std::slice::from_ref(&late))
        .await
        .unwrap();
    let page = store.list_changes(Some(&cursor), 500).await.unwrap();
    assert_eq!(
        page.items.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [late.id.as_str()]
    );
    assert_ne!(page.cursor, cursor);

    // Cursors not given by the store are refused, and so are very old ones.
    for bad in [
        "zz".to_string(),
        "".to_string(),
        vigie_domain::ports::opaque_cursor("yesterday"),
        vigie_domain::ports::ChangePosition::at(
            (Utc::now() - Duration::days(30)).timestamp_micros(),
        )
        .cursor(),
    ] {
        assert!(
            matches!(
                store.list_changes(Some(&bad), 10).await,
                Err(StoreError::BadCursor)
            ),
            "cursor `{bad}` refused"
        );
    }
}

/// A network's allowance counted in the store ([`StoredAllowance`]): takes up to what is left,
/// gives back, starts again from nothing in a new period, and, taken from by many runs at
/// once, never grants more than the cap. Give it an empty store.
pub async fn allowance(store: Arc<dyn ReportStore>) {
    use vigie_domain::ports::{Allowance, StoredAllowance};
    let meter = StoredAllowance::new(store.clone(), "x");
    assert_eq!(meter.used("2026-12").await.unwrap(), 0, "nothing used yet");
    assert_eq!(meter.take("2026-12", 200, 500).await.unwrap(), 200);
    assert_eq!(meter.take("2026-12", 200, 500).await.unwrap(), 200);
    assert_eq!(
        meter.take("2026-12", 200, 500).await.unwrap(),
        100,
        "what is left"
    );
    assert_eq!(meter.take("2026-12", 200, 500).await.unwrap(), 0, "spent");
    meter.give_back("2026-12", 150).await.unwrap();
    assert_eq!(meter.used("2026-12").await.unwrap(), 350);
    // Another source's allowance is its own; the checkpoint of the same id is untouched.
    let other = StoredAllowance::new(store.clone(), "yt");
    assert_eq!(other.used("2026-12").await.unwrap(), 0);
    assert_eq!(store.checkpoint("x").await.unwrap(), None);
    // A new period starts from nothing; what is given back to an ended one is dropped.
    assert_eq!(meter.take("2027-01", 50, 500).await.unwrap(), 50);
    meter.give_back("2026-12", 100).await.unwrap();
    assert_eq!(meter.used("2027-01").await.unwrap(), 50);
    assert_eq!(
        meter.used("2026-12").await.unwrap(),
        0,
        "the old period is gone"
    );

    // Eight runs taking at once, each until it is refused: never more than the cap in all.
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let meter = StoredAllowance::new(store.clone(), "busy");
            tokio::spawn(async move {
                let mut got = 0;
                loop {
                    let n = meter.take("2026-12", 7, 300).await.unwrap();
                    if n == 0 {
                        return got;
                    }
                    got += n;
                }
            })
        })
        .collect();
    let mut total = 0;
    for run in runs {
        total += run.await.unwrap();
    }
    assert_eq!(total, 300, "every unit granted once, none over the cap");
    let busy = StoredAllowance::new(store.clone(), "busy");
    assert_eq!(busy.used("2026-12").await.unwrap(), 300);
}

/// The relay log ([`vigie_domain::relay::StoredRelays`]): a relay saved reads back, a save at
/// a stale version is refused, the latest drafted comes first, and of two saves racing from
/// one version exactly one lands. Give it an empty store.
pub async fn relay_log(store: Arc<dyn ReportStore>) {
    use vigie_domain::ports::RelayLog;
    use vigie_domain::relay::{Relay, RelayKind, RelayStatus, StoredRelays};
    let log = StoredRelays::new(store.clone());
    assert!(log.relays().await.unwrap().is_empty(), "none yet");
    assert_eq!(log.relay("rl-1").await.unwrap(), None);
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
    };
    let draft = |id: &str, drafted: &str| Relay {
        id: id.into(),
        report: "r1".into(),
        accounts: vec!["masto".into()],
        kind: RelayKind::Official,
        text: "Restez chez vous. #Gwada".into(),
        drafted_by: "Lyne (tok1)".into(),
        drafted_at: at(drafted),
        status: RelayStatus::Draft,
        approved_by: None,
        approved_at: None,
        targets: Vec::new(),
        remind_every_hours: None,
        version: 0,
    };
    let first = log
        .save_relay(&draft("rl-1", "2026-12-07T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(log.relay("rl-1").await.unwrap(), Some(first.clone()));
    // A second save of a new relay under the same id is refused, as is a stale one.
    assert!(matches!(
        log.save_relay(&draft("rl-1", "2026-12-07T10:00:00Z")).await,
        Err(StoreError::Conflict { current: 1, .. })
    ));
    let approved = Relay {
        status: RelayStatus::Approved,
        approved_by: Some("Coordination (tok2)".into()),
        ..first.clone()
    };
    let saved = log.save_relay(&approved).await.unwrap();
    assert_eq!((saved.version, saved.status), (2, RelayStatus::Approved));
    assert!(matches!(
        log.save_relay(&first).await,
        Err(StoreError::Conflict { current: 2, .. })
    ));
    log.save_relay(&draft("rl-2", "2026-12-07T11:00:00Z"))
        .await
        .unwrap();
    let ids: Vec<String> = log
        .relays()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["rl-2", "rl-1"], "the latest drafted first");
    // No source's checkpoint is touched.
    assert_eq!(store.checkpoint("rl-1").await.unwrap(), None);

    // Two saves racing from one version: exactly one lands.
    let current = log.relay("rl-2").await.unwrap().unwrap();
    let racers: Vec<_> = (0..4)
        .map(|i| {
            let log = StoredRelays::new(store.clone());
            let relay = Relay {
                text: format!("version {i}"),
                ..current.clone()
            };
            tokio::spawn(async move { log.save_relay(&relay).await.is_ok() })
        })
        .collect();
    let mut landed = 0;
    for racer in racers {
        landed += usize::from(racer.await.unwrap());
    }
    assert_eq!(landed, 1);
    assert_eq!(log.relay("rl-2").await.unwrap().unwrap().version, 2);
    // Many new relays at once: every one listed.
    let news: Vec<_> = (0..6)
        .map(|i| {
            let log = StoredRelays::new(store.clone());
            let relay = draft(&format!("rl-n{i}"), "2026-12-07T12:00:00Z");
            tokio::spawn(async move { log.save_relay(&relay).await.unwrap() })
        })
        .collect();
    for n in news {
        n.await.unwrap();
    }
    assert_eq!(log.relays().await.unwrap().len(), 8);
}

/// Every rule of the team's topic rooms: none until saved, saved at a version, a stale save
/// refused. Give it an empty store.
pub async fn rooms(store: Arc<dyn ReportStore>) {
    assert_eq!(store.rooms().await.unwrap(), None, "none saved yet");
    let room = |id: &str, name: &str, params: &[(&str, &str)]| Room {
        id: id.into(),
        name: name.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let first = vec![
        room("secours", "Secours", &[("category", "rescue")]),
        room(
            "gwada-nord",
            "Nord Basse-Terre",
            &[("place", "Sainte-Rose"), ("status", "new")],
        ),
    ];
    let saved = store.save_rooms(&first, 0).await.unwrap();
    assert_eq!(
        saved,
        Rooms {
            items: first.clone(),
            version: 1
        }
    );
    assert_eq!(store.rooms().await.unwrap(), Some(saved.clone()));
    match store.save_rooms(&first[..1], 0).await {
        Err(StoreError::Conflict {
            expected: 0,
            current: 1,
            ..
        }) => {}
        other => panic!("saving over rooms read before they were saved: {other:?}"),
    }
    let second = vec![room("meteo", "Météo", &[("category", "weather")])];
    assert_eq!(store.save_rooms(&second, 1).await.unwrap().version, 2);
    match store.save_rooms(&first, 1).await {
        Err(StoreError::Conflict {
            expected: 1,
            current: 2,
            ..
        }) => {}
        other => panic!("a stale version must conflict, got {other:?}"),
    }
    assert_eq!(
        store.rooms().await.unwrap(),
        Some(Rooms {
            items: second,
            version: 2
        }),
        "a refused save changes nothing"
    );
    assert_eq!(store.save_rooms(&[], 2).await.unwrap().items, Vec::new());
}

/// Every rule of the publisher port. `read` fetches a published file back, as the public would.
pub async fn publisher<F, Fut>(publisher: Arc<dyn Publisher>, read: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Option<Vec<u8>>>,
{
    let file = |name: &str, bytes: &[u8]| PublicFile {
        name: name.into(),
        bytes: bytes::Bytes::copy_from_slice(bytes),
        content_type: "application/geo+json",
        cache_control: "public, max-age=30",
    };
    let first = file(
        "reports.geojson",
        br#"{"type":"FeatureCollection","features":[]}"#,
    );
    assert_eq!(
        publisher.publish(&first).await.unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(
        read("reports.geojson".into()).await.as_deref(),
        Some(&first.bytes[..])
    );
    assert_eq!(
        publisher.publish(&first).await.unwrap(),
        PublishOutcome::Unchanged,
        "unchanged content is not written again"
    );
    let second = file(
        "reports.geojson",
        br#"{"type":"FeatureCollection","features":[1]}"#,
    );
    assert_eq!(
        publisher.publish(&second).await.unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(
        read("reports.geojson".into()).await.as_deref(),
        Some(&second.bytes[..])
    );
    // Same length, one byte apart, far into a file larger than one read: still a change.
    let mut large = vec![b' '; 700_000];
    let unchanged = file("reports.geojson", &large);
    publisher.publish(&unchanged).await.unwrap();
    large[600_000] = b'x';
    assert_eq!(
        publisher
            .publish(&file("reports.geojson", &large))
            .await
            .unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(
        publisher
            .publish(&file("reports.geojson", &large))
            .await
            .unwrap(),
        PublishOutcome::Unchanged
    );
    assert_eq!(
        read("reports.geojson".into()).await.as_deref(),
        Some(&large[..])
    );
    let nested = file("assets/app.js", b"console.log(1)");
    assert_eq!(
        publisher.publish(&nested).await.unwrap(),
        PublishOutcome::Written
    );
    assert_eq!(
        read("assets/app.js".into()).await.as_deref(),
        Some(&b"console.log(1)"[..])
    );
    for bad in ["../escape", "/abs", "a//b", ""] {
        assert!(
            publisher.publish(&file(bad, b"x")).await.is_err(),
            "`{bad}` is refused"
        );
    }
    let _ = serde_json::Value::Null;
}

/// One change a fuzz test makes to a well-formed input, at a position given as a share of its
/// length (so the same change fits any input).
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Cut the input there.
    Truncate(f64),
    /// Replace the byte there with another.
    Flip(f64, u8),
    /// Insert one of [`HOSTILE`] there.
    Insert(f64, usize),
    /// Repeat the `len` bytes found there.
    Repeat(f64, usize),
    /// Remove the `len` bytes found there.
    Remove(f64, usize),
}

/// Fragments that break parsers: markup and JSON delimiters, entities, controls, extremes.
pub const HOSTILE: &[&str] = &[
    "<",
    ">",
    "</",
    "<![CDATA[",
    "]]>",
    "&",
    "&#0;",
    "&#xFFFF;",
    "&amp",
    "&unknown;",
    "\"",
    "'",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-0",
    "1e999",
    "-9223372036854775809",
    "18446744073709551616",
    "\\u0000",
    "\\ud800",
    "\u{0}",
    "\u{1b}",
    "\u{feff}",
    "\u{fffe}",
    "é",
    "🌊",
    "\r\n",
    "=",
    "#",
    "[[sources]]",
    "\"\"\"",
    "0x",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>",
    "<point>91 181</point>",
    "<polygon>16,-61 16,-61</polygon>",
    "\"coordinates\":[1e308,-1e308]",
    "NaN",
];

/// `input` with `mutations` applied in turn.
pub fn mutate(input: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = input.to_vec();
    let at = |out: &Vec<u8>, share: f64| ((out.len() as f64) * share.clamp(0.0, 1.0)) as usize;
    for m in mutations {
        match *m {
            Mutation::Truncate(p) => {
                let i = at(&out, p);
                out.truncate(i);
            }
            Mutation::Flip(p, b) => {
                let i = at(&out, p);
                if let Some(x) = out.get_mut(i) {
                    *x = b;
                }
            }
            Mutation::Insert(p, k) => {
                let i = at(&out, p);
                let frag = HOSTILE[k % HOSTILE.len()].as_bytes();
                out.splice(i..i, frag.iter().copied());
            }
            Mutation::Repeat(p, len) => {
                let i = at(&out, p);
                let end = (i + len).min(out.len());
                let piece = out[i..end].to_vec();
                out.splice(end..end, piece);
            }
            Mutation::Remove(p, len) => {
                let i = at(&out, p);
                let end = (i + len).min(out.len());
                out.drain(i..end);
            }
        }
    }
    out
}

/// Up to six mutations of any kind, for proptest.
pub fn mutations() -> impl proptest::strategy::Strategy<Value = Vec<Mutation>> {
    use proptest::prelude::*;
    let one = prop_oneof![
        (0.0..1.0f64).prop_map(Mutation::Truncate),
        (0.0..1.0f64, any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (0.0..1.0f64, 0..HOSTILE.len()).prop_map(|(p, k)| Mutation::Insert(p, k)),
        (0.0..1.0f64, 1..400usize).prop_map(|(p, n)| Mutation::Repeat(p, n)),
        (0.0..1.0f64, 1..400usize).prop_map(|(p, n)| Mutation::Remove(p, n)),
    ];
    proptest::collection::vec(one, 1..6)
}
