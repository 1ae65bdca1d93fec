//! The rules of the report store port, each on a fresh, empty store: the state a rule reads is
//! written by the rule itself (with the fixtures below, the same writes in the same order).

use crate::{entry, sample, TestStore as _};
use chrono::{Duration, Utc};
use std::sync::Arc;
use vigie_domain::identity::{canonical_url, report_id};
use vigie_domain::ports::{
    HealthUpdate, ReportQuery, ReportStore, SkipReason, Skips, Spread, StoreError, TokenRecord,
};
use vigie_domain::report::HistoryEntry;
use vigie_domain::taxonomy::{Category, Priority, Role, Status, Verification};
use vigie_domain::Report;

/// Three posts: a roof torn off, a family on a roof (critical rescue), a power cut.
fn abc() -> (Report, Report, Report) {
    let a = sample("1", "Toits arrachés aux Abymes, pas de blessés", 0);
    let b = sample(
        "2",
        "Au secours bloqués sur le toit à Petit-Bourg, l'eau monte",
        5,
    );
    let c = sample("3", "Coupure de courant à Sainte-Anne depuis 3h", 10);
    (a, b, c)
}

/// [`abc`] stored.
async fn three(store: &Arc<dyn ReportStore>) -> (Report, Report, Report) {
    let (a, b, c) = abc();
    store
        .insert_reports(&[a.clone(), b.clone(), c.clone()])
        .await
        .unwrap();
    (a, b, c)
}

/// [`three`] and 35 fallen trees: 38 reports.
async fn thirty_eight(store: &Arc<dyn ReportStore>) -> (Report, Report, Report) {
    let abc = three(store).await;
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
    abc
}

/// The volunteer's edit of the family on a roof.
fn edited(got: &Report) -> Report {
    let mut edit = got.clone();
    edit.category = Some(Category::Rescue);
    edit.priority = Some(Priority::Critical);
    edit.summary = Some("Famille sur un toit à Petit-Bourg".into());
    edit.status = Status::Triaged;
    edit
}

/// `b`, stored at version 1, edited by a volunteer: version 2.
async fn edit(store: &Arc<dyn ReportStore>, b: &Report) -> Report {
    let got = store.get_report(&b.id).await.unwrap().expect("stored");
    let edit = edited(&got);
    store
        .update_report(&edit, got.version, &entry(&edit, "vol-1", &got))
        .await
        .unwrap()
}

/// `b`, at version 2, published by a coordinator: version 3.
async fn publish(store: &Arc<dyn ReportStore>, b: &Report) {
    let now = store.get_report(&b.id).await.unwrap().unwrap();
    let mut publish = now.clone();
    publish.status = Status::Published;
    publish.verification = Verification::Confirmed;
    publish.published_at = Some(Utc::now());
    store
        .update_report(&publish, now.version, &entry(&publish, "coord", &now))
        .await
        .unwrap();
}

/// A dam that broke, and a copy of the post, in the original's cluster.
fn original_and_copy() -> (Report, Report) {
    let original = sample(
        "c1",
        "URGENT le barrage de Moreau a cédé, l'eau descend vers Goyave, évacuez",
        50,
    );
    let copy = sample(
        "c2",
        "RT urgent le barrage de Moreau a cédé l'eau descend vers Goyave évacuez !!",
        51,
    );
    (original, copy)
}

/// What the table holds once reports were inserted, edited, published and clustered: 40
/// reports, `b` published. Gives `(a, original, copy)`.
async fn forty(store: &Arc<dyn ReportStore>) -> (Report, Report, Report) {
    let (a, b, _) = thirty_eight(store).await;
    edit(store, &b).await;
    publish(store, &b).await;
    let (original, mut copy) = original_and_copy();
    store
        .insert_reports(std::slice::from_ref(&original))
        .await
        .unwrap();
    copy.cluster_id = original.cluster_id.clone();
    store.insert_reports(&[copy.clone()]).await.unwrap();
    (a, original, copy)
}

/// [`forty`] and nine reports of every status: 49. Gives `(original, copy)`.
async fn forty_nine(store: &Arc<dyn ReportStore>) -> (Report, Report) {
    let (_, original, copy) = forty(store).await;
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
    (original, copy)
}

/// Idempotent inserts: the same post twice is one report, read back as it was stored.
pub async fn the_same_post_stored_twice_is_one_report(store: Arc<dyn ReportStore>) {
    let (a, b, c) = abc();
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
}

/// Queue: priority first (critical rescue on top), then the most recent.
pub async fn the_queue_gives_the_critical_first_then_the_most_recent(store: Arc<dyn ReportStore>) {
    let (_, b, _) = three(&store).await;
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
}

/// Paging: cursors walk the whole queue once.
pub async fn cursors_walk_the_whole_queue_once(store: Arc<dyn ReportStore>) {
    thirty_eight(&store).await;
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
}

/// A cursor the store did not give is refused.
pub async fn a_queue_cursor_not_given_by_the_store_is_refused(store: Arc<dyn ReportStore>) {
    thirty_eight(&store).await;
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
}

/// Filters: category, place (code or name), words of the text, status, network.
pub async fn the_queue_filters_by_category_place_text_status_and_network(
    store: Arc<dyn ReportStore>,
) {
    thirty_eight(&store).await;
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
}

/// Optimistic versions: a stale update changes nothing; the update that landed is in the
/// history with what it changed.
pub async fn a_stale_update_conflicts_and_changes_nothing(store: Arc<dyn ReportStore>) {
    let (_, b, _) = thirty_eight(&store).await;
    let got = store.get_report(&b.id).await.unwrap().expect("stored");
    let edit = edited(&got);
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
}

