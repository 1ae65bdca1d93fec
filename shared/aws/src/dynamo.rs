//! The DynamoDB report store: one table, keys and indexes chosen per access pattern. No Scan
//! anywhere: every read is a GetItem, a BatchGetItem or a Query.
//!
//! | access pattern | key or index |
//! | --- | --- |
//! | report by id | `PK = R#<id>`, `SK = R` |
//! | history of a report | `PK = R#<id>`, `SK` begins with `H#` (version, zero-padded) |
//! | reposts of a report | `PK = R#<id>`, `SK = S#<repost key>` (conditional put: counted once) |
//! | queue by status | index `status`: `SPK = S#<status>`, `SSK = <rank>#<inverted time>#<id>` |
//! | queue, all statuses | the `status` index, one Query per status, merged by `SSK` |
//! | cluster members | sparse index `cluster`: `CPK = C#<cluster>` on members other than the first, which is `R#<cluster>` |
//! | cluster size | a `Select = COUNT` Query of the `cluster` index, plus the first report |
//! | published reports (export) | sparse index `published`: `PPK = P` only while published |
//! | published reports' versions (export) | the same index, reading `PSK` and `version` only |
//! | published reports that changed (export) | BatchGetItem by `PK = R#<id>` |
//! | recent fingerprints (near copies) and post addresses | `PK = J`, `SK = <time>#<first id>`: one journal item per stored batch |
//! | checkpoint of a source | `PK = CP`, `SK = <source>` (conditional on the value read) |
//! | login session of a source (Bluesky's tokens, a secret: the table is encrypted at rest) | `PK = CP`, `SK = <source>#session` (conditional on the value read) |
//! | a source's allowance used (X's posts read this month) | `PK = CP`, `SK = <source>#allowance` (conditional on the value read) |
//! | health of the sources | `PK = HEALTH`, `SK = <source>` |
//! | tokens (by hash: a filter on their small partition) | `PK = TOKEN`, `SK = <token id>` |
//! | reports changed since a time (`/changes`) | sparse index `changes`: `XPK = X#<hour of the change>`, `XSK = <micros, zero-padded>#<id>` |
//! | the team's topic rooms | `PK = ROOMS`, `SK = ROOMS` (conditional on the version read) |
//!
//! The feed of changes: every write of a report item (insert, update, a new repost) stamps it
//! with the store's time in `XPK`/`XSK`, so the `changes` index holds each report once, at its
//! last change, by hour. A read Queries the hour of its cursor, then the following hours in
//! order while it finds changes; an hour with nothing ends the read (the cursor moves to the
//! next hour, with `more`), so a poll when nothing changed is one Query. The index projects
//! what an answer needs (the deflated body, the version, the spread count): no read of the
//! table. It is eventually consistent, and writers' clocks and commits are not in step: a
//! cursor never points later than a few seconds ([`CHANGES_OVERLAP`]) before the read, so a
//! client gets the last seconds' changes twice (and keeps the versions it lacks) rather than
//! missing one. The index costs one more index write per report write (two when an update
//! moves the entry), each under 1 KB like the item.
//!
//! The collection path is billed per post, so a new post costs one conditional PutItem (the
//! de-duplication) of an item kept under 1 KB (the report is stored as deflated JSON), its
//! entry in the `status` index (and in the `cluster` index for a copy), and its share of one
//! journal item per batch. Near copies are found in the journal, read once per run and then
//! only its new items, never per post. `scripts/bench-dynamodb` prints what this costs.
//!
//! A post entered by hand is checked against every stored post's address (canonical URL) in
//! the same journal: each line carries a short key of the address, and a key found is
//! confirmed on the report itself. No item nor index entry per post is added for this, so the
//! check covers the journal's window ([`JOURNAL_WINDOW_HOURS`], 72 hours) for collected posts;
//! two hand entries of one address under one network share their id and are found whatever
//! their age.
//!
//! Writes that must not cross are conditional: a new report only if absent, an update only at
//! the expected version (with its history entry in the same transaction), a checkpoint only from
//! the value the run read.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConsumedCapacity, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put, PutRequest,
    ReturnConsumedCapacity, ScalarAttributeType, StreamSpecification, StreamViewType,
    TransactWriteItem, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_types::Blob;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::time::Duration;
use vigie_domain::identity::{canonical_url, url_key, Fingerprint};
use vigie_domain::ports::{
    cursor_position, entries_by_report, opaque_cursor, settle_page, ChangeFeed, ChangePage,
    ChangePosition, Checkpoints, ClusterCandidate, Clusters, Counts, HealthUpdate, Page,
    PublishedReader, ReportQuery, Reports, Room, RoomStore, Rooms, SourceHealth, SourceHealthLog,
    Spread, StoreError, TokenRecord, TokenStore, CHANGES_OVERLAP,
};
use vigie_domain::public::Candidate;
use vigie_domain::report::{HistoryEntry, Report};
use vigie_domain::taxonomy::Status;

type Item = HashMap<String, AttributeValue>;

/// Items stay well under DynamoDB's 400 KB: a longer post text is cut with a marker.
const TEXT_LIMIT: usize = 100_000;
/// Copies of a message arrive within hours: older journal items are not read.
const JOURNAL_WINDOW_HOURS: i64 = 72;
/// Entries per journal item (about 100 bytes each once deflated).
const JOURNAL_CHUNK: usize = 1_000;
/// A concurrent run may write a journal item stamped a little before the newest one read here:
/// each refresh reads back this far (entries already known are skipped).
const JOURNAL_OVERLAP_MICROS: i64 = 15_000_000;
/// Attempts of a batch request whose items DynamoDB left unprocessed (throttling).
const BATCH_ATTEMPTS: u32 = 8;
/// Cluster-size Queries sent together.
const CLUSTER_QUERIES_IN_FLIGHT: usize = 32;
/// The feed of changes is partitioned by hour of the change.
const CHANGE_BUCKET_MICROS: i64 = 3_600_000_000;
/// Hours one read of the feed walks at most (a client back from a long absence calls again).
const CHANGE_BUCKETS_PER_READ: usize = 24;
/// What the `changes` index carries beside the keys: what a report answer is made from.
const CHANGES_PROJECTION: [&str; 3] = ["z", "version", "spread"];

