//! The ports: what the use cases need from storage, publication and notification. The
//! embedded adapters (SQLite, a folder, a webhook) and the cloud ones (DynamoDB, S3, SNS)
//! implement them; one conformance suite checks every adapter of a port.

use crate::report::{HistoryEntry, Report};
use crate::taxonomy::{Category, Priority, Role, Status, Verification};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("report {id} changed since version {expected} (now {current})")]
    Conflict {
        id: String,
        expected: u64,
        current: u64,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("the store holds data this version cannot read: {0}")]
    Corrupt(String),
    #[error("invalid cursor")]
    BadCursor,
}

/// Turns a store's position (the sort key of a page's last report) into the opaque cursor the
/// API hands out: hex, so clients treat it as a token and never build one.
pub fn opaque_cursor(position: &str) -> String {
    hex::encode(position)
}

/// The position inside a cursor from [`opaque_cursor`]; anything else is [`StoreError::BadCursor`].
pub fn cursor_position(cursor: &str, max_len: usize) -> Result<String, StoreError> {
    if cursor.len() > max_len {
        return Err(StoreError::BadCursor);
    }
    let bytes = hex::decode(cursor).map_err(|_| StoreError::BadCursor)?;
    String::from_utf8(bytes).map_err(|_| StoreError::BadCursor)
}

/// How far behind the moment it is given a change cursor points. A store stamps each report
/// write with its own clock, but a write stamped a moment ago may not be visible yet (a
/// DynamoDB index is eventually consistent; two writers may commit out of stamp order): a
/// cursor never claims more than what was surely visible, so a client sees the changes of the
/// last few seconds twice and keeps only the versions it does not have.
pub const CHANGES_OVERLAP: std::time::Duration = std::time::Duration::from_secs(5);

/// A change cursor older than this is refused ([`StoreError::BadCursor`]): a client that was
/// away that long reloads the table instead.
pub const CHANGES_MAX_AGE_DAYS: i64 = 7;

/// Where a client is in the feed of changes: after the change of `id` at `micros` (store time,
/// microseconds since the epoch), or, without `id`, at `micros` (every change at or after it
/// is still to come). Ordered as the feed is: by time, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangePosition {
    pub micros: i64,
    pub id: Option<String>,
}

impl ChangePosition {
    /// Every change at or after `micros`.
    pub fn at(micros: i64) -> ChangePosition {
        ChangePosition { micros, id: None }
    }

    /// Just after the change of `id` stamped `micros`.
    pub fn after(micros: i64, id: &str) -> ChangePosition {
        ChangePosition {
            micros,
            id: Some(id.to_string()),
        }
    }

    /// The sort key of a change at this position: zero-padded time, then `#id`. A change
    /// `(t, id)` comes after a position exactly when its key is greater than this one.
    pub fn key(&self) -> String {
        match &self.id {
            None => format!("{:020}", self.micros),
            Some(id) => format!("{:020}#{id}", self.micros),
        }
    }

    /// The opaque cursor the API hands out.
    pub fn cursor(&self) -> String {
        opaque_cursor(&self.key())
    }

    /// A cursor from [`ChangePosition::cursor`]; anything else, or one older than
    /// [`CHANGES_MAX_AGE_DAYS`] before `now`, is [`StoreError::BadCursor`].
    pub fn parse(cursor: &str, now: DateTime<Utc>) -> Result<ChangePosition, StoreError> {
        let key = cursor_position(cursor, 600)?;
        let (time, id) = match key.split_once('#') {
            Some((t, id)) if !id.is_empty() => (t, Some(id.to_string())),
            Some(_) => return Err(StoreError::BadCursor),
            None => (key.as_str(), None),
        };
        if time.len() != 20 || !time.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::BadCursor);
        }
        let micros: i64 = time.parse().map_err(|_| StoreError::BadCursor)?;
        let oldest = (now - chrono::Duration::days(CHANGES_MAX_AGE_DAYS)).timestamp_micros();
        if micros < oldest {
            return Err(StoreError::BadCursor);
        }
        Ok(ChangePosition { micros, id })
    }
}

/// A read of the feed of changes, begun the same way by every store: without a cursor, no
/// change and the cursor where a client starts; with one, where to read from.
pub enum ChangeRead {
    /// The answer already: no cursor was given.
    Start(ChangePage),
    /// Read from there.
    From(ChangeFrom),
}

/// Where a store reads the feed of changes from: the changes at or after `since`, at most
/// `limit` (clamped to 1 to 1000); `settled` is the read time `now` less the overlap, for
/// [`settle_page`].
pub struct ChangeFrom {
    pub since: ChangePosition,
    pub limit: usize,
    pub settled: i64,
    pub now: DateTime<Utc>,
}

