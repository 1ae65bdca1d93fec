//! The fingerprint journal: one item per stored batch with the fingerprints and address keys
//! of its reports, where near copies and hand entries are looked for (never per post).

use super::*;

/// The fingerprints and address keys of recently stored reports, as read from the journal.
#[derive(Default)]
pub(super) struct Journal {
    /// Time (microseconds) of the newest journal item read.
    pub(super) read_to: Option<i64>,
    pub(super) known: HashSet<String>,
    pub(super) entries: Vec<ClusterCandidate>,
    pub(super) by_band: HashMap<String, Vec<usize>>,
    /// Report ids by [`url_key`] of their canonical address.
    pub(super) by_url: HashMap<String, Vec<String>>,
}

/// One line of the journal: a report, its cluster, its fingerprint (empty when its text is too
/// short for one) and the key of its address (absent for a post without one).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct JournalEntry {
    pub(super) candidate: ClusterCandidate,
    pub(super) url_key: Option<String>,
}

impl JournalEntry {
    /// The entry of a report, or `None` when there is nothing to find it by.
    pub(super) fn of(r: &Report) -> Option<JournalEntry> {
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
    pub(super) fn add(&mut self, entry: JournalEntry) {
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

/// One journal entry a line: id, cluster (empty when the report starts its own), fingerprint
/// (empty when none), address key (empty when none; absent from lines written before it).
pub(super) fn journal_lines(entries: &[JournalEntry]) -> String {
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

pub(super) fn journal_entries(text: &str) -> Vec<JournalEntry> {
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

impl DynamoStore {
    /// Reads the journal items written since the last read (the whole window the first time).
    pub(super) async fn refresh_journal(&self) -> Result<(), StoreError> {
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
                    .expression_attribute_values(":j", s(JOURNAL))
                    .expression_attribute_values(":from", s(format!("{from:020}")))
            },
            |page| {
                for item in page.items() {
                    let at = get_s(item, SK)
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
    pub(super) async fn write_journal(&self, entries: Vec<JournalEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let now = Utc::now().timestamp_micros();
        let mut items = Vec::new();
        for chunk in entries.chunks(JOURNAL_CHUNK) {
            items.push(HashMap::from([
                (PK.into(), s(JOURNAL)),
                (
                    SK.into(),
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
}