pub struct DynamoStore {
    client: Client,
    table: String,
    journal: Mutex<Journal>,
    /// First wait before a batch request is sent again for its unprocessed items (doubles).
    backoff: Duration,
    usage: Mutex<Usage>,
    /// How far behind the read time a change cursor points ([`CHANGES_OVERLAP`]).
    change_overlap: Duration,
}

/// What this store asked of DynamoDB: requests by operation and the capacity units DynamoDB
/// said they consumed (table and indexes). Benchmarks read it; runs log it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub requests: BTreeMap<&'static str, u64>,
    pub units: BTreeMap<&'static str, f64>,
    pub write_requests: u64,
    pub read_requests: u64,
    pub write_units: f64,
    pub read_units: f64,
}

/// The fingerprints and address keys of recently stored reports, as read from the journal.
#[derive(Default)]
struct Journal {
    /// Time (microseconds) of the newest journal item read.
    read_to: Option<i64>,
    known: HashSet<String>,
    entries: Vec<ClusterCandidate>,
    by_band: HashMap<String, Vec<usize>>,
    /// Report ids by [`url_key`] of their canonical address.
    by_url: HashMap<String, Vec<String>>,
}

/// One line of the journal: a report, its cluster, its fingerprint (empty when its text is too
/// short for one) and the key of its address (absent for a post without one).
#[derive(Debug, Clone, PartialEq)]
struct JournalEntry {
    candidate: ClusterCandidate,
    url_key: Option<String>,
}

impl JournalEntry {
    /// The entry of a report, or `None` when there is nothing to find it by.
    fn of(r: &Report) -> Option<JournalEntry> {
        let url_key = r.source_url.as_deref().map(|u| url_key(&canonical_url(u)));
        if r.fingerprint.is_none() && url_key.is_none() {
            return None;
        }
        Some(JournalEntry {
            candidate: ClusterCandidate {
                report_id: r.id.clone(),
                cluster_id: r.cluster_id.clone(),
                fingerprint: r.fingerprint.clone().unwrap_or_default(),
            },
            url_key,
        })
    }
}

impl Journal {
    fn add(&mut self, entry: JournalEntry) {
        let JournalEntry { candidate, url_key } = entry;
        if !self.known.insert(candidate.report_id.clone()) {
            return;
        }
        if let Some(key) = url_key {
            self.by_url
                .entry(key)
                .or_default()
                .push(candidate.report_id.clone());
        }
        let Some(fp) = Fingerprint::from_hex(&candidate.fingerprint) else {
            return;
        };
        let at = self.entries.len();
        for band in fp.bands() {
            self.by_band.entry(band).or_default().push(at);
        }
        self.entries.push(candidate);
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn sdk<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_dynamodb::error::SdkError<E, R>,
) -> StoreError {
    StoreError::Unavailable(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
}

fn get_s<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn get_n(item: &Item, key: &str) -> Option<i64> {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).map_err(unavailable)?;
    z.finish().map_err(unavailable)
}

fn inflate(bytes: &[u8], what: &str) -> Result<String, StoreError> {
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_string(&mut out)
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?;
    Ok(out)
}

/// Priority first, then the most recent, then the id: one string that sorts as the queue does.
fn queue_key(r: &Report) -> String {
    let inverted = i64::MAX - r.posted_at.timestamp_micros();
    format!("{}#{inverted:020}#{}", r.effective_priority().rank(), r.id)
}

/// How many times a health update is tried against concurrent writers.
const HEALTH_ROUNDS: usize = 16;

/// The partition of the `changes` index holding the changes of the hour of `micros`.
fn change_bucket(micros: i64) -> String {
    let hour = micros - micros.rem_euclid(CHANGE_BUCKET_MICROS);
    let at = DateTime::<Utc>::from_timestamp_micros(hour).unwrap_or_default();
    format!("X#{}", at.format("%Y-%m-%dT%H"))
}

/// The `changes` index keys of a report written at `micros`.
fn change_keys(id: &str, micros: i64) -> [(String, AttributeValue); 2] {
    [
        ("XPK".into(), s(change_bucket(micros))),
        ("XSK".into(), s(ChangePosition::after(micros, id).key())),
    ]
}

/// The position of a `changes` index entry.
fn change_position(item: &Item) -> Result<ChangePosition, StoreError> {
    let key = get_s(item, "XSK").unwrap_or_default();
    let (micros, id) = key
        .split_once('#')
        .and_then(|(t, id)| Some((t.parse::<i64>().ok()?, id)))
        .ok_or_else(|| StoreError::Corrupt(format!("changes index entry `{key}`")))?;
    Ok(ChangePosition::after(micros, id))
}

/// A report's item, stamped as changed now in the `changes` index.
fn report_item(r: &Report) -> Result<Item, StoreError> {
    let mut item = report_item_at(r)?;
    item.extend(change_keys(&r.id, Utc::now().timestamp_micros()));
    Ok(item)
}

fn report_item_at(r: &Report) -> Result<Item, StoreError> {
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
        ("PK".into(), s(format!("R#{}", r.id))),
        ("SK".into(), s("R")),
        ("z".into(), AttributeValue::B(Blob::new(deflate(&body)?))),
        ("version".into(), n(r.version)),
        ("SPK".into(), s(format!("S#{}", r.status.as_str()))),
        ("SSK".into(), s(queue_key(r))),
    ]);
    if r.cluster_id != r.id {
        item.insert("CPK".into(), s(format!("C#{}", r.cluster_id)));
        item.insert("CSK".into(), s(&r.id));
    }
    if r.status == Status::Published {
        item.insert("PPK".into(), s("P"));
        item.insert("PSK".into(), s(&r.id));
    }
    Ok(item)
}

fn decode(item: &Item) -> Result<Report, StoreError> {
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
fn position(item: &Item) -> BTreeMap<String, String> {
    ["PK", "SK", "SPK", "SSK"]
        .iter()
        .filter_map(|k| get_s(item, k).map(|v| (k.to_string(), v.to_string())))
        .collect()
}

fn start_key(position: &BTreeMap<String, String>) -> Item {
    position.iter().map(|(k, v)| (k.clone(), s(v))).collect()
}

/// Where a listing stopped, per `status` partition (absent: not started, `None`: done); for a
/// cluster, the queue key of the last member returned.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Cursor {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    at: BTreeMap<String, Option<BTreeMap<String, String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
}

