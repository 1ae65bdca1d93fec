//! The embedded adapters against the conformance suites, plus what only a file on disk can
//! show: restarts, corrupt files, readers during writes.

use std::sync::Arc;
use vigie_conformance::TestStore as _;
use vigie_domain::ports::store::*;
use vigie_domain::ports::{ReportStore, StoreError};
use vigie_local::{FolderPublisher, SqliteStore};

/// A fresh SQLite store in a temporary directory of its own, for one rule; the directory is
/// given beside the store, kept for as long as the rule runs and removed after it.
async fn sqlite(_rule: &str) -> (tempfile::TempDir, Arc<dyn ReportStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("vigie.db")).unwrap();
    (dir, Arc::new(store))
}

/// [`sqlite`] with a short change overlap, for the feed of changes.
async fn sqlite_for_the_feed(_rule: &str) -> (tempfile::TempDir, Arc<dyn ReportStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("vigie.db"))
        .unwrap()
        .with_change_overlap(std::time::Duration::from_millis(500));
    (dir, Arc::new(store))
}

// Every rule of the store suites, one test each.
vigie_conformance::store_rules!(sqlite, sqlite_for_the_feed);

#[tokio::test]
async fn folder_publisher_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("public");
    let publisher = FolderPublisher::new(&root).unwrap();
    vigie_conformance::publisher(Arc::new(publisher), |name| {
        let path = root.join(name);
        async move { std::fs::read(path).ok() }
    })
    .await;
    // Nothing half-written is left beside the files.
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[tokio::test]
async fn reports_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigie.db");
    let r = vigie_conformance::sample("9", "Pont effondré à Sainte-Rose", 0);
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .insert_reports(std::slice::from_ref(&r))
            .await
            .unwrap();
        assert!(store.advance_checkpoint("s", None, "42").await.unwrap());
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get_report(&r.id).await.unwrap().unwrap().text, r.text);
    assert_eq!(store.checkpoint("s").await.unwrap().as_deref(), Some("42"));
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigie.db");
    let junk = b"this is a spreadsheet, not a database\n".repeat(200);
    std::fs::write(&path, &junk).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(msg)) => assert!(msg.contains("vigie.db"), "{msg}"),
        Err(other) => panic!("expected a corrupt-store error, got {other}"),
        Ok(_) => panic!("expected a corrupt-store error, got a store"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), junk, "nothing overwritten");
}

#[test]
fn a_store_with_damaged_pages_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigie.db");
    drop(SqliteStore::open(&path).unwrap());
    {
        // Enough rows for the file to span many pages past its schema.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE filler (x BLOB)").unwrap();
        for _ in 0..200 {
            c.execute("INSERT INTO filler VALUES (zeroblob(1000))", [])
                .unwrap();
        }
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 20 * page, "a file of many pages");
    for b in &mut bytes[10 * page..13 * page] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(msg)) => {
            assert!(msg.contains("vigie.db") && msg.contains("damaged"), "{msg}")
        }
        Err(other) => panic!("expected a corrupt-store error, got {other}"),
        Ok(_) => panic!("expected a corrupt-store error, got a store"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing overwritten");
}

/// Makes a file read-only for this process, root included (where permissions do not stop
/// writes, the immutable attribute does); undone when dropped.
struct ReadOnly(std::path::PathBuf);

impl ReadOnly {
    fn new(path: &std::path::Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).unwrap();
        let writable = if path.is_dir() {
            let probe = path.join(".probe");
            let ok = std::fs::write(&probe, b"").is_ok();
            let _ = std::fs::remove_file(&probe);
            ok
        } else {
            std::fs::OpenOptions::new().write(true).open(path).is_ok()
        };
        if writable {
            let status = std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .expect("chattr runs (root ignores file permissions)");
            assert!(status.success(), "chattr +i {}", path.display());
        }
        ReadOnly(path.to_path_buf())
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_public_folder_that_cannot_be_written_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("public");
    std::fs::create_dir(&root).unwrap();
    let _guard = ReadOnly::new(&root);
    let err = FolderPublisher::new(&root)
        .err()
        .expect("a read-only public folder is refused");
    assert!(err.to_string().contains("cannot write"), "{err}");
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
}