impl ChangeRead {
    /// Begins a read at `now`, a store's cursors pointing `overlap` behind it.
    pub fn begin(
        since: Option<&str>,
        limit: usize,
        overlap: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<ChangeRead, StoreError> {
        let overlap = i64::try_from(overlap.as_micros()).unwrap_or(i64::MAX);
        let settled = now.timestamp_micros().saturating_sub(overlap);
        let Some(since) = since else {
            return Ok(ChangeRead::Start(ChangePage {
                items: Vec::new(),
                cursor: ChangePosition::at(settled).cursor(),
                more: false,
            }));
        };
        Ok(ChangeRead::From(ChangeFrom {
            since: ChangePosition::parse(since, now)?,
            limit: limit.clamp(1, 1000),
            settled,
            now,
        }))
    }
}

/// How much of a page read from `since` to answer, and where the next call starts.
/// `positions` are those of the changes read (oldest first), `more` whether more were left
/// unread, `settled` the read time less the overlap ([`CHANGES_OVERLAP`]).
///
/// - Read to the end: every change, and the cursor moves to `settled` (never back), so the
///   changes of the last moments come again once they may all be visible. Nothing read: the
///   cursor stays (the same cursor, the same ETag).
/// - More to come: the page stops at its last settled change, and the cursor is just after
///   it; a page with no settled change at all (more than a page changed within the overlap)
///   is answered whole and the cursor goes past it, so paging always moves on.
pub fn settle_page(
    positions: &[ChangePosition],
    since: &ChangePosition,
    more: bool,
    settled: i64,
) -> (usize, ChangePosition) {
    let settled = ChangePosition::at(settled);
    match positions.last() {
        None => (0, since.clone()),
        Some(_) if !more => (positions.len(), settled.max(since.clone())),
        Some(last) => match positions.iter().rposition(|p| *p < settled) {
            Some(i) => (i + 1, positions[i].clone()),
            None => (positions.len(), last.clone()),
        },
    }
}

/// One answer of the feed of changes: reports created or changed from a position, oldest
/// change first, the cursor to call again with, and whether more are waiting already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePage {
    pub items: Vec<Report>,
    pub cursor: String,
    pub more: bool,
}

/// A topic room: a saved view of the queue shared by the team (`params` are `/reports`
/// filters, by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub params: std::collections::BTreeMap<String, String>,
}

/// The team's rooms as stored, with their version (0: never saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rooms {
    pub items: Vec<Room>,
    pub version: u64,
}

impl Rooms {
    /// The rooms a team starts with, before a coordinator saves its own.
    pub fn defaults() -> Rooms {
        let room = |id: &str, name: &str, key: &str, value: &str| Room {
            id: id.into(),
            name: name.into(),
            params: [(key.to_string(), value.to_string())].into(),
        };
        Rooms {
            items: vec![
                room("secours", "Secours", "category", "rescue"),
                room("meteo", "Météo", "category", "weather"),
                room("reseaux", "Réseaux", "status", "new"),
                room("rumeurs", "Rumeurs", "verification", "rumor"),
                room("carto", "Carto", "status", "triaged"),
            ],
            version: 0,
        }
    }
}

/// Filters of the queue (docs/api.md, `GET /api/v1/reports`), all optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    pub verification: Option<Verification>,
    pub network: Option<String>,
    pub escalated: Option<bool>,
    /// Place name or INSEE code.
    pub place: Option<String>,
    /// Words that must all appear in the text or summary.
    pub q: Option<String>,
    /// Members of one cluster.
    pub cluster: Option<String>,
    pub cursor: Option<String>,
    pub limit: usize,
}

impl ReportQuery {
    /// Whether a report passes every filter (the cursor and limit aside): the same rules as
    /// the embedded store's SQL, for stores that filter what they read.
    pub fn matches(&self, r: &Report) -> bool {
        let place_ok = |p: &String| {
            r.location.as_ref().is_some_and(|l| {
                l.insee.as_deref() == Some(p.as_str())
                    || l.place
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(p))
            })
        };
        let words_ok = |q: &String| {
            let text = crate::text::fold(&format!(
                "{} {}",
                r.text,
                r.summary.as_deref().unwrap_or("")
            ));
            crate::text::fold(q)
                .split_whitespace()
                .all(|w| text.contains(&format!(" {w}")))
        };
        self.status.is_none_or(|s| r.status == s)
            && self.category.is_none_or(|c| r.effective_category() == c)
            && self.priority.is_none_or(|p| r.effective_priority() == p)
            && self.verification.is_none_or(|v| r.verification == v)
            && self.network.as_ref().is_none_or(|n| r.network == *n)
            && self.escalated.is_none_or(|e| r.escalated == e)
            && self.cluster.as_ref().is_none_or(|c| r.cluster_id == *c)
            && self.place.as_ref().is_none_or(place_ok)
            && self.q.as_ref().is_none_or(words_ok)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub items: Vec<Report>,
    pub next_cursor: Option<String>,
}

/// Counts of reports by status, category (effective), priority (effective), network, and by
/// hour of posting (`YYYY-MM-DDTHH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub by_status: std::collections::BTreeMap<String, u64>,
    pub by_category: std::collections::BTreeMap<String, u64>,
    pub by_priority: std::collections::BTreeMap<String, u64>,
    pub by_network: std::collections::BTreeMap<String, u64>,
    pub by_hour: std::collections::BTreeMap<String, u64>,
    pub escalated_waiting: u64,
}

