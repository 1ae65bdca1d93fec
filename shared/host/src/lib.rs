//! Wiring shared by every host of Vigie's use cases (the `vigie` command and the Lambda
//! functions), by job: `specs.rs` (where the reports and the public files are), `adapters.rs`
//! (opening them, the notifier, the relay posters, the stack's secret), `plan.rs` (the
//! crisis's sources with their credentials), `collector.rs` (the collectors' handler),
//! `config.rs` (a function's configuration from the environment it is given) and `logs.rs`.
//! Everything is re-exported here.

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;
use vigie_app::collect::{record_unrunnable, run_source_with, Budget, RunSummary};
use vigie_app::demo::DemoSource;
use vigie_app::{CrisisFile, Vigie};
use vigie_domain::crisis::RelayAccountKind;
use vigie_domain::crisis::{Crisis, SourceKind};
use vigie_domain::ports::{
    Notifier, Publisher, ReportStore, Source, StoredAllowance, StoredSession,
};
use vigie_domain::ports::{PostError, Posted, Poster};
use vigie_local::{FolderPublisher, LogNotifier, SqliteStore, WebhookNotifier};
use vigie_sources::{
    BlueskyPoster, BlueskySource, FeedSource, Http, MastodonPoster, MastodonSource, RetryPolicy,
    XSource, YouTubeSource,
};

pub use specs::{PublishSpec, S3Options, SpecError, StoreSpec};
/// The kind a collector function names ([`serve_collector`]).
pub use vigie_domain::crisis::CollectorKind;

mod adapters;
mod collector;
mod config;
mod logs;
mod plan;
mod specs;

pub use adapters::*;
pub use collector::*;
pub use config::*;
pub use logs::*;
pub use plan::*;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The deployment is wrong (a spec, a variable, the crisis file, an input): running again
    /// changes nothing until someone fixes it.
    #[error("{0}")]
    Config(String),
    /// Sources were run and some failed (their network, their credentials): each is recorded
    /// in its health, and the next scheduled run tries again.
    #[error("{0}")]
    Collection(String),
    #[error(transparent)]
    Store(#[from] vigie_domain::ports::StoreError),
    /// The stack's secret of credentials could not be read or is not as expected.
    #[error(transparent)]
    Secret(#[from] vigie_aws::secrets::SecretError),
}

impl HostError {
    /// The `errorType` Lambda records for this error, which alarms and log queries filter on:
    /// `Vigie.Configuration`, `Vigie.SourceFailed`, `Vigie.StoreUnavailable`,
    /// `Vigie.StoreError` or `Vigie.SecretUnavailable`.
    pub fn error_type(&self) -> &'static str {
        use vigie_aws::secrets::SecretError;
        use vigie_domain::ports::StoreError;
        match self {
            HostError::Secret(SecretError::Call { .. }) => "Vigie.SecretUnavailable",
            HostError::Secret(_) => "Vigie.Configuration",
            HostError::Config(_) => "Vigie.Configuration",
            HostError::Collection(_) => "Vigie.SourceFailed",
            HostError::Store(StoreError::Unavailable(_)) => "Vigie.StoreUnavailable",
            HostError::Store(_) => "Vigie.StoreError",
        }
    }

    /// Whether trying the same invocation again may succeed (a source or the store may come
    /// back; a configuration will not fix itself).
    pub fn retryable(&self) -> bool {
        use vigie_aws::secrets::SecretError;
        use vigie_domain::ports::StoreError;
        match self {
            HostError::Secret(e) => matches!(e, SecretError::Call { .. }),
            HostError::Config(_) => false,
            HostError::Collection(_) => true,
            HostError::Store(StoreError::Unavailable(_) | StoreError::Conflict { .. }) => true,
            HostError::Store(_) => false,
        }
    }
}

impl From<HostError> for lambda_runtime::Diagnostic {
    fn from(error: HostError) -> lambda_runtime::Diagnostic {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().into(),
            error_message: error.to_string(),
        }
    }
}

/// How long a collector waits for one HTTP answer.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// How many sources of one run collect at the same time: enough that one hung source does
/// not starve the others, few enough for a small function and the networks' rate limits.
pub const PARALLEL_SOURCES: usize = 4;

/// How long before the invocation's deadline a collector function stops collecting, to
/// record health and answer.
pub const LAMBDA_SAFETY_MARGIN: Duration = Duration::from_secs(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_take_the_stack_names_or_explicit_specs() {
        let stack = |var: &str| match var {
            "TABLE_NAME" => Some("vigie-gp".to_string()),
            "BUCKET_NAME" => Some("vigie-gp-public".to_string()),
            _ => None,
        };
        assert_eq!(
            store_spec_from_env(&stack).unwrap().to_string(),
            "dynamodb:vigie-gp"
        );
        assert_eq!(
            publish_spec_from_env(&stack).unwrap().to_string(),
            "s3://vigie-gp-public/public"
        );
        let explicit = |var: &str| match var {
            "VIGIE_STORE" => Some("sqlite:/tmp/v.db".to_string()),
            "VIGIE_PUBLISH" => Some("dir:/tmp/p".to_string()),
            "TABLE_NAME" => Some("ignored".to_string()),
            _ => None,
        };
        assert_eq!(
            store_spec_from_env(&explicit).unwrap().to_string(),
            "sqlite:/tmp/v.db"
        );
        assert_eq!(
            publish_spec_from_env(&explicit).unwrap().to_string(),
            "dir:/tmp/p"
        );
        assert!(store_spec_from_env(&|_| None)
            .unwrap_err()
            .to_string()
            .contains("TABLE_NAME"));
        // A bad spec fails the start, naming the variable it came from.
        let bad = |var: &str| (var == "VIGIE_STORE").then(|| "postgres:x".to_string());
        let err = store_spec_from_env(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("VIGIE_STORE: store `postgres:x`: expected sqlite:PATH"),
            "{err}"
        );
        let bad = |var: &str| (var == "BUCKET_NAME").then(|| "Bad_Bucket".to_string());
        let err = publish_spec_from_env(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("BUCKET_NAME: publish `s3://Bad_Bucket/public`:"),
            "{err}"
        );
    }
}