fn encode_cursor(cursor: &Cursor) -> String {
    opaque_cursor(&serde_json::to_string(cursor).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> Result<Cursor, StoreError> {
    serde_json::from_str(&cursor_position(cursor, 4000)?).map_err(|_| StoreError::BadCursor)
}

/// One journal entry a line: id, cluster (empty when the report starts its own), fingerprint
/// (empty when none), address key (empty when none; absent from lines written before it).
fn journal_lines(entries: &[JournalEntry]) -> String {
    let mut out = String::new();
    for JournalEntry {
        candidate: e,
        url_key,
    } in entries
    {
        let cluster = if e.cluster_id == e.report_id {
            ""
        } else {
            &e.cluster_id
        };
        out.push_str(&format!(
            "{}\t{cluster}\t{}\t{}\n",
            e.report_id,
            e.fingerprint,
            url_key.as_deref().unwrap_or_default()
        ));
    }
    out
}

fn journal_entries(text: &str) -> Vec<JournalEntry> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let (id, cluster, fp) = (parts.next()?, parts.next()?, parts.next()?);
            let url_key = parts.next().filter(|k| !k.is_empty()).map(str::to_string);
            Some(JournalEntry {
                candidate: ClusterCandidate {
                    report_id: id.into(),
                    cluster_id: if cluster.is_empty() { id } else { cluster }.into(),
                    fingerprint: fp.into(),
                },
                url_key,
            })
        })
        .collect()
}

/// A history entry's item, beside its report.
fn history_item(entry: &HistoryEntry) -> Item {
    history_item_of(entry, &entry.report_id, entry.version)
}

/// A history entry's item, for the report `report_id` at `version`.
fn history_item_of(entry: &HistoryEntry, report_id: &str, version: u64) -> Item {
    HashMap::from([
        ("PK".into(), s(format!("R#{report_id}"))),
        ("SK".into(), s(format!("H#{version:012}"))),
        ("at".into(), s(ts(&entry.at))),
        ("actor".into(), s(&entry.actor)),
        ("action".into(), s(&entry.action)),
        ("changes".into(), s(entry.changes.to_string())),
    ])
}

impl DynamoStore {
    pub fn new(config: &aws_config::SdkConfig, table: &str) -> DynamoStore {
        DynamoStore::with_client(Client::new(config), table)
    }

    /// A store on a client configured elsewhere (tests of faults use a mocked one).
    pub fn with_client(client: Client, table: &str) -> DynamoStore {
        DynamoStore {
            client,
            table: table.to_string(),
            journal: Mutex::new(Journal::default()),
            backoff: Duration::from_millis(50),
            usage: Mutex::new(Usage::default()),
            change_overlap: CHANGES_OVERLAP,
        }
    }

    /// Sets how far behind the read time a change cursor points (tests shorten it).
    pub fn with_change_overlap(mut self, overlap: Duration) -> DynamoStore {
        self.change_overlap = overlap;
        self
    }

    /// Requests and capacity so far.
    pub fn usage(&self) -> Usage {
        self.usage.lock().map(|u| u.clone()).unwrap_or_default()
    }

    fn note(&self, op: &'static str, consumed: &[ConsumedCapacity]) {
        let write = matches!(
            op,
            "PutItem" | "UpdateItem" | "TransactWriteItems" | "BatchWriteItem"
        );
        let units: f64 = consumed.iter().filter_map(|c| c.capacity_units()).sum();
        if let Ok(mut u) = self.usage.lock() {
            *u.requests.entry(op).or_default() += 1;
            *u.units.entry(op).or_default() += units;
            if write {
                u.write_requests += 1;
                u.write_units += units;
            } else {
                u.read_requests += 1;
                u.read_units += units;
            }
        }
    }

    /// Sets the first wait before unprocessed batch items are sent again.
    pub fn with_backoff(mut self, backoff: Duration) -> DynamoStore {
        self.backoff = backoff;
        self
    }