impl Counts {
    /// Counts one report, as every store does.
    pub fn add(&mut self, r: &Report) {
        self.total += 1;
        *self.by_status.entry(r.status.as_str().into()).or_default() += 1;
        *self
            .by_category
            .entry(r.effective_category().as_str().into())
            .or_default() += 1;
        *self
            .by_priority
            .entry(r.effective_priority().as_str().into())
            .or_default() += 1;
        *self.by_network.entry(r.network.clone()).or_default() += 1;
        *self
            .by_hour
            .entry(r.posted_at.format("%Y-%m-%dT%H").to_string())
            .or_default() += 1;
        if r.escalated && r.acknowledged_at.is_none() {
            self.escalated_waiting += 1;
        }
    }
}

/// A report already stored that shares a fingerprint band with a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterCandidate {
    pub report_id: String,
    pub cluster_id: String,
    pub fingerprint: String,
}

/// An access token as stored: never the token itself, only its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    #[serde(skip_serializing)]
    pub hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who created it: a coordinator's token (`name (id)`) or the command that did.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Who revoked it.
    #[serde(default)]
    pub revoked_by: Option<String>,
}

/// How a collector is doing, shown to coordinators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    pub source_id: String,
    pub kind: String,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// New reports stored, all runs together.
    pub items_collected: u64,
    /// Items skipped (for any reason), all runs together.
    pub items_skipped: u64,
    /// The source asked us to wait (rate limit) until then.
    pub next_allowed_at: Option<DateTime<Utc>>,
    /// What the latest run read: a source whose every item was skipped shows here.
    #[serde(default)]
    pub last_run: Option<RunCounts>,
    /// How much of the network's allowance is used (X's posts read this month, YouTube's
    /// quota units today), for sources that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaUse>,
}

/// The use of a network's allowance in its current period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaUse {
    /// What is counted: `posts` (read), `units` (of quota).
    pub unit: String,
    /// The period, as the source names it (`2026-12` for a month, `2026-12-04` for a day).
    pub period: String,
    pub used: u64,
    pub cap: u64,
    /// When a new period starts again from nothing.
    pub resets_at: DateTime<Utc>,
}

impl QuotaUse {
    /// What `allowance` has used of `cap` in a period (its name, and when the next starts);
    /// none when the store cannot tell.
    pub async fn of(
        allowance: &dyn Allowance,
        unit: &str,
        (period, resets_at): (String, DateTime<Utc>),
        cap: u64,
    ) -> Option<QuotaUse> {
        let used = allowance.used(&period).await.ok()?;
        Some(QuotaUse {
            unit: unit.to_string(),
            period,
            used,
            cap,
            resets_at,
        })
    }
}

/// What one run of a collector read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunCounts {
    /// New reports stored.
    pub new: u64,
    /// Items already stored by an earlier run.
    pub seen: u64,
    /// Items skipped, by reason.
    #[serde(default)]
    pub skipped: Skips,
}

impl RunCounts {
    /// The run read items and every one of them was skipped.
    pub fn all_skipped(&self) -> bool {
        self.new == 0 && self.seen == 0 && self.skipped.total() > 0
    }
}

/// Why an item a source sent did not become a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The item could not be read (a field missing or of the wrong type).
    Unreadable,
    /// Nothing to read: no text, no title, no media description.
    NoText,
    /// A test, an exercise, a system message or a draft (CAP `status`).
    NotActual,
    /// Published before the crisis's `since`.
    BeforeSince,
    /// Its geometry lies wholly outside the crisis area and its margin.
    OutsideArea,
    /// No geometry, no place of the gazetteer named, from a source that does not say it
    /// covers the crisis area.
    NoPlace,
    /// Cancels an alert that was never collected (CAP `msgType` Cancel): nothing to withdraw.
    CancelsUnknown,
}

impl SkipReason {
    /// How the reason reads for a person.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Unreadable => "unreadable",
            SkipReason::NoText => "no text",
            SkipReason::NotActual => "test, exercise or system message",
            SkipReason::BeforeSince => "published before the crisis start",
            SkipReason::OutsideArea => "outside the crisis area",
            SkipReason::NoPlace => "names no place of the crisis area",
            SkipReason::CancelsUnknown => "cancels an alert never collected",
        }
    }
}

/// Skipped items counted by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Skips(BTreeMap<SkipReason, u64>);

impl Skips {
    pub fn add(&mut self, reason: SkipReason, n: u64) {
        if n > 0 {
            *self.0.entry(reason).or_default() += n;
        }
    }

    pub fn merge(&mut self, other: &Skips) {
        for (reason, n) in &other.0 {
            self.add(*reason, *n);
        }
    }

    pub fn get(&self, reason: SkipReason) -> u64 {
        self.0.get(&reason).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (SkipReason, u64)> + '_ {
        self.0.iter().map(|(r, n)| (*r, *n))
    }
}

impl From<SkipReason> for Skips {
    fn from(reason: SkipReason) -> Skips {
        let mut skips = Skips::default();
        skips.add(reason, 1);
        skips
    }
}

