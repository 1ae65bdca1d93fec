//! The rules of the relay log ([`vigie_domain::relay::StoredRelays`]): a relay saved reads
//! back, a save at a stale version is refused, the latest drafted comes first, and of two
//! saves racing from one version exactly one lands. Each rule on a fresh, empty store.

use chrono::Utc;
use std::sync::Arc;
use vigie_domain::ports::{RelayLog, ReportStore, StoreError};
use vigie_domain::relay::{Relay, RelayKind, RelayStatus, StoredRelays};

fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&Utc)
}

/// A new relay's draft, drafted at `drafted`.
fn draft(id: &str, drafted: &str) -> Relay {
    Relay {
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
    }
}

/// `rl-1` saved: its first version.
async fn first(log: &StoredRelays) -> Relay {
    log.save_relay(&draft("rl-1", "2026-12-07T10:00:00Z"))
        .await
        .unwrap()
}

/// `rl-1` drafted then approved, and `rl-2` drafted an hour later.
async fn two(log: &StoredRelays) {
    let first = first(log).await;
    let approved = Relay {
        status: RelayStatus::Approved,
        approved_by: Some("Coordination (tok2)".into()),
        ..first
    };
    log.save_relay(&approved).await.unwrap();
    log.save_relay(&draft("rl-2", "2026-12-07T11:00:00Z"))
        .await
        .unwrap();
}

/// None until one is saved.
pub async fn no_relay_is_logged_until_one_is_saved(store: Arc<dyn ReportStore>) {
    let log = StoredRelays::new(store.clone());
    assert!(log.relays().await.unwrap().is_empty(), "none yet");
    assert_eq!(log.relay("rl-1").await.unwrap(), None);
}

/// A relay saved reads back at version 1; a new relay under the same id is refused.
pub async fn a_saved_relay_reads_back_and_a_new_one_under_its_id_is_refused(
    store: Arc<dyn ReportStore>,
) {
    let log = StoredRelays::new(store.clone());
    let first = first(&log).await;
    assert_eq!(first.version, 1);
    assert_eq!(log.relay("rl-1").await.unwrap(), Some(first.clone()));
    assert!(matches!(
        log.save_relay(&draft("rl-1", "2026-12-07T10:00:00Z")).await,
        Err(StoreError::Conflict { current: 1, .. })
    ));
}

/// A save at the current version lands at the next; one at a stale version is refused.
pub async fn a_relay_saved_at_a_stale_version_is_refused(store: Arc<dyn ReportStore>) {
    let log = StoredRelays::new(store.clone());
    let first = first(&log).await;
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
}

/// The latest drafted first; no source's checkpoint is touched.
pub async fn the_latest_drafted_relay_comes_first(store: Arc<dyn ReportStore>) {
    let log = StoredRelays::new(store.clone());
    two(&log).await;
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
}

/// Two saves racing from one version: exactly one lands.
pub async fn of_relay_saves_racing_from_one_version_exactly_one_lands(store: Arc<dyn ReportStore>) {
    let log = StoredRelays::new(store.clone());
    two(&log).await;
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
}

/// Many new relays at once: every one listed.
pub async fn new_relays_saved_at_once_are_all_listed(store: Arc<dyn ReportStore>) {
    let log = StoredRelays::new(store.clone());
    two(&log).await;
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
