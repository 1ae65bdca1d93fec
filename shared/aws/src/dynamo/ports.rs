//! The store's ports, implemented over the helpers of the sibling modules.

use super::*;

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
            .key(PK, s(report_pk(&next.id)))
            .key(SK, s(REPORT_SK))
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
            SK.into(),
            s(format!("{}#{when:020}", history_sk(entry.version))),
        );
        if self.get_plain(&entry.report_id).await?.is_none() {
            return Err(StoreError::NotFound(format!("report {}", entry.report_id)));
        }
        // The same entry again (the same nanosecond) is kept once.
        self.put_new(item).await?;
        Ok(())
    }

    async fn history(&self, report_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let items = self.query_all(None, PK, &report_pk(report_id)).await?;
        let mut out = Vec::new();
        for item in items
            .iter()
            .filter(|i| get_s(i, SK).is_some_and(|k| k.starts_with(HISTORY_PREFIX)))
        {
            // H#<version>, or H#<version>#<when> for an entry appended beside a version.
            let version: u64 = get_s(item, SK)
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
            for item in self.query_all(Some("status"), SPK, &status_pk(st)).await? {
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
                .item(PK, s(report_pk(&sp.report_id)))
                .item(SK, s(spread_sk(&sp.key)))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(unavailable)?;
            let count = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .key(PK, s(report_pk(&sp.report_id)))
                .key(SK, s(REPORT_SK))
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
                    .expression_attribute_values(":p", s(PUBLISHED))
                    .projection_expression("PSK, version")
            },
            |page| {
                for item in page.items() {
                    let id = get_s(item, PSK).ok_or_else(|| {
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
            None => self.query_all(Some("published"), PPK, PUBLISHED).await?,
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
            .key(PK, s(CHECKPOINTS))
            .key(SK, s(source_id))
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
            .item(PK, s(CHECKPOINTS))
            .item(SK, s(source_id))
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
        for item in self.query_all(None, PK, HEALTH).await? {
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
                .key(PK, s(HEALTH))
                .key(SK, s(&update.source_id))
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
                .item(PK, s(HEALTH))
                .item(SK, s(&update.source_id))
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
    fn change_overlap(&self) -> std::time::Duration {
        self.change_overlap
    }

    async fn changes_from(&self, from: ChangeFrom) -> Result<ChangePage, StoreError> {
        let ChangeFrom {
            since,
            limit,
            settled,
            now,
        } = from;
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
            .key(PK, s(ROOMS))
            .key(SK, s(ROOMS))
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
            .item(PK, s(ROOMS))
            .item(SK, s(ROOMS))
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
            .item(PK, s(TOKENS))
            .item(SK, s(&token.id))
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
        for item in self.query_all(None, PK, TOKENS).await? {
            out.push(TokenRecord {
                id: get_s(&item, SK).unwrap_or_default().into(),
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
            .key(PK, s(TOKENS))
            .key(SK, s(id))
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