/// "3 skipped: outside the crisis area; 2 skipped: no text", most frequent first; "0 skipped"
/// when none was.
impl std::fmt::Display for Skips {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return write!(f, "0 skipped");
        }
        let mut by_count: Vec<(SkipReason, u64)> = self.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let parts: Vec<String> = by_count
            .iter()
            .map(|(reason, n)| format!("{n} skipped: {}", reason.label()))
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

/// What one run of a collector changes in its source's health: the times it sets and the
/// counts it adds. Stores apply it atomically against what is stored, so two runs that
/// overlap both count, instead of the last one to write overwriting the other.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthUpdate {
    pub source_id: String,
    pub kind: String,
    pub run_at: Option<DateTime<Utc>>,
    pub success_at: Option<DateTime<Utc>>,
    /// What went wrong, and when.
    pub error: Option<(String, DateTime<Utc>)>,
    /// `Some(Some(t))`: not before `t`; `Some(None)`: may be called now; `None`: unchanged.
    pub next_allowed_at: Option<Option<DateTime<Utc>>>,
    /// New reports stored by this run.
    pub collected: u64,
    /// Items this run found stored already.
    pub seen: u64,
    /// Items this run skipped, by reason.
    pub skipped: Skips,
    /// The allowance's use after this run.
    pub quota: Option<QuotaUse>,
}

impl HealthUpdate {
    /// The health after this update: times move forward only (an older run finishing last
    /// does not hide a newer one's result), counts add up.
    pub fn apply(&self, health: &mut SourceHealth) {
        fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
            a.max(b)
        }
        health.source_id.clone_from(&self.source_id);
        // The latest run's counts replace an older run's, never a newer one's.
        if self.run_at.is_some() && self.run_at >= health.last_run_at {
            health.last_run = Some(RunCounts {
                new: self.collected,
                seen: self.seen,
                skipped: self.skipped.clone(),
            });
        }
        if !self.kind.is_empty() {
            health.kind.clone_from(&self.kind);
        }
        health.last_run_at = later(health.last_run_at, self.run_at);
        health.last_success_at = later(health.last_success_at, self.success_at);
        if let Some((message, at)) = &self.error {
            if health.last_error_at.is_none_or(|t| t <= *at) {
                health.last_error = Some(message.clone());
                health.last_error_at = Some(*at);
            }
        }
        if let Some(next) = self.next_allowed_at {
            health.next_allowed_at = next;
        }
        if let Some(quota) = &self.quota {
            // A run that finished last but read its use first must not show less than another
            // run's of the same period.
            let stale = health
                .quota
                .as_ref()
                .is_some_and(|q| q.period == quota.period && q.used > quota.used);
            if !stale {
                health.quota = Some(quota.clone());
            }
        }
        health.items_collected += self.collected;
        health.items_skipped += self.skipped.total();
    }
}

/// The table of reports, with everything that must survive a restart.
/// The entries handed to [`Reports::insert_reports_with_history`], by report id, one per
/// version (a second entry for the same report and version is dropped): what a store writes
/// with each new report.
pub fn entries_by_report(entries: &[HistoryEntry]) -> HashMap<&str, Vec<&HistoryEntry>> {
    let mut out: HashMap<&str, Vec<&HistoryEntry>> = HashMap::new();
    for e in entries {
        let of_report = out.entry(e.report_id.as_str()).or_default();
        if !of_report.iter().any(|kept| kept.version == e.version) {
            of_report.push(e);
        }
    }
    out
}

/// The volunteers' table: reports, their history and their reposts.
#[async_trait]
pub trait Reports: Send + Sync {
    /// Stores new reports; a report whose id is already stored is left as it is. Returns, for
    /// each report, whether it was new. A new report joining a cluster grows that cluster.
    ///
    /// Each new report is stored together with its entries of `created` (matched by report id:
    /// who entered or imported it), in the same write, so that no report is ever stored without
    /// the start of its audit trail. The entries of a report already stored are not written.
    async fn insert_reports_with_history(
        &self,
        reports: &[Report],
        created: &[HistoryEntry],
    ) -> Result<Vec<bool>, StoreError>;

    async fn get_report(&self, id: &str) -> Result<Option<Report>, StoreError>;

    /// A stored report whose `source_url`, in [`crate::identity::canonical_url`] form, is
    /// `canonical_url`, whatever its network: a post entered by hand that was already
    /// collected. A store may bound how far back it looks (it says so in its documentation);
    /// a report stored by hand is always found by its id, which derives from this URL.
    async fn report_by_url(&self, canonical_url: &str) -> Result<Option<Report>, StoreError>;

    /// The queue: filtered, sorted by priority then recency, paged by opaque cursor.
    async fn list_reports(&self, query: &ReportQuery) -> Result<Page, StoreError>;

    /// Replaces a report if it is still at `expected_version`; the stored one gets
    /// `expected_version + 1`, and the history entry is recorded with it.
    async fn update_report(
        &self,
        report: &Report,
        expected_version: u64,
        entry: &HistoryEntry,
    ) -> Result<Report, StoreError>;

