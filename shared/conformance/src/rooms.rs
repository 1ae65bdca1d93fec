//! The rules of the team's topic rooms: none until saved, saved at a version, a stale save
//! refused. Each rule on a fresh, empty store.

use std::sync::Arc;
use vigie_domain::ports::{ReportStore, Room, Rooms, StoreError};

fn room(id: &str, name: &str, params: &[(&str, &str)]) -> Room {
    Room {
        id: id.into(),
        name: name.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// The team's first rooms.
fn first() -> Vec<Room> {
    vec![
        room("secours", "Secours", &[("category", "rescue")]),
        room(
            "gwada-nord",
            "Nord Basse-Terre",
            &[("place", "Sainte-Rose"), ("status", "new")],
        ),
    ]
}

/// The rooms that replace them.
fn second() -> Vec<Room> {
    vec![room("meteo", "Météo", &[("category", "weather")])]
}

/// None saved yet.
pub async fn no_rooms_until_some_are_saved(store: Arc<dyn ReportStore>) {
    assert_eq!(store.rooms().await.unwrap(), None, "none saved yet");
}

/// Saved from nothing: version 1, read back the same.
pub async fn rooms_saved_read_back_at_their_version(store: Arc<dyn ReportStore>) {
    let first = first();
    let saved = store.save_rooms(&first, 0).await.unwrap();
    assert_eq!(
        saved,
        Rooms {
            items: first.clone(),
            version: 1
        }
    );
    assert_eq!(store.rooms().await.unwrap(), Some(saved.clone()));
}

/// Saving over rooms read before they were saved conflicts.
pub async fn saving_over_rooms_read_before_they_were_saved_conflicts(store: Arc<dyn ReportStore>) {
    let first = first();
    store.save_rooms(&first, 0).await.unwrap();
    match store.save_rooms(&first[..1], 0).await {
        Err(StoreError::Conflict {
            expected: 0,
            current: 1,
            ..
        }) => {}
        other => panic!("saving over rooms read before they were saved: {other:?}"),
    }
}

/// A save at the current version lands; a stale one conflicts and changes nothing.
pub async fn rooms_saved_at_a_stale_version_conflict_and_change_nothing(
    store: Arc<dyn ReportStore>,
) {
    let first = first();
    store.save_rooms(&first, 0).await.unwrap();
    let second = second();
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
}

/// Every room can be removed.
pub async fn the_rooms_can_all_be_removed(store: Arc<dyn ReportStore>) {
    store.save_rooms(&first(), 0).await.unwrap();
    store.save_rooms(&second(), 1).await.unwrap();
    assert_eq!(store.save_rooms(&[], 2).await.unwrap().items, Vec::new());
}
