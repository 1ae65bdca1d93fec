//! The rules of the feed of changes (`/changes`): every kind of report write appears, from a
//! store-side time (not the report's own `updated_at`), oldest change first, paged, stable
//! when nothing changed. Each rule on a fresh, empty store; a short change overlap keeps them
//! quick.

use crate::{entry, sample, TestStore as _};
use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use vigie_domain::ports::{ChangePage, ReportStore, Spread, StoreError};
use vigie_domain::report::HistoryEntry;
use vigie_domain::taxonomy::{Category, Role, Status, Verification};
use vigie_domain::triage::Actor;
use vigie_domain::Report;

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

/// The cursor of the feed's start, before anything is written.
async fn start(store: &Arc<dyn ReportStore>) -> String {
    store.list_changes(None, 500).await.unwrap().cursor
}

/// Two collected reports and one entered by hand, stored: `(a, b, hand)`.
async fn collected_and_entered(store: &Arc<dyn ReportStore>) -> (Report, Report, Report) {
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
    (a, b, hand)
}

type Change = fn(&Report, &Actor, Duration) -> Report;

/// Every kind of change to a report, by name.
fn every_kind_of_change() -> [(&'static str, Change); 8] {
    [
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
    ]
}

/// `change` made to the report `id` by a coordinator: the report saved.
async fn make(store: &Arc<dyn ReportStore>, id: &str, change: Change) -> Report {
    let actor = Actor {
        token_id: "t1".into(),
        name: "Lyne".into(),
        role: Role::Coordinator,
    };
    let lease = Duration::minutes(20);
    let before = store.get_report(id).await.unwrap().unwrap();
    let next = change(&before, &actor, lease);
    store
        .update_report(&next, before.version, &entry(&next, "Lyne (t1)", &before))
        .await
        .unwrap()
}

/// An update of `b` whose report says it changed long ago: the report saved.
async fn dated_long_ago(store: &Arc<dyn ReportStore>, b: &Report) -> Report {
    let before = store.get_report(&b.id).await.unwrap().unwrap();
    let mut old = before.clone();
    old.summary = Some("Coupure d'eau".into());
    old.updated_at = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    store
        .update_report(&old, before.version, &entry(&old, "Lyne (t1)", &before))
        .await
        .unwrap()
}

/// A new repost of `hand`: how many were new.
async fn reposted(store: &Arc<dyn ReportStore>, hand: &Report) -> usize {
    store
        .add_spreads(&[Spread {
            report_id: hand.id.clone(),
            key: "boost-1".into(),
        }])
        .await
        .unwrap()
}

/// The feed after three reports were stored, then every kind of change made to `a`, an update
/// of `b` dated long ago, and a repost of `hand`: `(start, a, b, hand)`.
async fn changed(store: &Arc<dyn ReportStore>) -> (String, Report, Report, Report) {
    let start = start(store).await;
    let (a, b, hand) = collected_and_entered(store).await;
    for (_, change) in every_kind_of_change() {
        make(store, &a.id, change).await;
    }
    dated_long_ago(store, &b).await;
    reposted(store, &hand).await;
    (start, a, b, hand)
}

/// [`changed`], then seven more reports in two batches: ten in the feed. Gives `start`.
async fn ten(store: &Arc<dyn ReportStore>) -> String {
    let (start, ..) = changed(store).await;
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
    start
}

/// Without `since`, no report; from the start, nothing while nothing is written.
pub async fn an_empty_feed_gives_no_report(store: Arc<dyn ReportStore>) {
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
}

/// Collected, then entered by hand: both appear, as the queue gives them.
pub async fn collected_and_hand_entered_reports_appear_in_the_feed(store: Arc<dyn ReportStore>) {
    let start = start(&store).await;
    let (a, b, hand) = collected_and_entered(&store).await;
    for r in [&a, &b, &hand] {
        let got = in_feed(store.as_ref(), &start, &r.id)
            .await
            .unwrap_or_else(|| panic!("{} stored: in the feed", r.id));
        assert_eq!(got.version, r.version);
        assert_eq!(got.text, r.text, "the report as the queue gives it");
    }
}

/// Every kind of change to a report, each one in the feed at its new version, also from a
/// cursor given a moment after it (the overlap). The reports' own times are months old: the
/// store stamps the change, not the report.
pub async fn every_kind_of_change_appears_at_its_new_version(store: Arc<dyn ReportStore>) {
    let start = start(&store).await;
    let (a, _, _) = collected_and_entered(&store).await;
    for (what, change) in every_kind_of_change() {
        let saved = make(&store, &a.id, change).await;
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
}

/// An update whose report says it changed long ago is still a change now.
pub async fn an_update_dated_long_ago_is_a_change_now(store: Arc<dyn ReportStore>) {
    let start = start(&store).await;
    let (_, b, _) = collected_and_entered(&store).await;
    let saved = dated_long_ago(&store, &b).await;
    assert_eq!(
        in_feed(store.as_ref(), &start, &b.id)
            .await
            .map(|r| r.version),
        Some(saved.version)
    );
}

/// A new repost changes the spread count: in the feed again, with it.
pub async fn a_new_repost_puts_the_report_in_the_feed_again(store: Arc<dyn ReportStore>) {
    let start = start(&store).await;
    let (_, _, hand) = collected_and_entered(&store).await;
    assert_eq!(reposted(&store, &hand).await, 1);
    let spread = in_feed(store.as_ref(), &start, &hand.id).await.unwrap();
    assert_eq!(spread.spread_count, 1);
}

/// Oldest change first, each report once: b (edited after a's changes), then hand (spread).
pub async fn the_feed_gives_the_oldest_change_first_each_report_once(store: Arc<dyn ReportStore>) {
    let (start, a, b, hand) = changed(&store).await;
    let (all, _) = walk_changes(store.as_ref(), &start, 500).await;
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [a.id.as_str(), b.id.as_str(), hand.id.as_str()]);
}

/// Paging: `limit` at a time, `more` until the end, the pages end to end the same feed.
pub async fn the_pages_of_the_feed_end_to_end_are_the_whole_feed(store: Arc<dyn ReportStore>) {
    let start = ten(&store).await;
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
}

/// Nothing changed: once the overlap has passed, no report and the same cursor, again and
/// again (what the API's ETag and 304 rest on), until something changes.
pub async fn a_quiet_feed_keeps_its_cursor_until_something_changes(store: Arc<dyn ReportStore>) {
    let start = ten(&store).await;
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
}

/// Cursors not given by the store are refused, and so are very old ones.
pub async fn a_feed_cursor_not_given_by_the_store_or_too_old_is_refused(
    store: Arc<dyn ReportStore>,
) {
    ten(&store).await;
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