    async fn history(&self, report_id: &str) -> Result<Vec<HistoryEntry>, StoreError>;

    /// Adds `entry` to its report's history without changing the report (its version stays):
    /// what happened around the report rather than to it, such as each delivery of an
    /// escalation to the authority. Listed after the entries of its version, in the order
    /// added.
    async fn append_history(&self, entry: &HistoryEntry) -> Result<(), StoreError>;

    /// Counts over the whole table, for the coordinators' dashboard.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// Records reposts (boosts) of stored reports; a repost seen again is counted once.
    /// Returns how many were new.
    async fn add_spreads(&self, spreads: &[Spread]) -> Result<usize, StoreError>;
}

/// Finding the reports a new one may repeat, by fingerprint band.
#[async_trait]
pub trait Clusters: Send + Sync {
    /// Reports sharing any of these fingerprint bands.
    async fn cluster_candidates(
        &self,
        bands: &[String],
    ) -> Result<Vec<ClusterCandidate>, StoreError>;
}

/// What the export reads: the published reports, cheaply.
#[async_trait]
pub trait PublishedReader: Send + Sync {
    /// The id and version of every published report, in id order: what a long-running export
    /// reads each time to find which reports changed since it last rendered them.
    async fn published_versions(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// The fields the public projection reads, for the published reports among `ids` (`None`:
    /// every published report), in id order; an id not published (any more) is left out. The
    /// export's hot path, which must not decode whole reports.
    async fn published_candidates(
        &self,
        ids: Option<&[String]>,
    ) -> Result<Vec<crate::public::Candidate>, StoreError>;
}

/// Where each source's collection got to, moved only forward and only by one run at a time;
/// also where a source keeps its login session and its allowance ([`StoredSession`],
/// [`StoredAllowance`]) and the relay log ([`crate::relay::StoredRelays`]).
#[async_trait]
pub trait Checkpoints: Send + Sync {
    async fn checkpoint(&self, source_id: &str) -> Result<Option<String>, StoreError>;

    /// Moves a source's checkpoint from `from` (`None`: never set) to `to`, only if nobody
    /// moved it meanwhile. Returns false, changing nothing, when another run got there first.
    async fn advance_checkpoint(
        &self,
        source_id: &str,
        from: Option<&str>,
        to: &str,
    ) -> Result<bool, StoreError>;
}

/// How each source's runs went, for the coordinators.
#[async_trait]
pub trait SourceHealthLog: Send + Sync {
    async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError>;

    /// Applies one run's update to a source's health (created if absent) atomically, and
    /// returns the health as stored.
    async fn record_source_run(&self, update: &HealthUpdate) -> Result<SourceHealth, StoreError>;
}

/// The feed of changes the app polls.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// How far behind the time of a read the store's cursors point ([`CHANGES_OVERLAP`] but
    /// in tests), so that writes still landing at that time are read again.
    fn change_overlap(&self) -> std::time::Duration;

    /// The changes of a read begun by [`ChangeRead::begin`]: every report whose last write
    /// the store stamped at or after `from.since`, oldest first, at most `from.limit`, each
    /// once, the page settled by [`settle_page`].
    async fn changes_from(&self, from: ChangeFrom) -> Result<ChangePage, StoreError>;

    /// The feed of changes: every report whose last write (insert, update, new spread) the
    /// store stamped at or after `since` (a cursor of [`ChangePosition::cursor`]), oldest
    /// change first, at most `limit` (1 to 1000), each once, as [`Reports::list_reports`]
    /// gives it. Without `since`: no report, and the cursor where a client starts. Begun the
    /// same way for every store, which gives only [`ChangeFeed::changes_from`].
    async fn list_changes(
        &self,
        since: Option<&str>,
        limit: usize,
    ) -> Result<ChangePage, StoreError> {
        match ChangeRead::begin(since, limit, self.change_overlap(), Utc::now())? {
            ChangeRead::Start(page) => Ok(page),
            ChangeRead::From(from) => self.changes_from(from).await,
        }
    }
}

/// The team's topic rooms.
#[async_trait]
pub trait RoomStore: Send + Sync {
    /// The team's topic rooms, `None` when never saved.
    async fn rooms(&self) -> Result<Option<Rooms>, StoreError>;

    /// Saves the rooms if they are still at `expected_version` (0: never saved), returning
    /// them at their new version; [`StoreError::Conflict`] (id `rooms`) otherwise.
    async fn save_rooms(&self, items: &[Room], expected_version: u64) -> Result<Rooms, StoreError>;
}

/// Access tokens, kept by hash.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;

    /// Revokes a token, recording when and by whom (a token revoked already keeps its first
    /// revocation).
    async fn revoke_token(&self, id: &str, at: DateTime<Utc>, by: &str) -> Result<(), StoreError>;
}

/// Every port of the store at once: what a host wires (one adapter implements them all) and
/// the conformance suites check. A use case takes the ports it needs instead.
pub trait ReportStore:
    Reports
    + Clusters
    + PublishedReader
    + Checkpoints
    + SourceHealthLog
    + ChangeFeed
    + RoomStore
    + TokenStore
{
}