#[test]
fn a_store_that_cannot_be_written_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigie.db");
    drop(SqliteStore::open(&path).unwrap());
    let before = std::fs::read(&path).unwrap();
    let _guard = ReadOnly::new(&path);
    match SqliteStore::open(&path) {
        Err(StoreError::Unavailable(msg)) => {
            assert!(
                msg.contains("vigie.db") && msg.contains("cannot be written"),
                "{msg}"
            )
        }
        Err(other) => panic!("expected an unavailable-store error, got {other}"),
        Ok(_) => panic!("expected a refusal, got a store opened read-only"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn another_programs_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts (owner) VALUES ('x');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(msg)) => assert!(msg.contains("another program"), "{msg}"),
        Err(other) => panic!("expected a refusal, got {other}"),
        Ok(_) => panic!("expected a refusal, got a store"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_go_on_while_collectors_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("vigie.db")).unwrap());
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for batch in 0..20 {
                let reports: Vec<_> = (0..50)
                    .map(|i| {
                        vigie_conformance::sample(
                            &format!("{batch}-{i}"),
                            &format!("Route coupée numéro {batch} {i} à Deshaies"),
                            i,
                        )
                    })
                    .collect();
                store.insert_reports(&reports).await.unwrap();
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() {
        let page = store
            .list_reports(&vigie_domain::ports::ReportQuery {
                limit: 20,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 20);
        reads += 1;
    }
    writer.await.unwrap();
    assert!(reads > 0);
    let all = store
        .list_reports(&vigie_domain::ports::ReportQuery {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.items.len(), 200);
    assert!(all.next_cursor.is_some());
}

#[tokio::test]
async fn an_older_store_is_brought_up_to_date_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigie.db");
    let mut r = vigie_conformance::sample("m1", "Pont effondré à Sainte-Rose", 0);
    r.status = vigie_domain::taxonomy::Status::Published;
    r.category = Some(vigie_domain::taxonomy::Category::Access);
    r.summary = Some("Pont effondré".into());
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .insert_reports(std::slice::from_ref(&r))
            .await
            .unwrap();
    }
    // Make the file what schema 2 wrote: no public columns, no canonical address, tokens
    // without who made them, no feed of changes, no rooms, no indexes of the selective filters.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP INDEX reports_verification_queue; DROP INDEX reports_escalated_queue;
             DROP INDEX reports_insee; DROP INDEX reports_place; DROP INDEX reports_public; DROP INDEX reports_url; DROP INDEX reports_published_versions;
             DROP INDEX reports_changes; ALTER TABLE reports DROP COLUMN changed_at; DROP TABLE rooms;
             ALTER TABLE reports DROP COLUMN canonical_url;
             ALTER TABLE tokens DROP COLUMN created_by; ALTER TABLE tokens DROP COLUMN revoked_by;
             ALTER TABLE reports DROP COLUMN chosen_category; ALTER TABLE reports DROP COLUMN summary;
             ALTER TABLE reports DROP COLUMN lat; ALTER TABLE reports DROP COLUMN lon;
             ALTER TABLE reports DROP COLUMN precision; ALTER TABLE reports DROP COLUMN published_at;
             ALTER TABLE reports DROP COLUMN official; ALTER TABLE reports DROP COLUMN source_url;
             ALTER TABLE reports DROP COLUMN updated_at; ALTER TABLE reports DROP COLUMN author;
             ALTER TABLE reports DROP COLUMN author_name; PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    // Two commands opening it at once migrate it once.
    let (a, b) = (path.clone(), path.clone());
    let (x, y) = tokio::join!(
        tokio::task::spawn_blocking(move || SqliteStore::open(&a).map(|_| ())),
        tokio::task::spawn_blocking(move || SqliteStore::open(&b).map(|_| ()))
    );
    x.unwrap().unwrap();
    y.unwrap().unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let candidates = store.published_candidates(None).await.unwrap();
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].version, r.version);
    assert_eq!(
        store.published_versions().await.unwrap(),
        vec![(r.id.clone(), r.version)]
    );
    assert_eq!(candidates[0].summary.as_deref(), Some("Pont effondré"));
    assert_eq!(
        candidates[0].author, r.author,
        "the author is carried for the projection"
    );
    assert_eq!(candidates[0].author_name, r.author_name);
    let version: i32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 8);
    let indexes: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('reports_verification_queue', 'reports_escalated_queue', 'reports_insee', 'reports_place')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 4, "the selective filters' indexes are made");
    // The feed of changes and the rooms work on the migrated file.
    assert_eq!(store.rooms().await.unwrap(), None);
    let start = store.list_changes(None, 10).await.unwrap().cursor;
    let stored = store.get_report(&r.id).await.unwrap().unwrap();
    let mut edited = stored.clone();
    edited.summary = Some("Pont effondré, route coupée".into());
    let entry = vigie_domain::report::HistoryEntry {
        report_id: r.id.clone(),
        version: 0,
        at: chrono::Utc::now(),
        actor: "test".into(),
        action: "update".into(),
        changes: vigie_domain::report::diff(&stored, &edited),
    };
    store
        .update_report(&edited, stored.version, &entry)
        .await
        .unwrap();
    let changed = store.list_changes(Some(&start), 10).await.unwrap();
    assert_eq!(
        changed
            .items
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        [r.id.as_str()]
    );
    // The addresses of reports stored before are filled in: a hand entry finds them.
    let address = vigie_domain::identity::canonical_url(r.source_url.as_deref().unwrap());
    assert_eq!(
        store.report_by_url(&address).await.unwrap().map(|f| f.id),
        Some(r.id.clone())
    );
}
