//! The ports: what the use cases need from storage, publication and notification. The
//! embedded adapters (SQLite, a folder, a webhook) and the cloud ones (DynamoDB, S3, SNS)
//! implement them; one conformance suite checks every adapter of a port.

use crate::report::{HistoryEntry, Report};
use crate::taxonomy::{Category, Priority, Role, Status, Verification};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// Filters of the queue (CONTRACT.md), all optional.
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
    pub cursor: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub items: Vec<Report>,
    pub next_cursor: Option<String>,
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
    /// Malformed items skipped, all runs together.
    pub items_skipped: u64,
    /// The source asked us to wait (rate limit) until then.
    pub next_allowed_at: Option<DateTime<Utc>>,
}

/// The table of reports, with everything that must survive a restart.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores new reports; a report whose id is already stored is left as it is. Returns, for
    /// each report, whether it was new. A new report joining a cluster grows that cluster.
    async fn insert_reports(&self, reports: &[Report]) -> Result<Vec<bool>, StoreError>;

    /// Reports sharing any of these fingerprint bands.
    async fn cluster_candidates(
        &self,
        bands: &[String],
    ) -> Result<Vec<ClusterCandidate>, StoreError>;

    async fn get_report(&self, id: &str) -> Result<Option<Report>, StoreError>;

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

    /// Every published report, for the export.
    async fn published_reports(&self) -> Result<Vec<Report>, StoreError>;

    async fn checkpoint(&self, source_id: &str) -> Result<Option<String>, StoreError>;
    async fn set_checkpoint(&self, source_id: &str, value: &str) -> Result<(), StoreError>;

    async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError>;
    async fn put_source_health(&self, health: &SourceHealth) -> Result<(), StoreError>;

    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    async fn revoke_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// A public file: its name under the public prefix, its bytes and how to serve it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub cache_control: &'static str,
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

/// Tells the authority about an escalation the moment it happens.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn escalation(&self, report: &Report) -> Result<(), NotifyError>;
}