/// An update of a report that was never stored is not found.
pub async fn an_update_of_an_unknown_report_is_not_found(store: Arc<dyn ReportStore>) {
    let (_, b, _) = three(&store).await;
    let got = store.get_report(&b.id).await.unwrap().expect("stored");
    assert!(matches!(
        store
            .update_report(&sample("nope", "x y z w", 0), 1, &entry(&got, "v", &got))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

/// Entries appended beside a version (deliveries of a notification): after the version's
/// own entry, in the order appended, the report unchanged; none for an unknown report.
pub async fn entries_appended_beside_a_version_follow_its_own_in_order(
    store: Arc<dyn ReportStore>,
) {
    let (_, b, _) = thirty_eight(&store).await;
    edit(&store, &b).await;
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
}

/// Published reports, for the export: the projection of each, its version, and the fields of
/// only the ids asked for.
pub async fn published_reports_are_read_for_the_export(store: Arc<dyn ReportStore>) {
    let (a, b, _) = thirty_eight(&store).await;
    edit(&store, &b).await;
    publish(&store, &b).await;
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
}

/// Clusters: a copy joins the original's cluster and the cluster grows.
pub async fn a_copy_joins_the_cluster_of_its_original_and_the_cluster_grows(
    store: Arc<dyn ReportStore>,
) {
    thirty_eight(&store).await;
    let (original, mut copy) = original_and_copy();
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
}

/// Counts over the table.
pub async fn the_counts_cover_the_whole_table(store: Arc<dyn ReportStore>) {
    forty(&store).await;
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.total, 40);
    assert_eq!(counts.by_status.get("published"), Some(&1));
    assert_eq!(counts.by_category.get("rescue"), Some(&1));
    assert_eq!(counts.by_network.get("mastodon"), Some(&40));
    assert_eq!(counts.by_priority.values().sum::<u64>(), 40);
    assert_eq!(counts.by_hour.values().sum::<u64>(), 40);
}

/// Paging over every status at once: the pages, end to end, are the whole queue in order.
pub async fn pages_over_every_status_are_the_whole_queue_in_order(store: Arc<dyn ReportStore>) {
    forty_nine(&store).await;
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
}

/// A cluster's members, paged.
pub async fn the_members_of_a_cluster_are_paged_each_once(store: Arc<dyn ReportStore>) {
    let (original, copy) = forty_nine(&store).await;
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
}

/// Checkpoints: set once from nothing, then moved only by a run that read the current one.
pub async fn a_checkpoint_moves_only_from_the_value_last_read(store: Arc<dyn ReportStore>) {
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
}

/// The triage model is kept as a checkpoint: as large as it may grow, compare-and-set, and
/// the other checkpoints untouched.
pub async fn the_triage_model_is_a_checkpoint_as_large_as_it_may_grow(store: Arc<dyn ReportStore>) {
    store
        .advance_checkpoint("masto", None, "110")
        .await
        .unwrap();
    store
        .advance_checkpoint("masto", Some("110"), "120")
        .await
        .unwrap();
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
}

/// Spreads: each repost counted once, only for stored reports.
pub async fn each_repost_is_counted_once_and_only_for_a_stored_report(store: Arc<dyn ReportStore>) {
    let (a, _, _) = three(&store).await;
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
}

/// Source health: one line per source, made by its first run.
pub async fn a_source_has_one_health_line_made_by_its_first_run(store: Arc<dyn ReportStore>) {
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
}

/// Runs' updates: counts add up even when the runs overlap; times move forward only.
pub async fn overlapping_runs_add_up_and_their_times_only_move_forward(
    store: Arc<dyn ReportStore>,
) {
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
}

/// Tokens: found by hash, revoked for good, by whoever revoked them first.
pub async fn a_token_is_found_by_its_hash_and_revoked_for_good(store: Arc<dyn ReportStore>) {
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
}

/// A post is found by its address whatever its network: a hand entry of a collected post.
pub async fn a_post_is_found_by_its_address_however_it_is_written(store: Arc<dyn ReportStore>) {
    forty(&store).await;
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
}

/// The entry of a hand entry's creation, by Lyne.
fn created(entered: &Report) -> HistoryEntry {
    HistoryEntry {
        report_id: entered.id.clone(),
        version: entered.version,
        at: Utc::now(),
        actor: "Lyne (t1)".into(),
        action: "create".into(),
        changes: serde_json::json!({"network": {"before": null, "after": "mastodon"}}),
    }
}

/// A report stored with the start of its history (a hand entry, an import) has it from the
/// start, before its changes; stored again, neither the report nor an entry is written twice.
pub async fn a_report_stored_with_its_history_has_it_from_the_start_and_once(
    store: Arc<dyn ReportStore>,
) {
    let entered = sample("hand-1", "Arbre en travers de la route de Matouba", 31);
    let plain = sample(
        "hand-2",
        "Coupure d'eau à Trois-Rivières depuis ce matin",
        32,
    );
    let created = created(&entered);
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
}

/// One post twice in a batch (a file repeating a row), with an entry each time: one report,
/// one entry.
pub async fn one_post_twice_in_a_batch_is_one_report_with_one_entry(store: Arc<dyn ReportStore>) {
    let entered = sample("hand-1", "Arbre en travers de la route de Matouba", 31);
    let created = created(&entered);
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
}

/// Stable ids come from the network and the post's own id.
pub async fn a_report_id_comes_from_the_network_and_the_post_id(store: Arc<dyn ReportStore>) {
    let (a, _, _) = three(&store).await;
    assert_eq!(a.id, report_id("mastodon", "1"));
}
