//! Vigie's embedded adapters, for `vigie local`: a SQLite store under the data dir and a
//! folder publisher for the public files, and a webhook notifier for escalations.

pub mod folder;
pub mod sqlite;
pub mod webhook;

pub use folder::FolderPublisher;
pub use sqlite::SqliteStore;
pub use webhook::{LogNotifier, WebhookNotifier};