impl<T> ReportStore for T where
    T: Reports
        + Clusters
        + PublishedReader
        + Checkpoints
        + SourceHealthLog
        + ChangeFeed
        + RoomStore
        + TokenStore
        + ?Sized
{
}

/// The store's ports in one import, for code that holds a concrete adapter rather than a
/// `dyn ReportStore` (tests, benchmarks): `use vigie_domain::ports::store::*;`.
pub mod store {
    pub use super::{
        ChangeFeed, Checkpoints, Clusters, PublishedReader, ReportStore, Reports, RoomStore,
        SourceHealthLog, TokenStore,
    };
}

/// What a source's checkpoint key is followed by to name the place its login session is kept
/// ([`session_key`]). Source ids are `a-z0-9-` (see the crisis file's rules), so no source id
/// ends with it and no source's checkpoint can be mistaken for a session.
pub const SESSION_KEY_SUFFIX: &str = "#session";

/// Where the login session of source `source_id` is kept among the checkpoints.
pub fn session_key(source_id: &str) -> String {
    format!("{source_id}{SESSION_KEY_SUFFIX}")
}

/// Keeps a source's login session (a network's access and refresh tokens) between runs, so
/// that a run in a new process (`vigie collect --once`, a cold Lambda) goes on with the
/// session of the run before instead of logging in again: networks limit how often one may
/// log in (Bluesky, a few hundred sessions a day). The session is an opaque string the source
/// writes and reads back.
///
/// What is kept is a secret, as the app password it was made with: it is never logged nor
/// answered by any API, and the store holds it as it holds the rest of the crisis's data (the
/// cloud table is encrypted at rest; the local SQLite file is the operator's to protect).
#[async_trait]
pub trait SessionKeeper: Send + Sync {
    /// The session kept, if any.
    async fn load(&self) -> Result<Option<String>, StoreError>;
    /// Keeps `next` in place of `previous` (`None`: nothing was kept), only if nobody saved
    /// another session meanwhile. Returns false, changing nothing, when another run did: its
    /// session, saved after `previous` was read, is as good as this one and stays.
    async fn save(&self, previous: Option<&str>, next: &str) -> Result<bool, StoreError>;
}

/// A [`SessionKeeper`] over the store's checkpoints, under [`session_key`]: the same
/// compare-and-set as a checkpoint's, in the same table. Nothing lists checkpoints, and the
/// sources' health (what `GET /api/v1/sources`, `vigie collect` and alarms show) is another
/// table, so the session shows nowhere but where the source reads it.
pub struct StoredSession {
    store: std::sync::Arc<dyn Checkpoints>,
    key: String,
}

impl StoredSession {
    /// The session of source `source_id`, kept in `store`.
    pub fn new(store: std::sync::Arc<dyn Checkpoints>, source_id: &str) -> StoredSession {
        StoredSession {
            store,
            key: session_key(source_id),
        }
    }
}

#[async_trait]
impl SessionKeeper for StoredSession {
    async fn load(&self) -> Result<Option<String>, StoreError> {
        self.store.checkpoint(&self.key).await
    }

    async fn save(&self, previous: Option<&str>, next: &str) -> Result<bool, StoreError> {
        self.store
            .advance_checkpoint(&self.key, previous, next)
            .await
    }
}

/// Where the allowance of source `source_id` is counted among the checkpoints.
pub fn allowance_key(source_id: &str) -> String {
    format!("{source_id}#allowance")
}

/// A network's allowance (X's posts read a month, YouTube's quota units a day), counted in
/// the store so that every process and every Lambda instance spends from the same count. A
/// source takes what a request may cost before sending it and gives back what it did not
/// use once the answer is in: a run that dies in between has overcounted, never undercounted,
/// so the cap is never exceeded.
#[async_trait]
pub trait Allowance: Send + Sync {
    /// Takes up to `want` of what is left of `cap` in `period` (a new period starts from
    /// nothing); returns how much was taken: 0 when the period's allowance is spent.
    async fn take(&self, period: &str, want: u64, cap: u64) -> Result<u64, StoreError>;
    /// Gives back `amount` taken in `period` and not used (nothing if the period is over).
    async fn give_back(&self, period: &str, amount: u64) -> Result<(), StoreError>;
    /// What is used in `period`.
    async fn used(&self, period: &str) -> Result<u64, StoreError>;
}

/// An [`Allowance`] over the store's checkpoints, under [`allowance_key`], by compare-and-set:
/// two runs taking at once both count.
pub struct StoredAllowance {
    store: std::sync::Arc<dyn Checkpoints>,
    key: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Spent {
    period: String,
    used: u64,
}

/// How many times a take or give-back reads again after another run's write slipped in.
const ALLOWANCE_ROUNDS: usize = 64;

impl StoredAllowance {
    pub fn new(store: std::sync::Arc<dyn Checkpoints>, source_id: &str) -> StoredAllowance {
        StoredAllowance {
            store,
            key: allowance_key(source_id),
        }
    }

