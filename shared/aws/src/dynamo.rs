//! The DynamoDB report store: one table, keys and indexes chosen per access pattern. No Scan
//! anywhere: every read is a GetItem or a Query.
//!
//! | access pattern | key or index |
//! | --- | --- |
//! | report by id | `PK = R#<id>`, `SK = R` |
//! | history of a report | `PK = R#<id>`, `SK` begins with `H#` (version, zero-padded) |
//! | reposts of a report | `PK = R#<id>`, `SK = S#<repost key>` (conditional put: counted once) |
//! | queue, all statuses | index `queue`: `QPK = Q`, `QSK = <rank>#<inverted time>#<id>` |
//! | queue by status | index `status`: `SPK = S#<status>`, same sort key |
//! | cluster members | index `cluster`: `CPK = C#<cluster>`, `CSK = <id>` |
//! | published reports (export) | sparse index `published`: `PPK = P` only while published |
//! | cluster size | `PK = C#<cluster>`, `SK = SIZE` (atomic counter) |
//! | copies by fingerprint band | `PK = B#<band>`, `SK = <report id>` |
//! | checkpoint of a source | `PK = CP`, `SK = <source>` (conditional on the value read) |
//! | health of the sources | `PK = HEALTH`, `SK = <source>` |
//! | tokens (by hash: a filter on their small partition) | `PK = TOKEN`, `SK = <token id>` |
//!
//! Writes that must not cross are conditional: a new report only if absent, an update only at
//! the expected version (with its history entry in the same transaction), a checkpoint only from
//! the value the run read.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, Put, ScalarAttributeType, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use vigie_domain::ports::{
    cursor_position, opaque_cursor, ClusterCandidate, Counts, Page, ReportQuery, ReportStore,
    SourceHealth, Spread, StoreError, TokenRecord,
};
use vigie_domain::public::Candidate;
use vigie_domain::report::{HistoryEntry, Report};
use vigie_domain::taxonomy::{Priority, Status};
use vigie_domain::text::fold;

type Item = HashMap<String, AttributeValue>;

/// Items stay well under DynamoDB's 400 KB: a longer post text is cut with a marker.
const TEXT_LIMIT: usize = 100_000;

pub struct DynamoStore {
    client: Client,
    table: String,
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

/// Priority first, then the most recent, then the id: one string that sorts as the queue does.
fn queue_key(r: &Report) -> String {
    let inverted = i64::MAX - r.posted_at.timestamp_micros();
    format!("{}#{inverted:020}#{}", r.effective_priority().rank(), r.id)
}

fn report_item(r: &Report) -> Result<Item, StoreError> {
    let mut stored = r.clone();
    if stored.text.len() > TEXT_LIMIT {
        let mut cut = TEXT_LIMIT;
        while !stored.text.is_char_boundary(cut) {
            cut -= 1;
        }
        stored.text.truncate(cut);
        stored.text.push_str(" […texte coupé]");
    }
    let body = serde_json::to_string(&stored).map_err(unavailable)?;
    let key = queue_key(r);
    let mut item: Item = HashMap::from([
        ("PK".into(), s(format!("R#{}", r.id))),
        ("SK".into(), s("R")),
        ("body".into(), s(body)),
        ("version".into(), n(r.version)),
        ("status".into(), s(r.status.as_str())),
        ("category".into(), s(r.effective_category().as_str())),
        ("rank".into(), n(r.effective_priority().rank())),
        ("verification".into(), s(r.verification.as_str())),
        ("network".into(), s(&r.network)),
        ("escalated".into(), AttributeValue::Bool(r.escalated)),
        ("cluster".into(), s(&r.cluster_id)),
        ("posted".into(), s(ts(&r.posted_at))),
        (
            "search".into(),
            s(fold(&format!(
                "{} {}",
                stored.text,
                r.summary.as_deref().unwrap_or("")
            ))),
        ),
        ("QPK".into(), s("Q")),
        ("QSK".into(), s(&key)),
        ("SPK".into(), s(format!("S#{}", r.status.as_str()))),
        ("SSK".into(), s(&key)),
        ("CPK".into(), s(format!("C#{}", r.cluster_id))),
        ("CSK".into(), s(&r.id)),
    ]);
    if let Some(loc) = &r.location {
        if let Some(p) = &loc.place {
            item.insert("place".into(), s(p.to_lowercase()));
        }
        if let Some(i) = &loc.insee {
            item.insert("insee".into(), s(i));
        }
    }
    if r.status == Status::Published {
        item.insert("PPK".into(), s("P"));
        item.insert("PSK".into(), s(&r.id));
    }
    Ok(item)
}

fn decode(item: &Item) -> Result<Report, StoreError> {
    let body = get_s(item, "body")
        .ok_or_else(|| StoreError::Corrupt("report item without body".into()))?;
    let mut r: Report =
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("report item: {e}")))?;
    r.spread_count = get_n(item, "spread").unwrap_or(0).max(0) as u32;
    Ok(r)
}

