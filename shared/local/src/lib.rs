//! Vigie's embedded adapters, for `vigie local`: a SQLite store under the data dir and a
//! folder publisher for the public files.

pub mod folder;
pub mod sqlite;

pub use folder::FolderPublisher;
pub use sqlite::SqliteStore;