    /// Creates the table with its indexes (on demand) and its stream. The cloud stack creates
    /// it from the template (`infra/template.yaml`, kept the same); this is for DynamoDB Local
    /// and tests.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(unavailable)
        };
        // Every index projects the whole item but `changes`, which carries what a report
        // answer is made from.
        let projection = |name: &str| match name {
            "changes" => Projection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(
                    CHANGES_PROJECTION.iter().map(|a| a.to_string()).collect(),
                ))
                .build(),
            _ => Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        };
        let index = |name: &str, pk: &str, sk: &str| -> Result<GlobalSecondaryIndex, StoreError> {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(projection(name))
                .build()
                .map_err(unavailable)
        };
        let mut req = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(unavailable)?,
            );
        for a in [
            "PK", "SK", "SPK", "SSK", "CPK", "CSK", "PPK", "PSK", "XPK", "XSK",
        ] {
            req = req.attribute_definitions(attr(a)?);
        }
        req.global_secondary_indexes(index("status", "SPK", "SSK")?)
            .global_secondary_indexes(index("cluster", "CPK", "CSK")?)
            .global_secondary_indexes(index("published", "PPK", "PSK")?)
            .global_secondary_indexes(index("changes", "XPK", "XSK")?)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    /// Creates the table unless it exists (DynamoDB Local, a first run on a new account).
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception()) =>
            {
                self.create_table().await
            }
            Err(e) => Err(sdk(e)),
        }
    }

    /// Sizes of clusters: the first report and the members in the sparse `cluster` index,
    /// counted by Queries sent together. Reads on the triage path spare a counter write per
    /// copy on the collection path.
    async fn cluster_sizes(
        &self,
        clusters: impl IntoIterator<Item = &str>,
    ) -> Result<HashMap<String, u32>, StoreError> {
        let mut wanted: Vec<&str> = clusters.into_iter().collect();
        wanted.sort_unstable();
        wanted.dedup();
        // A page of the feed of changes may name a thousand clusters: a few dozen Queries in
        // flight at a time, not all of them at once.
        let mut counted = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(CLUSTER_QUERIES_IN_FLIGHT) {
            counted.extend(
                futures::future::try_join_all(chunk.iter().map(|c| self.members(c))).await?,
            );
        }
        Ok(wanted
            .into_iter()
            .zip(counted)
            .map(|(c, more)| (c.to_string(), 1 + more))
            .collect())
    }

    /// How many reports joined a cluster after its first.
    async fn members(&self, cluster: &str) -> Result<u32, StoreError> {
        let mut count = 0u32;
        self.query_pages(
            None,
            |q| {
                q.index_name("cluster")
                    .key_condition_expression("CPK = :c")
                    .expression_attribute_values(":c", s(format!("C#{cluster}")))
                    .select(aws_sdk_dynamodb::types::Select::Count)
            },
            |page| {
                count += page.count().max(0) as u32;
                Ok(ControlFlow::Continue(()))
            },
        )
        .await?;
        Ok(count)
    }

    /// Runs a query page after page from `start`, each page accounted and handed to `on_page`,
    /// which says whether to go on. True when the query was read to its end.
    async fn query_pages(
        &self,
        start: Option<Item>,
        build: impl Fn(QueryFluentBuilder) -> QueryFluentBuilder,
        mut on_page: impl FnMut(&QueryOutput) -> Result<ControlFlow<()>, StoreError>,
    ) -> Result<bool, StoreError> {
        let mut start = start;
        loop {
            let page = build(self.client.query().table_name(&self.table))
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(sdk)?;
            self.note("Query", page.consumed_capacity().cloned().as_slice());
            if on_page(&page)?.is_break() {
                return Ok(false);
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(true),
            }
        }
    }

    async fn with_cluster_sizes(
        &self,
        mut reports: Vec<Report>,
    ) -> Result<Vec<Report>, StoreError> {
        let sizes = self
            .cluster_sizes(reports.iter().map(|r| r.cluster_id.as_str()))
            .await?;
        for r in &mut reports {
            r.cluster_size = sizes.get(&r.cluster_id).copied().unwrap_or(1);
        }
        Ok(reports)
    }

    async fn with_cluster_size(&self, r: Report) -> Result<Report, StoreError> {
        let mut one = self.with_cluster_sizes(vec![r]).await?;
        one.pop()
            .ok_or_else(|| StoreError::Corrupt("cluster size of nothing".into()))
    }

    /// Puts a report item only if its key is free: true when stored, false when a report of
    /// that id was there already.
    async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match put {
            Ok(out) => {
                self.note("PutItem", out.consumed_capacity().cloned().as_slice());
                Ok(true)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk(e)),
        }
    }

    /// [`DynamoStore::put_new`] with the report's first history entries, in one transaction:
    /// both or neither.
    async fn put_new_with_history(
        &self,
        item: Item,
        entries: &[&HistoryEntry],
    ) -> Result<bool, StoreError> {
        let mut request = self
            .client
            .transact_write_items()
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(item))
                            .condition_expression("attribute_not_exists(PK)")
                            .build()
                            .map_err(unavailable)?,
                    )
                    .build(),
            );
        for entry in entries {
            request = request.transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(history_item(entry)))
                            .build()
                            .map_err(unavailable)?,
                    )
                    .build(),
            );
        }
        match request.send().await {
            Ok(out) => {
                self.note("TransactWriteItems", out.consumed_capacity());
                Ok(true)
            }
            // Cancelled because the report's key was taken: already stored.
            Err(e)
                if e.as_service_error().is_some_and(|se| match se {
                    TransactWriteItemsError::TransactionCanceledException(c) => c
                        .cancellation_reasons()
                        .first()
                        .and_then(|r| r.code())
                        .is_some_and(|code| code == "ConditionalCheckFailed"),
                    _ => false,
                }) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk(e)),
        }
    }

    /// Counts one more attempt of a batch request that left work undone, and waits before the
    /// next (doubling each time); after [`BATCH_ATTEMPTS`], an error saying what is left.
    async fn wait_to_retry(
        &self,
        attempt: &mut u32,
        operation: &str,
        left: impl FnOnce() -> String,
    ) -> Result<(), StoreError> {
        *attempt += 1;
        if *attempt >= BATCH_ATTEMPTS {
            return Err(StoreError::Unavailable(format!(
                "{} after {attempt} {operation} attempts",
                left()
            )));
        }
        tokio::time::sleep(self.backoff * 2u32.pow(*attempt - 1)).await;
        Ok(())
    }

    /// Writes items (unconditionally) 25 a request; items DynamoDB leaves unprocessed are sent
    /// again with a growing wait, and an error names how many never went through.
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        for chunk in items.chunks(25) {
            let mut pending = chunk
                .iter()
                .map(|item| {
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map(|put| WriteRequest::builder().put_request(put).build())
                        .map_err(unavailable)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut attempt = 0;
            while !pending.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(sdk)?;
                self.note("BatchWriteItem", out.consumed_capacity());
                pending = out
                    .unprocessed_items()
                    .and_then(|u| u.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
                if !pending.is_empty() {
                    self.wait_to_retry(&mut attempt, "BatchWriteItem", || {
                        format!("{} items still unprocessed", pending.len())
                    })
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// The stored report items of these ids (absent ones left out), 100 a BatchGetItem; keys
    /// DynamoDB leaves unprocessed are asked again with a growing wait, and an error names how
    /// many never came back.
    async fn reports_by_id(&self, ids: &[String]) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        let unique: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let unique: Vec<&str> = unique.into_iter().collect();
        for chunk in unique.chunks(100) {
            let keys: Vec<Item> = chunk
                .iter()
                .map(|id| {
                    HashMap::from([
                        ("PK".to_string(), s(format!("R#{id}"))),
                        ("SK".to_string(), s("R")),
                    ])
                })
                .collect();
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    // Strongly consistent: the version listed a moment ago, not an older one.
                    .consistent_read(true)
                    .build()
                    .map_err(unavailable)?,
            );
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                let got = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(sdk)?;
                self.note("BatchGetItem", got.consumed_capacity());
                if let Some(items) = got.responses().and_then(|r| r.get(&self.table)) {
                    out.extend(items.iter().cloned());
                }
                pending = got
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .filter(|k| !k.keys().is_empty())
                    .cloned();
                if let Some(left) = &pending {
                    self.wait_to_retry(&mut attempt, "BatchGetItem", || {
                        format!("{} reports still unread", left.keys().len())
                    })
                    .await?;
                }
            }
        }
        Ok(out)
    }

    /// Reads the journal items written since the last read (the whole window the first time).
    async fn refresh_journal(&self) -> Result<(), StoreError> {
        let read_to = self.journal.lock().map_err(unavailable)?.read_to;
        let from = match read_to {
            Some(t) => t - JOURNAL_OVERLAP_MICROS,
            None => (Utc::now() - chrono::Duration::hours(JOURNAL_WINDOW_HOURS)).timestamp_micros(),
        };
        let mut found = Vec::new();
        let mut newest = read_to;
        self.query_pages(
            None,
            |q| {
                q.key_condition_expression("PK = :j AND SK > :from")
                    .expression_attribute_values(":j", s("J"))
                    .expression_attribute_values(":from", s(format!("{from:020}")))
            },
            |page| {
                for item in page.items() {
                    let at = get_s(item, "SK")
                        .and_then(|k| k.split('#').next())
                        .and_then(|t| t.parse::<i64>().ok());
                    newest = newest.max(at);
                    if let Some(z) = item.get("d").and_then(|v| v.as_b().ok()) {
                        found.extend(journal_entries(&inflate(z.as_ref(), "journal item")?));
                    }
                }
                Ok(ControlFlow::Continue(()))
            },
        )
        .await?;
        let mut journal = self.journal.lock().map_err(unavailable)?;
        for entry in found {
            journal.add(entry);
        }
        journal.read_to = journal.read_to.max(newest);
        Ok(())
    }

    /// Records the fingerprints of newly stored reports: one journal item per thousand.
    async fn write_journal(&self, entries: Vec<JournalEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let now = Utc::now().timestamp_micros();
        let mut items = Vec::new();
        for chunk in entries.chunks(JOURNAL_CHUNK) {
            items.push(HashMap::from([
                ("PK".into(), s("J")),
                (
                    "SK".into(),
                    s(format!("{now:020}#{}", chunk[0].candidate.report_id)),
                ),
                (
                    "d".into(),
                    AttributeValue::B(Blob::new(deflate(journal_lines(chunk).as_bytes())?)),
                ),
            ]));
        }
        self.batch_put(items).await?;
        let mut journal = self.journal.lock().map_err(unavailable)?;
        for entry in entries {
            journal.add(entry);
        }
        Ok(())
    }

    /// Every item of a partition (or an index partition), page after page.
    async fn query_all(
        &self,
        index: Option<&str>,
        pk_name: &str,
        pk: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        self.query_pages(
            None,
            |q| {
                let q = q
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", pk_name)
                    .expression_attribute_values(":pk", s(pk));
                match index {
                    Some(i) => q.index_name(i),
                    None => q,
                }
            },
            |page| {
                out.extend(page.items().iter().cloned());
                Ok(ControlFlow::Continue(()))
            },
        )
        .await?;
        Ok(out)
    }

    /// Up to `want + 1` reports of one status that pass the filters, in queue order, from a
    /// position; and whether the partition was read to its end.
    async fn status_page(
        &self,
        status: Status,
        from: Option<Item>,
        query: &ReportQuery,
        want: usize,
    ) -> Result<(Vec<(Item, Report)>, bool), StoreError> {
        let mut out = Vec::new();
        let ended = self
            .query_pages(
                from,
                |q| {
                    q.index_name("status")
                        .key_condition_expression("SPK = :pk")
                        .expression_attribute_values(":pk", s(format!("S#{}", status.as_str())))
                        .limit((want + 1).max(25) as i32)
                },
                |page| {
                    for item in page.items() {
                        let r = decode(item)?;
                        if query.matches(&r) {
                            out.push((item.clone(), r));
                            if out.len() > want {
                                return Ok(ControlFlow::Break(()));
                            }
                        }
                    }
                    Ok(ControlFlow::Continue(()))
                },
            )
            .await?;
        Ok((out, ended))
    }

    /// The queue: one status, or every status merged by queue key.
    async fn list_queue(
        &self,
        query: &ReportQuery,
        cursor: Cursor,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let statuses: Vec<Status> = match query.status {
            Some(st) => vec![st],
            None => Status::ALL.to_vec(),
        };
        let mut fetched: Vec<(Status, Item, Report)> = Vec::new();
        let mut exhausted: HashMap<Status, bool> = HashMap::new();
        let mut next = Cursor::default();
        for st in statuses {
            let from = match cursor.at.get(st.as_str()) {
                Some(None) => {
                    next.at.insert(st.as_str().into(), None);
                    continue;
                }
                Some(Some(p)) => Some(start_key(p)),
                None => None,
            };
            let (items, done) = self.status_page(st, from, query, limit).await?;
            exhausted.insert(st, done);
            fetched.extend(items.into_iter().map(|(i, r)| (st, i, r)));
        }
        fetched.sort_by(|a, b| get_s(&a.1, "SSK").cmp(&get_s(&b.1, "SSK")));
        let more_than_page = fetched.len() > limit;
        let left: HashSet<Status> = fetched.iter().skip(limit).map(|(st, _, _)| *st).collect();
        fetched.truncate(limit);
        for (st, item, _) in &fetched {
            next.at.insert(st.as_str().into(), Some(position(item)));
        }
        let mut more = false;
        for (st, done) in &exhausted {
            if *done && !left.contains(st) {
                next.at.insert(st.as_str().into(), None);
            } else {
                more = true;
                if !next.at.contains_key(st.as_str()) {
                    // Nothing of this status on this page: it starts where it started.
                    if let Some(p) = cursor.at.get(st.as_str()) {
                        next.at.insert(st.as_str().into(), p.clone());
                    }
                }
            }
        }
        let more = more || more_than_page;
        let reports = self
            .with_cluster_sizes(fetched.into_iter().map(|(_, _, r)| r).collect())
            .await?;
        Ok(Page {
            items: reports,
            next_cursor: more.then(|| encode_cursor(&next)),
        })
    }

    /// The members of a cluster: its first report and the sparse index's others.
    async fn list_cluster(
        &self,
        cluster: &str,
        query: &ReportQuery,
        cursor: Cursor,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let mut members = Vec::new();
        for item in self
            .query_all(Some("cluster"), "CPK", &format!("C#{cluster}"))
            .await?
        {
            members.push(decode(&item)?);
        }
        if let Some(first) = self.get_plain(cluster).await? {
            members.push(first);
        }
        members.retain(|r| query.matches(r));
        members.sort_by_key(queue_key);
        if let Some(after) = &cursor.after {
            members.retain(|r| queue_key(r) > *after);
        }
        let more = members.len() > limit;
        members.truncate(limit);
        let next_cursor = more.then(|| {
            encode_cursor(&Cursor {
                after: members.last().map(queue_key),
                ..Cursor::default()
            })
        });
        Ok(Page {
            items: self.with_cluster_sizes(members).await?,
            next_cursor,
        })
    }

    /// Up to `want` entries of one hour of the `changes` index after `from`, oldest first.
    async fn changes_in(
        &self,
        bucket: i64,
        from: &ChangePosition,
        want: usize,
    ) -> Result<Vec<(ChangePosition, Item)>, StoreError> {
        let mut out = Vec::new();
        self.query_pages(
            None,
            |q| {
                q.index_name("changes")
                    .key_condition_expression("XPK = :b AND XSK > :from")
                    .expression_attribute_values(":b", s(change_bucket(bucket)))
                    .expression_attribute_values(":from", s(from.key()))
                    .limit(want.clamp(1, 1001) as i32)
            },
            |page| {
                for item in page.items() {
                    out.push((change_position(item)?, item.clone()));
                    if out.len() >= want {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                Ok(ControlFlow::Continue(()))
            },
        )
        .await?;
        Ok(out)
    }

    /// A report as stored, without its cluster's size.
    async fn get_plain(&self, id: &str) -> Result<Option<Report>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(format!("R#{id}")))
            .key("SK", s("R"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.item().map(decode).transpose()
    }
}

#[async_trait]
impl Reports for DynamoStore {
    async fn insert_reports_with_history(
        &self,
        reports: &[Report],
        created: &[HistoryEntry],
    ) -> Result<Vec<bool>, StoreError> {
        let mut out = Vec::with_capacity(reports.len());
        let mut journal = Vec::new();
        let mut created = entries_by_report(created);
        for r in reports {
            let item = report_item(r)?;
            // The entries go with the first report of their id; a later one is a repeat.
            let stored = match created.remove(r.id.as_str()) {
                Some(entries) => self.put_new_with_history(item, &entries).await,
                None => self.put_new(item).await,
            };
            match stored {
                Ok(true) => {}
                Ok(false) => {
                    // Journaled again: the run that stored it may have failed before its
                    // journal write (the first entry of an id is the one that counts).
                    journal.extend(JournalEntry::of(r));
                    out.push(false);
                    continue;
                }
                Err(e) => {
                    // What was stored stays findable by its copies.
                    if let Err(j) = self.write_journal(journal).await {
                        tracing::warn!(error = %j, "fingerprint journal not written");
                    }
                    return Err(e);
                }
            }
            journal.extend(JournalEntry::of(r));
            out.push(true);
        }
        self.write_journal(journal).await?;
        Ok(out)
    }

    async fn get_report(&self, id: &str) -> Result<Option<Report>, StoreError> {
        match self.get_plain(id).await? {
            Some(r) => Ok(Some(self.with_cluster_size(r).await?)),
            None => Ok(None),
        }
    }

    async fn report_by_url(&self, canonical: &str) -> Result<Option<Report>, StoreError> {
        self.refresh_journal().await?;
        let ids = self
            .journal
            .lock()
            .map_err(unavailable)?
            .by_url
            .get(&url_key(canonical))
            .cloned()
            .unwrap_or_default();
        // A key may be shared by another address: the report itself confirms.
        for id in ids {
            if let Some(r) = self.get_plain(&id).await? {
                if r.source_url.as_deref().map(canonical_url).as_deref() == Some(canonical) {
                    return Ok(Some(self.with_cluster_size(r).await?));
                }
            }
        }
        Ok(None)
    }

    async fn list_reports(&self, query: &ReportQuery) -> Result<Page, StoreError> {
        let limit = query.limit.clamp(1, 200);
        let cursor = match &query.cursor {
            Some(c) => decode_cursor(c)?,
            None => Cursor::default(),
        };
        match &query.cluster {
            Some(c) => self.list_cluster(c, query, cursor, limit).await,
            None => self.list_queue(query, cursor, limit).await,
        }
    }

    async fn update_report(
        &self,
        report: &Report,
        expected_version: u64,
        entry: &HistoryEntry,
    ) -> Result<Report, StoreError> {
        let mut next = report.clone();
        next.version = expected_version + 1;
        let mut item = report_item(&next)?;
        // The spread counter lives beside the body: keep it.
        let current = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(format!("R#{}", next.id)))
            .key("SK", s("R"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        let Some(current) = current.item() else {
            return Err(StoreError::NotFound(format!("report {}", next.id)));
        };
        if let Some(spread) = current.get("spread") {
            item.insert("spread".into(), spread.clone());
        }
        let history = history_item_of(entry, &next.id, next.version);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", n(expected_version))
            .build()
            .map_err(unavailable)?;
        let log = Put::builder()
            .table_name(&self.table)
            .set_item(Some(history))
            .build()
            .map_err(unavailable)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().put(log).build())
            .send()
            .await;
        match result {
            Ok(_) => {
                next.spread_count = get_n(current, "spread").unwrap_or(0).max(0) as u32;
                self.with_cluster_size(next).await
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_transaction_canceled_exception()) =>
            {
                let now = self.get_report(&report.id).await?;
                match now {
                    None => Err(StoreError::NotFound(format!("report {}", report.id))),
                    Some(r) => Err(StoreError::Conflict {
                        id: r.id,
                        expected: expected_version,
                        current: r.version,
                    }),
                }
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn append_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let mut item = history_item(entry);
        // Beside the version's own entry, after it, in the order appended (nanoseconds).
        let when = entry.at.timestamp_nanos_opt().unwrap_or_default();
        item.insert(
            "SK".into(),
            s(format!("H#{:012}#{when:020}", entry.version)),
        );
        if self.get_plain(&entry.report_id).await?.is_none() {
            return Err(StoreError::NotFound(format!("report {}", entry.report_id)));
        }
        // The same entry again (the same nanosecond) is kept once.
        self.put_new(item).await?;
        Ok(())
    }

    async fn history(&self, report_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let items = self
            .query_all(None, "PK", &format!("R#{report_id}"))
            .await?;
        let mut out = Vec::new();
        for item in items
            .iter()
            .filter(|i| get_s(i, "SK").is_some_and(|k| k.starts_with("H#")))
        {
            // H#<version>, or H#<version>#<when> for an entry appended beside a version.
            let version: u64 = get_s(item, "SK")
                .and_then(|k| k[2..].split('#').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            out.push(HistoryEntry {
                report_id: report_id.to_string(),
                version,
                at: get_s(item, "at")
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .ok_or_else(|| StoreError::Corrupt("history time".into()))?,
                actor: get_s(item, "actor").unwrap_or_default().into(),
                action: get_s(item, "action").unwrap_or_default().into(),
                changes: serde_json::from_str(get_s(item, "changes").unwrap_or("null"))
                    .unwrap_or_default(),
            });
        }
        Ok(out)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let mut counts = Counts::default();
        for st in Status::ALL {
            for item in self
                .query_all(Some("status"), "SPK", &format!("S#{}", st.as_str()))
                .await?
            {
                counts.add(&decode(&item)?);
            }
        }
        Ok(counts)
    }

    async fn add_spreads(&self, spreads: &[Spread]) -> Result<usize, StoreError> {
        let mut added = 0;
        for sp in spreads {
            let marker = Put::builder()
                .table_name(&self.table)
                .item("PK", s(format!("R#{}", sp.report_id)))
                .item("SK", s(format!("S#{}", sp.key)))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(unavailable)?;
            let count = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .key("PK", s(format!("R#{}", sp.report_id)))
                .key("SK", s("R"))
                .update_expression("ADD spread :one SET XPK = :xpk, XSK = :xsk")
                .condition_expression("attribute_exists(PK)")
                .set_expression_attribute_values(Some({
                    let mut values: Item = HashMap::from([(":one".to_string(), n(1))]);
                    for (k, v) in change_keys(&sp.report_id, Utc::now().timestamp_micros()) {
                        values.insert(format!(":{}", k.to_lowercase()), v);
                    }
                    values
                }))
                .build()
                .map_err(unavailable)?;
            let result = self
                .client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().put(marker).build())
                .transact_items(TransactWriteItem::builder().update(count).build())
                .send()
                .await;
            match result {
                Ok(_) => added += 1,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_transaction_canceled_exception()) => {}
                Err(e) => return Err(sdk(e)),
            }
        }
        Ok(added)
    }
}

#[async_trait]
impl Clusters for DynamoStore {
    async fn cluster_candidates(
        &self,
        bands: &[String],
    ) -> Result<Vec<ClusterCandidate>, StoreError> {
        if bands.is_empty() {
            return Ok(Vec::new());
        }
        self.refresh_journal().await?;
        let journal = self.journal.lock().map_err(unavailable)?;
        let mut hits: Vec<usize> = bands
            .iter()
            .filter_map(|b| journal.by_band.get(b))
            .flatten()
            .copied()
            .collect();
        hits.sort_unstable();
        hits.dedup();
        Ok(hits
            .into_iter()
            .map(|i| journal.entries[i].clone())
            .collect())
    }
}

#[async_trait]
impl PublishedReader for DynamoStore {
    async fn published_versions(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        self.query_pages(
            None,
            |q| {
                q.index_name("published")
                    .key_condition_expression("PPK = :p")
                    .expression_attribute_values(":p", s("P"))
                    .projection_expression("PSK, version")
            },
            |page| {
                for item in page.items() {
                    let id = get_s(item, "PSK").ok_or_else(|| {
                        StoreError::Corrupt("published index entry without id".into())
                    })?;
                    let version = get_n(item, "version").ok_or_else(|| {
                        StoreError::Corrupt(format!("published report {id} without version"))
                    })?;
                    out.push((id.to_string(), version.max(0) as u64));
                }
                Ok(ControlFlow::Continue(()))
            },
        )
        .await?;
        Ok(out)
    }

    async fn published_candidates(
        &self,
        ids: Option<&[String]>,
    ) -> Result<Vec<Candidate>, StoreError> {
        let items = match ids {
            None => self.query_all(Some("published"), "PPK", "P").await?,
            Some(ids) => self.reports_by_id(ids).await?,
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let r = decode(&item)?;
            if r.status == Status::Published {
                out.push(Candidate::from(&r));
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

#[async_trait]
impl Checkpoints for DynamoStore {
    async fn checkpoint(&self, source_id: &str) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s("CP"))
            .key("SK", s(source_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item().and_then(|i| get_s(i, "value")).map(String::from))
    }

    async fn advance_checkpoint(
        &self,
        source_id: &str,
        from: Option<&str>,
        to: &str,
    ) -> Result<bool, StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("PK", s("CP"))
            .item("SK", s(source_id))
            .item("value", s(to))
            .item("updated", s(ts(&Utc::now())));
        put = match from {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(f) => put
                .condition_expression("#v = :from")
                .expression_attribute_names("#v", "value")
                .expression_attribute_values(":from", s(f)),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk(e)),
        }
    }
}

#[async_trait]
impl SourceHealthLog for DynamoStore {
    async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let mut out = Vec::new();
        for item in self.query_all(None, "PK", "HEALTH").await? {
            let body = get_s(&item, "body").unwrap_or("{}");
            out.push(serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }

    async fn record_source_run(&self, update: &HealthUpdate) -> Result<SourceHealth, StoreError> {
        // Optimistic: read the health and its revision, write it back only if the revision is
        // unchanged, else read again. Overlapping runs are rare and short, so few rounds.
        for _ in 0..HEALTH_ROUNDS {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("PK", s("HEALTH"))
                .key("SK", s(&update.source_id))
                .consistent_read(true)
                .send()
                .await
                .map_err(sdk)?;
            let stored = out.item();
            let mut health: SourceHealth = match stored.and_then(|i| get_s(i, "body")) {
                Some(body) => {
                    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))?
                }
                None => SourceHealth::default(),
            };
            let revision = stored.and_then(|i| get_n(i, "rev"));
            update.apply(&mut health);
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("PK", s("HEALTH"))
                .item("SK", s(&update.source_id))
                .item(
                    "body",
                    s(serde_json::to_string(&health).map_err(unavailable)?),
                )
                .item("rev", n(revision.unwrap_or(0) + 1));
            put = match (stored, revision) {
                (None, _) => put.condition_expression("attribute_not_exists(PK)"),
                (Some(_), None) => put.condition_expression("attribute_not_exists(rev)"),
                (Some(_), Some(r)) => put
                    .condition_expression("rev = :rev")
                    .expression_attribute_values(":rev", n(r)),
            };
            match put.send().await {
                Ok(_) => return Ok(health),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(sdk(e)),
            }
        }
        Err(StoreError::Unavailable(format!(
            "health of {}: changed by other runs {HEALTH_ROUNDS} times in a row",
            update.source_id
        )))
    }
}

#[async_trait]
impl ChangeFeed for DynamoStore {
    async fn list_changes(
        &self,
        since: Option<&str>,
        limit: usize,
    ) -> Result<ChangePage, StoreError> {
        let now = Utc::now();
        let overlap = i64::try_from(self.change_overlap.as_micros()).unwrap_or(i64::MAX);
        let settled = now.timestamp_micros().saturating_sub(overlap);
        let Some(since) = since else {
            return Ok(ChangePage {
                items: Vec::new(),
                cursor: ChangePosition::at(settled).cursor(),
                more: false,
            });
        };
        let since = ChangePosition::parse(since, now)?;
        let limit = limit.clamp(1, 1000);
        let hour = |t: i64| t - t.rem_euclid(CHANGE_BUCKET_MICROS);
        let live = hour(now.timestamp_micros());
        let mut bucket = hour(since.micros);
        let mut from = since.clone();
        let mut found: Vec<(ChangePosition, Item)> = Vec::new();
        let mut walked = 0;
        // Whether more remain, and where the read stopped when it ended on an older hour
        // read to its end (the next read starts at the following hour).
        let (more, next_hour) = loop {
            let got = self
                .changes_in(bucket, &from, limit + 1 - found.len())
                .await?;
            walked += 1;
            let quiet = got.is_empty();
            found.extend(got);
            if found.len() > limit {
                found.truncate(limit);
                break (true, None);
            }
            if bucket >= live {
                break (false, None);
            }
            let following = bucket + CHANGE_BUCKET_MICROS;
            if (quiet && found.is_empty()) || walked >= CHANGE_BUCKETS_PER_READ {
                break (following <= settled, Some(following));
            }
            bucket = following;
            from = ChangePosition::at(following);
        };
        let positions: Vec<ChangePosition> = found.iter().map(|(p, _)| p.clone()).collect();
        let (keep, next) = match next_hour {
            // Everything before that hour was read, and is settled.
            Some(following) if more => (found.len(), ChangePosition::at(following)),
            _ => settle_page(&positions, &since, more, settled),
        };
        found.truncate(keep);
        let reports = found
            .iter()
            .map(|(_, item)| decode(item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChangePage {
            items: self.with_cluster_sizes(reports).await?,
            cursor: next.cursor(),
            more,
        })
    }
}

#[async_trait]
impl RoomStore for DynamoStore {
    async fn rooms(&self) -> Result<Option<Rooms>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s("ROOMS"))
            .key("SK", s("ROOMS"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let items: Vec<Room> = serde_json::from_str(get_s(item, "body").unwrap_or("[]"))
            .map_err(|e| StoreError::Corrupt(format!("rooms: {e}")))?;
        Ok(Some(Rooms {
            items,
            version: get_n(item, "version").unwrap_or(0).max(0) as u64,
        }))
    }

    async fn save_rooms(&self, items: &[Room], expected_version: u64) -> Result<Rooms, StoreError> {
        let version = expected_version + 1;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("PK", s("ROOMS"))
            .item("SK", s("ROOMS"))
            .item(
                "body",
                s(serde_json::to_string(items).map_err(unavailable)?),
            )
            .item("version", n(version));
        let put = if expected_version == 0 {
            put.condition_expression("attribute_not_exists(PK)")
        } else {
            put.condition_expression("version = :expected")
                .expression_attribute_values(":expected", n(expected_version))
        };
        match put.send().await {
            Ok(_) => Ok(Rooms {
                items: items.to_vec(),
                version,
            }),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                let current = self.rooms().await?.map_or(0, |r| r.version);
                Err(StoreError::Conflict {
                    id: "rooms".into(),
                    expected: expected_version,
                    current,
                })
            }
            Err(e) => Err(sdk(e)),
        }
    }
}

#[async_trait]
impl TokenStore for DynamoStore {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("PK", s("TOKEN"))
            .item("SK", s(&token.id))
            .item("name", s(&token.name))
            .item("role", s(token.role.as_str()))
            .item("hash", s(&token.hash))
            .item("created", s(ts(&token.created_at)))
            .condition_expression("attribute_not_exists(PK)");
        if let Some(r) = &token.revoked_at {
            put = put.item("revoked", s(ts(r)));
        }
        if let Some(by) = &token.created_by {
            put = put.item("created_by", s(by));
        }
        if let Some(by) = &token.revoked_by {
            put = put.item("revoked_by", s(by));
        }
        put.send().await.map_err(sdk)?;
        Ok(())
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self
            .list_tokens()
            .await?
            .into_iter()
            .find(|t| t.hash == hash))
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let time = |v: Option<&str>| {
            v.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let mut out = Vec::new();
        for item in self.query_all(None, "PK", "TOKEN").await? {
            out.push(TokenRecord {
                id: get_s(&item, "SK").unwrap_or_default().into(),
                name: get_s(&item, "name").unwrap_or_default().into(),
                role: get_s(&item, "role")
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
                hash: get_s(&item, "hash").unwrap_or_default().into(),
                created_at: time(get_s(&item, "created")).unwrap_or_default(),
                revoked_at: time(get_s(&item, "revoked")),
                created_by: get_s(&item, "created_by").map(str::to_string),
                revoked_by: get_s(&item, "revoked_by").map(str::to_string),
            });
        }
        out.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    async fn revoke_token(&self, id: &str, at: DateTime<Utc>, by: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s("TOKEN"))
            .key("SK", s(id))
            .update_expression(
                "SET revoked = if_not_exists(revoked, :at), revoked_by = if_not_exists(revoked_by, :by)",
            )
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":at", s(ts(&at)))
            .expression_attribute_values(":by", s(by))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::NotFound(format!("token {id}")))
            }
            Err(e) => Err(sdk(e)),
        }
    }
}