fn encode_cursor(item: &Item, index: &str) -> String {
    let keys: BTreeMap<&str, &str> = ["PK", "SK", "QPK", "QSK", "SPK", "SSK", "CPK", "CSK"]
        .iter()
        .filter(|k| match index {
            "queue" => matches!(**k, "PK" | "SK" | "QPK" | "QSK"),
            "status" => matches!(**k, "PK" | "SK" | "SPK" | "SSK"),
            _ => matches!(**k, "PK" | "SK" | "CPK" | "CSK"),
        })
        .filter_map(|k| get_s(item, k).map(|v| (*k, v)))
        .collect();
    opaque_cursor(&serde_json::to_string(&keys).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> Result<Item, StoreError> {
    let map: BTreeMap<String, String> =
        serde_json::from_str(&cursor_position(cursor, 2000)?).map_err(|_| StoreError::BadCursor)?;
    if !map.contains_key("PK") {
        return Err(StoreError::BadCursor);
    }
    Ok(map.into_iter().map(|(k, v)| (k, s(v))).collect())
}

impl DynamoStore {
    pub fn new(config: &aws_config::SdkConfig, table: &str) -> DynamoStore {
        DynamoStore {
            client: Client::new(config),
            table: table.to_string(),
        }
    }

    /// Creates the table with its indexes (on demand). The cloud stack creates it from the
    /// template; this is for DynamoDB Local and tests.
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
        let index = |name: &str, pk: &str, sk: &str| -> Result<GlobalSecondaryIndex, StoreError> {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(unavailable)
        };
        let mut req = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?);
        for a in [
            "PK", "SK", "QPK", "QSK", "SPK", "SSK", "CPK", "CSK", "PPK", "PSK",
        ] {
            req = req.attribute_definitions(attr(a)?);
        }
        req.global_secondary_indexes(index("queue", "QPK", "QSK")?)
            .global_secondary_indexes(index("status", "SPK", "SSK")?)
            .global_secondary_indexes(index("cluster", "CPK", "CSK")?)
            .global_secondary_indexes(index("published", "PPK", "PSK")?)
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

    async fn cluster_size(&self, cluster: &str) -> Result<u32, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(format!("C#{cluster}")))
            .key("SK", s("SIZE"))
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item().and_then(|i| get_n(i, "n")).unwrap_or(1).max(1) as u32)
    }

    async fn with_cluster_size(&self, mut r: Report) -> Result<Report, StoreError> {
        r.cluster_size = self.cluster_size(&r.cluster_id).await?;
        Ok(r)
    }

    /// Every item of a partition (or an index partition), page after page.
    async fn query_all(
        &self,
        index: Option<&str>,
        pk_name: &str,
        pk: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", pk_name)
                .expression_attribute_values(":pk", s(pk))
                .set_exclusive_start_key(start.take());
            if let Some(i) = index {
                q = q.index_name(i);
            }
            let page = q.send().await.map_err(sdk)?;
            out.extend(page.items().iter().cloned());
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl ReportStore for DynamoStore {
    async fn insert_reports(&self, reports: &[Report]) -> Result<Vec<bool>, StoreError> {
        let mut out = Vec::with_capacity(reports.len());
        for r in reports {
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(report_item(r)?))
                .condition_expression("attribute_not_exists(PK)")
                .send()
                .await;
            match put {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
                {
                    out.push(false);
                    continue;
                }
                Err(e) => return Err(sdk(e)),
            }
            self.client
                .update_item()
                .table_name(&self.table)
                .key("PK", s(format!("C#{}", r.cluster_id)))
                .key("SK", s("SIZE"))
                .update_expression("ADD n :one")
                .expression_attribute_values(":one", n(1))
                .send()
                .await
                .map_err(sdk)?;
            if let Some(fp) = r.fingerprint() {
                for band in fp.bands() {
                    self.client
                        .put_item()
                        .table_name(&self.table)
                        .item("PK", s(format!("B#{band}")))
                        .item("SK", s(&r.id))
                        .item("cluster", s(&r.cluster_id))
                        .item("fp", s(fp.to_hex()))
                        .send()
                        .await
                        .map_err(sdk)?;
                }
            }
            out.push(true);
        }
        Ok(out)
    }

    async fn cluster_candidates(
        &self,
        bands: &[String],
    ) -> Result<Vec<ClusterCandidate>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut unique: Vec<&String> = bands.iter().collect();
        unique.sort();
        unique.dedup();
        for band in unique {
            for item in self.query_all(None, "PK", &format!("B#{band}")).await? {
                let (Some(id), Some(cluster), Some(fp)) = (
                    get_s(&item, "SK"),
                    get_s(&item, "cluster"),
                    get_s(&item, "fp"),
                ) else {
                    continue;
                };
                if seen.insert(id.to_string()) {
                    out.push(ClusterCandidate {
                        report_id: id.into(),
                        cluster_id: cluster.into(),
                        fingerprint: fp.into(),
                    });
                }
            }
        }
        Ok(out)
    }

    async fn get_report(&self, id: &str) -> Result<Option<Report>, StoreError> {
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
        match out.item() {
            Some(item) => Ok(Some(self.with_cluster_size(decode(item)?).await?)),
            None => Ok(None),
        }
    }

    async fn list_reports(&self, query: &ReportQuery) -> Result<Page, StoreError> {
        let limit = query.limit.clamp(1, 200);
        let (index, pk_name, pk) = match (&query.cluster, query.status) {
            (Some(c), _) => ("cluster", "CPK", format!("C#{c}")),
            (None, Some(st)) => ("status", "SPK", format!("S#{}", st.as_str())),
            (None, None) => ("queue", "QPK", "Q".to_string()),
        };
        let mut filters = Vec::new();
        let mut values: HashMap<String, AttributeValue> =
            HashMap::from([(":pk".to_string(), s(&pk))]);
        let mut names: HashMap<String, String> =
            HashMap::from([("#pk".to_string(), pk_name.to_string())]);
        if let (Some(st), Some(_)) = (query.status, &query.cluster) {
            filters.push("#status = :status".to_string());
            names.insert("#status".into(), "status".into());
            values.insert(":status".into(), s(st.as_str()));
        }
        if let Some(c) = query.category {
            filters.push("#category = :category".into());
            names.insert("#category".into(), "category".into());
            values.insert(":category".into(), s(c.as_str()));
        }
        if let Some(p) = query.priority {
            filters.push("#rank = :rank".into());
            names.insert("#rank".into(), "rank".into());
            values.insert(":rank".into(), n(p.rank()));
        }
        if let Some(v) = query.verification {
            filters.push("#verification = :verification".into());
            names.insert("#verification".into(), "verification".into());
            values.insert(":verification".into(), s(v.as_str()));
        }
        if let Some(net) = &query.network {
            filters.push("#network = :network".into());
            names.insert("#network".into(), "network".into());
            values.insert(":network".into(), s(net));
        }
        if let Some(e) = query.escalated {
            filters.push("#escalated = :escalated".into());
            names.insert("#escalated".into(), "escalated".into());
            values.insert(":escalated".into(), AttributeValue::Bool(e));
        }
        if let Some(p) = &query.place {
            filters.push("(#insee = :place OR #place = :placelower)".into());
            names.insert("#insee".into(), "insee".into());
            names.insert("#place".into(), "place".into());
            values.insert(":place".into(), s(p));
            values.insert(":placelower".into(), s(p.to_lowercase()));
        }
        if let Some(q) = &query.q {
            for (i, word) in fold(q).split_whitespace().enumerate() {
                filters.push(format!("contains(#search, :w{i})"));
                names.insert("#search".into(), "search".into());
                values.insert(format!(":w{i}"), s(format!(" {word}")));
            }
        }
        let mut start = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let mut items: Vec<Item> = Vec::new();
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#pk = :pk")
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .set_exclusive_start_key(start.take())
                .limit((limit + 1) as i32);
            if !filters.is_empty() {
                q = q.filter_expression(filters.join(" AND "));
            }
            let page = q.send().await.map_err(sdk)?;
            items.extend(page.items().iter().cloned());
            if items.len() > limit {
                break;
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|i| encode_cursor(i, index))
        } else {
            None
        };
        let mut reports = Vec::with_capacity(items.len());
        let mut sizes: HashMap<String, u32> = HashMap::new();
        for item in &items {
            let mut r = decode(item)?;
            let size = match sizes.get(&r.cluster_id) {
                Some(n) => *n,
                None => {
                    let n = self.cluster_size(&r.cluster_id).await?;
                    sizes.insert(r.cluster_id.clone(), n);
                    n
                }
            };
            r.cluster_size = size;
            reports.push(r);
        }
        if index == "cluster" {
            reports.sort_by_key(queue_key);
        }
        Ok(Page {
            items: reports,
            next_cursor,
        })
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
        let history: Item = HashMap::from([
            ("PK".into(), s(format!("R#{}", next.id))),
            ("SK".into(), s(format!("H#{:012}", next.version))),
            ("at".into(), s(ts(&entry.at))),
            ("actor".into(), s(&entry.actor)),
            ("action".into(), s(&entry.action)),
            ("changes".into(), s(entry.changes.to_string())),
        ]);
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

    async fn history(&self, report_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let items = self
            .query_all(None, "PK", &format!("R#{report_id}"))
            .await?;
        let mut out = Vec::new();
        for item in items
            .iter()
            .filter(|i| get_s(i, "SK").is_some_and(|k| k.starts_with("H#")))
        {
            let version: u64 = get_s(item, "SK")
                .and_then(|k| k[2..].parse().ok())
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
        for item in self.query_all(Some("queue"), "QPK", "Q").await? {
            counts.total += 1;
            for (map, key) in [
                (&mut counts.by_status, "status"),
                (&mut counts.by_category, "category"),
                (&mut counts.by_network, "network"),
            ] {
                if let Some(v) = get_s(&item, key) {
                    *map.entry(v.to_string()).or_default() += 1;
                }
            }
            if let Some(rank) = get_n(&item, "rank") {
                if let Some(p) = Priority::ALL.iter().find(|p| i64::from(p.rank()) == rank) {
                    *counts
                        .by_priority
                        .entry(p.as_str().to_string())
                        .or_default() += 1;
                }
            }
            if let Some(posted) = get_s(&item, "posted") {
                *counts
                    .by_hour
                    .entry(posted.chars().take(13).collect())
                    .or_default() += 1;
            }
            if item
                .get("escalated")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false)
            {
                if let Ok(r) = decode(&item) {
                    if r.acknowledged_at.is_none() {
                        counts.escalated_waiting += 1;
                    }
                }
            }
        }
        Ok(counts)
    }

    async fn published_reports(&self) -> Result<Vec<Report>, StoreError> {
        let mut out = Vec::new();
        for item in self.query_all(Some("published"), "PPK", "P").await? {
            out.push(self.with_cluster_size(decode(&item)?).await?);
        }
        Ok(out)
    }

    async fn published_candidates(&self) -> Result<Vec<Candidate>, StoreError> {
        let mut out = Vec::new();
        for item in self.query_all(Some("published"), "PPK", "P").await? {
            out.push(Candidate::from(&decode(&item)?));
        }
        Ok(out)
    }

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
                .update_expression("ADD spread :one")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":one", n(1))
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

    async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let mut out = Vec::new();
        for item in self.query_all(None, "PK", "HEALTH").await? {
            let body = get_s(&item, "body").unwrap_or("{}");
            out.push(serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        }
        Ok(out)
    }

    async fn put_source_health(&self, health: &SourceHealth) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("PK", s("HEALTH"))
            .item("SK", s(&health.source_id))
            .item(
                "body",
                s(serde_json::to_string(health).map_err(unavailable)?),
            )
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

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
            });
        }
        out.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    async fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s("TOKEN"))
            .key("SK", s(id))
            .update_expression("SET revoked = if_not_exists(revoked, :at)")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":at", s(ts(&at)))
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
