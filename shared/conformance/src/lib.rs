//! The conformance suites: what every adapter of a port must do, written once. A store
//! adapter's tests expand [`store_rules!`] into one test per rule (a failure shows which rule
//! was broken, and never hides the others); a publisher's call [`publisher`] with a fresh,
//! empty instance.

pub mod allowance;
pub mod change_feed;
pub mod fakes;
#[cfg(feature = "app")]
pub mod harness;
pub mod relay_log;
pub mod report_store;
pub mod rooms;

use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use vigie_domain::ports::{
    PublicFile, PublishOutcome, PublishedReader, Publisher, ReportStore, Reports, StoreError,
};
use vigie_domain::report::{diff, ingest, Body, HistoryEntry, IngestContext, Observation};
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

/// What a store's constructor in [`store_rules!`] gives: the store, alone or with a guard kept
/// for as long as the test runs (a temporary directory, say) and dropped after it.
pub trait Fresh {
    /// The store the rule is run on.
    fn store(&self) -> Arc<dyn ReportStore>;
}

impl Fresh for Arc<dyn ReportStore> {
    fn store(&self) -> Arc<dyn ReportStore> {
        self.clone()
    }
}

impl<G> Fresh for (G, Arc<dyn ReportStore>) {
    fn store(&self) -> Arc<dyn ReportStore> {
        self.1.clone()
    }
}

/// One `#[tokio::test]` per rule of every store suite, each on a fresh, empty store: the one
/// list of the rules, so that a rule added here runs for every adapter.
///
/// `store_rules!(make)` or `store_rules!(make, make_for_the_feed)`: `make` is an async
/// function (or closure) of the rule's unique name (`suite.rule`, fit for a table name) that
/// returns a fresh store as a [`Fresh`]; the rules of [`change_feed`] get theirs from the
/// second one when given (a store with a short change overlap keeps them quick). The tests
/// land in one module per suite of the calling file (`report_store::the_same_post_...`),
/// which sees the file's own items; the calling crate depends on `tokio` with its `macros`.
#[macro_export]
macro_rules! store_rules {
    ($make:expr $(,)?) => {
        $crate::store_rules!($make, $make);
    };
    ($make:expr, $make_for_the_feed:expr $(,)?) => {
        $crate::__suite!($make; report_store {
            the_same_post_stored_twice_is_one_report,
            the_queue_gives_the_critical_first_then_the_most_recent,
            cursors_walk_the_whole_queue_once,
            a_queue_cursor_not_given_by_the_store_is_refused,
            the_queue_filters_by_category_place_text_status_and_network,
            a_stale_update_conflicts_and_changes_nothing,
            an_update_of_an_unknown_report_is_not_found,
            entries_appended_beside_a_version_follow_its_own_in_order,
            published_reports_are_read_for_the_export,
            a_copy_joins_the_cluster_of_its_original_and_the_cluster_grows,
            the_counts_cover_the_whole_table,
            pages_over_every_status_are_the_whole_queue_in_order,
            the_members_of_a_cluster_are_paged_each_once,
            a_checkpoint_moves_only_from_the_value_last_read,
            the_triage_model_is_a_checkpoint_as_large_as_it_may_grow,
            each_repost_is_counted_once_and_only_for_a_stored_report,
            a_source_has_one_health_line_made_by_its_first_run,
            overlapping_runs_add_up_and_their_times_only_move_forward,
            a_token_is_found_by_its_hash_and_revoked_for_good,
            a_post_is_found_by_its_address_however_it_is_written,
            a_report_stored_with_its_history_has_it_from_the_start_and_once,
            one_post_twice_in_a_batch_is_one_report_with_one_entry,
            a_report_id_comes_from_the_network_and_the_post_id,
        });
        $crate::__suite!($make_for_the_feed; change_feed {
            an_empty_feed_gives_no_report,
            collected_and_hand_entered_reports_appear_in_the_feed,
            every_kind_of_change_appears_at_its_new_version,
            an_update_dated_long_ago_is_a_change_now,
            a_new_repost_puts_the_report_in_the_feed_again,
            the_feed_gives_the_oldest_change_first_each_report_once,
            the_pages_of_the_feed_end_to_end_are_the_whole_feed,
            a_quiet_feed_keeps_its_cursor_until_something_changes,
            a_feed_cursor_not_given_by_the_store_or_too_old_is_refused,
        });
        $crate::__suite!($make; allowance {
            an_allowance_grants_up_to_what_is_left_and_gets_back_what_is_given,
            an_allowance_is_its_sources_own_and_not_its_checkpoint,
            a_new_period_of_an_allowance_starts_from_nothing,
            runs_taking_at_once_are_never_granted_more_than_the_cap,
        });
        $crate::__suite!($make; relay_log {
            no_relay_is_logged_until_one_is_saved,
            a_saved_relay_reads_back_and_a_new_one_under_its_id_is_refused,
            a_relay_saved_at_a_stale_version_is_refused,
            the_latest_drafted_relay_comes_first,
            of_relay_saves_racing_from_one_version_exactly_one_lands,
            new_relays_saved_at_once_are_all_listed,
        });
        $crate::__suite!($make; rooms {
            no_rooms_until_some_are_saved,
            rooms_saved_read_back_at_their_version,
            saving_over_rooms_read_before_they_were_saved_conflicts,
            rooms_saved_at_a_stale_version_conflict_and_change_nothing,
            the_rooms_can_all_be_removed,
        });
    };
}

/// One suite's tests, for [`store_rules!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __suite {
    ($make:expr; $suite:ident { $($rule:ident),* $(,)? }) => {
        mod $suite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $rule() {
                    let fresh =
                        ($make)(concat!(stringify!($suite), ".", stringify!($rule))).await;
                    $crate::$suite::$rule($crate::Fresh::store(&fresh)).await;
                    drop(fresh);
                }
            )*
        }
    };
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
