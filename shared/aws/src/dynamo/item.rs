//! How reports, history entries and cursors are written as items and read back.

use super::*;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn get_s<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub(super) fn get_n(item: &Item, key: &str) -> Option<i64> {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

pub(super) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(super) fn deflate(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).map_err(unavailable)?;
    z.finish().map_err(unavailable)
}

pub(super) fn inflate(bytes: &[u8], what: &str) -> Result<String, StoreError> {
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_string(&mut out)
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?;
    Ok(out)
}

/// The position of a `changes` index entry.
pub(super) fn change_position(item: &Item) -> Result<ChangePosition, StoreError> {
    let key = get_s(item, XSK).unwrap_or_default();
    let (micros, id) = key
        .split_once('#')
        .and_then(|(t, id)| Some((t.parse::<i64>().ok()?, id)))
        .ok_or_else(|| StoreError::Corrupt(format!("changes index entry `{key}`")))?;
    Ok(ChangePosition::after(micros, id))
}

/// A report's item, stamped as changed now in the `changes` index.
pub(super) fn report_item(r: &Report) -> Result<Item, StoreError> {
    let mut item = report_item_at(r)?;
    item.extend(change_keys(&r.id, Utc::now().timestamp_micros()));
    Ok(item)
}

pub(super) fn report_item_at(r: &Report) -> Result<Item, StoreError> {
    let mut stored = r.clone();
    if stored.text.len() > TEXT_LIMIT {
        let mut cut = TEXT_LIMIT;
        while !stored.text.is_char_boundary(cut) {
            cut -= 1;
        }
        stored.text.truncate(cut);
        stored.text.push_str(" […texte coupé]");
    }
    // Derived on reading: not stored in the body.
    stored.cluster_size = 0;
    stored.spread_count = 0;
    let body = serde_json::to_vec(&stored).map_err(unavailable)?;
    let mut item: Item = HashMap::from([
        (PK.into(), s(report_pk(&r.id))),
        (SK.into(), s(REPORT_SK)),
        ("z".into(), AttributeValue::B(Blob::new(deflate(&body)?))),
        ("version".into(), n(r.version)),
        (SPK.into(), s(status_pk(r.status))),
        (SSK.into(), s(queue_key(r))),
    ]);
    if r.cluster_id != r.id {
        item.insert(CPK.into(), s(cluster_pk(&r.cluster_id)));
        item.insert(CSK.into(), s(&r.id));
    }
    if r.status == Status::Published {
        item.insert(PPK.into(), s(PUBLISHED));
        item.insert(PSK.into(), s(&r.id));
    }
    Ok(item)
}

pub(super) fn decode(item: &Item) -> Result<Report, StoreError> {
    let z = item
        .get("z")
        .and_then(|v| v.as_b().ok())
        .ok_or_else(|| StoreError::Corrupt("report item without body".into()))?;
    let body = inflate(z.as_ref(), "report item")?;
    let mut r: Report = serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("report item: {e}")))?;
    r.spread_count = get_n(item, "spread").unwrap_or(0).max(0) as u32;
    Ok(r)
}

/// The key of an item as an index's cursor (`ExclusiveStartKey`).
pub(super) fn position(item: &Item) -> BTreeMap<String, String> {
    [PK, SK, SPK, SSK]
        .iter()
        .filter_map(|k| get_s(item, k).map(|v| (k.to_string(), v.to_string())))
        .collect()
}

pub(super) fn start_key(position: &BTreeMap<String, String>) -> Item {
    position.iter().map(|(k, v)| (k.clone(), s(v))).collect()
}

/// Where a listing stopped, per `status` partition (absent: not started, `None`: done); for a
/// cluster, the queue key of the last member returned.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub(super) struct Cursor {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) at: BTreeMap<String, Option<BTreeMap<String, String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) after: Option<String>,
}

pub(super) fn encode_cursor(cursor: &Cursor) -> String {
    opaque_cursor(&serde_json::to_string(cursor).unwrap_or_default())
}

pub(super) fn decode_cursor(cursor: &str) -> Result<Cursor, StoreError> {
    serde_json::from_str(&cursor_position(cursor, 4000)?).map_err(|_| StoreError::BadCursor)
}

/// A history entry's item, beside its report.
pub(super) fn history_item(entry: &HistoryEntry) -> Item {
    history_item_of(entry, &entry.report_id, entry.version)
}

/// A history entry's item, for the report `report_id` at `version`.
pub(super) fn history_item_of(entry: &HistoryEntry, report_id: &str, version: u64) -> Item {
    HashMap::from([
        (PK.into(), s(report_pk(report_id))),
        (SK.into(), s(history_sk(version))),
        ("at".into(), s(ts(&entry.at))),
        ("actor".into(), s(&entry.actor)),
        ("action".into(), s(&entry.action)),
        ("changes".into(), s(entry.changes.to_string())),
    ])
}
