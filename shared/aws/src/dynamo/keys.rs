//! The table's key attributes and fixed partitions by name, and the keys built from a report.

use super::*;

/// The key attributes of the table and of its indexes.
pub(super) const PK: &str = "PK";
pub(super) const SK: &str = "SK";
/// The `status` index (the queue).
pub(super) const SPK: &str = "SPK";
pub(super) const SSK: &str = "SSK";
/// The sparse `published` index (the export).
pub(super) const PPK: &str = "PPK";
pub(super) const PSK: &str = "PSK";
/// The sparse `cluster` index (near copies).
pub(super) const CPK: &str = "CPK";
pub(super) const CSK: &str = "CSK";
/// The sparse `changes` index (the feed of changes).
pub(super) const XPK: &str = "XPK";
pub(super) const XSK: &str = "XSK";

/// The sort key of a report's own item.
pub(super) const REPORT_SK: &str = "R";
/// The partition of the `published` index.
pub(super) const PUBLISHED: &str = "P";
/// The partition of the fingerprint journal.
pub(super) const JOURNAL: &str = "J";
/// The partition of checkpoints (and sessions, allowances, relays: see the ports).
pub(super) const CHECKPOINTS: &str = "CP";
/// The partition of the sources' health.
pub(super) const HEALTH: &str = "HEALTH";
/// The partition of access tokens.
pub(super) const TOKENS: &str = "TOKEN";
/// The partition and sort key of the team's rooms.
pub(super) const ROOMS: &str = "ROOMS";
/// What a history entry's sort key starts with, before its version.
pub(super) const HISTORY_PREFIX: &str = "H#";

/// The partition of a report, its history and its reposts.
pub(super) fn report_pk(id: impl std::fmt::Display) -> String {
    format!("R#{id}")
}

/// The `status` index partition of the reports of one status.
pub(super) fn status_pk(status: impl std::borrow::Borrow<Status>) -> String {
    format!("S#{}", status.borrow().as_str())
}

/// The `cluster` index partition of a cluster's members.
pub(super) fn cluster_pk(cluster: impl std::fmt::Display) -> String {
    format!("C#{cluster}")
}

/// The sort key of a repost of a report.
pub(super) fn spread_sk(key: impl std::fmt::Display) -> String {
    format!("S#{key}")
}

/// The sort key of a report's history entry at `version`.
pub(super) fn history_sk(version: u64) -> String {
    format!("{HISTORY_PREFIX}{version:012}")
}

/// Priority first, then the most recent, then the id: one string that sorts as the queue does.
pub(super) fn queue_key(r: &Report) -> String {
    let inverted = i64::MAX - r.posted_at.timestamp_micros();
    format!("{}#{inverted:020}#{}", r.effective_priority().rank(), r.id)
}

/// The partition of the `changes` index holding the changes of the hour of `micros`.
pub(super) fn change_bucket(micros: i64) -> String {
    let hour = micros - micros.rem_euclid(CHANGE_BUCKET_MICROS);
    let at = DateTime::<Utc>::from_timestamp_micros(hour).unwrap_or_default();
    format!("X#{}", at.format("%Y-%m-%dT%H"))
}

/// The `changes` index keys of a report written at `micros`.
pub(super) fn change_keys(id: &str, micros: i64) -> [(String, AttributeValue); 2] {
    [
        (XPK.into(), s(change_bucket(micros))),
        (XSK.into(), s(ChangePosition::after(micros, id).key())),
    ]
}