    async fn read(&self) -> Result<(Option<String>, Spent), StoreError> {
        let raw = self.store.checkpoint(&self.key).await?;
        let spent = match raw.as_deref() {
            None => Spent::default(),
            Some(text) => serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("allowance of {}: {e}", self.key)))?,
        };
        Ok((raw, spent))
    }

    /// Applies `change` (to the period's use) until it is written over what was read.
    async fn update(
        &self,
        period: &str,
        change: impl Fn(u64) -> (u64, u64),
    ) -> Result<u64, StoreError> {
        for _ in 0..ALLOWANCE_ROUNDS {
            let (raw, spent) = self.read().await?;
            let used = if spent.period == period {
                spent.used
            } else {
                0
            };
            let (next, answer) = change(used);
            if next == used && spent.period == period {
                return Ok(answer);
            }
            let text = serde_json::to_string(&Spent {
                period: period.to_string(),
                used: next,
            })
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            if self
                .store
                .advance_checkpoint(&self.key, raw.as_deref(), &text)
                .await?
            {
                return Ok(answer);
            }
        }
        Err(StoreError::Unavailable(format!(
            "the allowance of {} kept changing under {ALLOWANCE_ROUNDS} attempts",
            self.key
        )))
    }
}

#[async_trait]
impl Allowance for StoredAllowance {
    async fn take(&self, period: &str, want: u64, cap: u64) -> Result<u64, StoreError> {
        self.update(period, |used| {
            let granted = want.min(cap.saturating_sub(used));
            (used + granted, granted)
        })
        .await
    }

    async fn give_back(&self, period: &str, amount: u64) -> Result<(), StoreError> {
        let (_, spent) = self.read().await?;
        if spent.period != period {
            return Ok(());
        }
        self.update(period, |used| (used.saturating_sub(amount), 0))
            .await
            .map(|_| ())
    }

    async fn used(&self, period: &str) -> Result<u64, StoreError> {
        let (_, spent) = self.read().await?;
        Ok(if spent.period == period {
            spent.used
        } else {
            0
        })
    }
}

/// The relay log: each relay, drafted, approved and posted, saved whole at its version.
#[async_trait]
pub trait RelayLog: Send + Sync {
    async fn relay(&self, id: &str) -> Result<Option<crate::relay::Relay>, StoreError>;
    /// Every relay, the latest drafted first.
    async fn relays(&self) -> Result<Vec<crate::relay::Relay>, StoreError>;
    /// Saves `relay` over the version it was read at (`version` 0: a new relay) and returns it
    /// at its next version; `Conflict` when another save got there first.
    async fn save_relay(
        &self,
        relay: &crate::relay::Relay,
    ) -> Result<crate::relay::Relay, StoreError>;
}

/// The answer of a network that took a post.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    /// The post's address, for the relay log.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PostError {
    /// Needs a person: refused credentials, a text the network refuses.
    #[error("{0}")]
    Refused(String),
    /// The network did not answer, or failed: sent again with the same key, it posts once.
    #[error("{0}")]
    Unavailable(String),
}

/// One of the association's accounts, for posting a relay.
#[async_trait]
pub trait Poster: Send + Sync {
    /// The `[[relay]]` account's id.
    fn account(&self) -> &str;
    fn network(&self) -> &'static str;
    /// Posts `text` for `key`. Sent again with the same key (a retry, a second click), the
    /// network keeps the post it made and this answers with it: never a second post.
    async fn post(&self, text: &str, key: &str) -> Result<Posted, PostError>;
}

/// A repost of a report: `key` identifies the repost itself (its URI), so counting is
/// idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub report_id: String,
    pub key: String,
}

/// What one fetch of a source brought.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Batch {
    pub observations: Vec<crate::report::Observation>,
    /// Reposts seen, by the network and native id of the original (which is in
    /// `observations` or already stored).
    pub spreads: Vec<(String, String, String)>,
    /// Where the next fetch starts, once these observations are stored.
    pub checkpoint: Option<String>,
    /// Items the source sent that are not reports, by reason.
    pub skipped: Skips,
    /// The source has more right now.
    pub more: bool,
}

