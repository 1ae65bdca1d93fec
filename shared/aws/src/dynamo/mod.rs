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
    cursor_position, entries_by_report, opaque_cursor, settle_page, ChangeFeed, ChangeFrom,
    ChangePage, ChangePosition, Checkpoints, ClusterCandidate, Clusters, Counts, HealthUpdate,
    Page, PublishedReader, ReportQuery, Reports, Room, RoomStore, Rooms, SourceHealth,
    SourceHealthLog, Spread, StoreError, TokenRecord, TokenStore, CHANGES_OVERLAP,
};
use vigie_domain::public::Candidate;
use vigie_domain::report::{HistoryEntry, Report};
use vigie_domain::taxonomy::Status;

mod item;
mod journal;
mod keys;
mod paging;
mod ports;
mod schema;
mod usage;

use item::*;
use journal::*;
use keys::*;
pub use usage::Usage;

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

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn sdk<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_dynamodb::error::SdkError<E, R>,
) -> StoreError {
    StoreError::Unavailable(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
}

/// How many times a health update is tried against concurrent writers.
const HEALTH_ROUNDS: usize = 16;

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

    /// Sets the first wait before unprocessed batch items are sent again.
    pub fn with_backoff(mut self, backoff: Duration) -> DynamoStore {
        self.backoff = backoff;
        self
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
                    .expression_attribute_values(":c", s(cluster_pk(cluster)))
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
                        (PK.to_string(), s(report_pk(id))),
                        (SK.to_string(), s(REPORT_SK)),
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
                        .expression_attribute_values(":pk", s(status_pk(status)))
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
        fetched.sort_by(|a, b| get_s(&a.1, SSK).cmp(&get_s(&b.1, SSK)));
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
            .query_all(Some("cluster"), CPK, &cluster_pk(cluster))
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
            .key(PK, s(report_pk(id)))
            .key(SK, s(REPORT_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.item().map(decode).transpose()
    }
}