impl Batch {
    /// Counts one item skipped for `reason`.
    pub fn skip(&mut self, reason: SkipReason) {
        self.skipped.add(reason, 1);
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The source asked us to wait.
    #[error("rate limited until {until}")]
    RateLimited { until: DateTime<Utc> },
    /// Worth retrying on the next run (timeouts, 5xx, a garbled answer).
    #[error("{0}")]
    Transient(String),
    /// Needs a person: bad credentials, a token required, a source that no longer exists.
    #[error("{0}")]
    Fatal(String),
}

/// A network or feed, as the collection engine sees it. Adding a source kind is one
/// implementation of this trait and one variant of the crisis file.
#[async_trait]
pub trait Source: Send + Sync {
    fn id(&self) -> &str;
    fn kind(&self) -> &'static str;
    /// What is new after `checkpoint` (one page). Bounded: the engine calls again while
    /// `more` is set and its budget allows.
    async fn fetch(&self, checkpoint: Option<&str>) -> Result<Batch, SourceError>;
    /// How much of the network's allowance is used, for a source that has one: recorded in
    /// the source's health after each run.
    async fn quota(&self) -> Option<QuotaUse> {
        None
    }
    /// The most pages one run may read, for a source whose network counts them: the engine
    /// reads no more than this or its own budget.
    fn max_pages(&self) -> Option<usize> {
        None
    }
}

/// A public file: its name under the public prefix, its bytes and how to serve it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicFile {
    pub name: String,
    /// Shared, so handing a large file to a publisher copies nothing.
    pub bytes: bytes::Bytes,
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

impl PublicFile {
    /// A public file's name is relative, with no empty, `.` or `..` part, so no publisher
    /// writes outside its folder or prefix.
    pub fn check_name(&self) -> Result<(), PublishError> {
        let bad = self.name.is_empty()
            || self.name.starts_with('/')
            || self
                .name
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..");
        if bad {
            Err(PublishError {
                name: self.name.clone(),
                reason: "not a relative file name".into(),
            })
        } else {
            Ok(())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishOutcome {
    Written,
    /// Same content as what is already published: nothing was sent.
    Unchanged,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot publish {name}: {reason}")]
pub struct PublishError {
    pub name: String,
    pub reason: String,
}

/// Where the public files go: a folder locally, a bucket in the cloud. Each file is replaced
/// atomically, so readers never see half of one.
#[async_trait]
pub trait Publisher: Send + Sync {
    async fn publish(&self, file: &PublicFile) -> Result<PublishOutcome, PublishError>;
}

#[derive(Debug, thiserror::Error)]
#[error("cannot notify: {0}")]
pub struct NotifyError(pub String);

/// When an escalation's notification is made, relative to the volunteer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// One bounded attempt before answering: a hand-off to a service that delivers and
    /// retries on its own (a topic), or a host that stops working once it has answered (a
    /// Lambda function).
    Inline,
    /// After answering, retried in the background by a host that keeps running.
    Background,
}

/// Tells the authority about an escalation the moment it happens.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// One attempt to deliver the escalation of `report`.
    async fn escalation(&self, report: &Report) -> Result<(), NotifyError>;

    /// How this notifier's attempts are made: in the background unless it says otherwise.
    fn delivery(&self) -> Delivery {
        Delivery::Background
    }

    /// What the notification goes to, as the report's history names it (never an address:
    /// a webhook's URL may carry a secret).
    fn channel(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_key_is_never_a_source_id() {
        assert_eq!(session_key("bsky"), "bsky#session");
        let crisis = |id: &str| {
            crate::Crisis::parse(
                "t.toml",
                &format!("[crisis]\nid = \"gp-test\"\nname = \"x\"\nbbox = [-61.85, 15.83, -61.0, 16.52]\n[[sources]]\nid = \"{id}\"\nkind = \"demo\"\n"),
            )
        };
        assert!(crisis("bsky").is_ok());
        assert!(crisis(&session_key("bsky")).is_err());
    }

    #[test]
    fn a_change_cursor_reads_back_and_orders_as_the_feed() {
        let now = Utc::now();
        let t = now.timestamp_micros();
        for p in [ChangePosition::at(t), ChangePosition::after(t, "r-1")] {
            assert_eq!(ChangePosition::parse(&p.cursor(), now).unwrap(), p);
        }
        assert!(ChangePosition::at(t) < ChangePosition::after(t, "a"));
        assert!(ChangePosition::after(t, "b") < ChangePosition::at(t + 1));
        // The key orders as the position does (the DynamoDB index sorts on it).
        assert!(ChangePosition::at(t).key() < ChangePosition::after(t, "a").key());
        assert!(ChangePosition::after(t, "zz").key() < ChangePosition::at(t + 1).key());
        for bad in [
            "zz".to_string(),
            opaque_cursor("12"),
            opaque_cursor(&format!("{t:020}#")),
            opaque_cursor(&format!("{:020}", t - 8 * 86_400_000_000)),
        ] {
            assert!(
                matches!(ChangePosition::parse(&bad, now), Err(StoreError::BadCursor)),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_page_of_changes_settles_but_always_moves_on() {
        let since = ChangePosition::at(100);
        let p = |t: i64| ChangePosition::after(t, "r");
        let read = [p(200), p(300), p(500)];
        // Nothing changed: the same cursor (and ETag).
        assert_eq!(settle_page(&[], &since, false, 400), (0, since.clone()));
        // Read to the end: all of it, and back to what was surely visible, never behind
        // `since`.
        assert_eq!(
            settle_page(&read, &since, false, 400),
            (3, ChangePosition::at(400))
        );
        assert_eq!(
            settle_page(&read, &ChangePosition::at(450), false, 400),
            (3, ChangePosition::at(450))
        );
        // More to come: up to the last settled change, just after it.
        assert_eq!(settle_page(&read, &since, true, 400), (2, p(300)));
        assert_eq!(settle_page(&read, &since, true, 900), (3, p(500)));
        // Nothing settled yet: the whole page, past it.
        assert_eq!(settle_page(&read, &since, true, 150), (3, p(500)));
    }
}
