//! The embedded report store: one SQLite file under the data dir, in WAL mode so the API keeps
//! reading while collectors write, surviving restarts. Reports are kept as JSON with the
//! columns the queue filters and sorts on beside them.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use vigie_domain::identity::canonical_url;
use vigie_domain::ports::{
    cursor_position, entries_by_report, opaque_cursor, settle_page, ChangeFeed, ChangeFrom,
    ChangePage, ChangePosition, Checkpoints, ClusterCandidate, Clusters, Counts, HealthUpdate,
    Page, PublishedReader, ReportQuery, Reports, Room, RoomStore, Rooms, SourceHealth,
    SourceHealthLog, Spread, StoreError, TokenRecord, TokenStore, CHANGES_OVERLAP,
};
use vigie_domain::public::Candidate;
use vigie_domain::report::{HistoryEntry, Location, Report};
use vigie_domain::taxonomy::{LocationMethod, Status};
use vigie_domain::text::fold;

/// Marks a SQLite file as Vigie's (`PRAGMA application_id`), so that another program's
/// database is refused rather than modified.
const APPLICATION_ID: i32 = 0x5649_4731; // "VIG1"
const SCHEMA_VERSION: i32 = 8;
const READERS: usize = 4;

// Each migration brings a file from the version before to its number; why is said at the top
// of its `.sql` file (5 also fills a column in Rust, in `migrate`).
const MIGRATE_2: &str = include_str!("sqlite/migrations/2.sql");
const MIGRATE_3: &str = include_str!("sqlite/migrations/3.sql");
const MIGRATE_4: &str = include_str!("sqlite/migrations/4.sql");
const MIGRATE_5: &str = include_str!("sqlite/migrations/5.sql");
const MIGRATE_6: &str = include_str!("sqlite/migrations/6.sql");
const MIGRATE_7: &str = include_str!("sqlite/migrations/7.sql");
const MIGRATE_8: &str = include_str!("sqlite/migrations/8.sql");

const SCHEMA: &str = include_str!("sqlite/schema.sql");

pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per reader connection: a read waits for a free connection rather than
    /// opening (and parsing the schema of) a new one that would be thrown away after it.
    reader_slots: Arc<tokio::sync::Semaphore>,
    /// How far behind the read time a change cursor points ([`CHANGES_OVERLAP`]).
    change_overlap: std::time::Duration,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A SQLite result as the store's, naming the file: `.at(path)` on every call.
trait At<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for Result<T, rusqlite::Error> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| sql_error(path, e))
    }
}

fn sql_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt(
            format!("{}: not a readable SQLite database ({e})", path.display()),
        ),
        _ => StoreError::Unavailable(format!("{}: {e}", path.display())),
    }
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl SqliteStore {
    /// Opens the store at `path`, creating it if the file does not exist. A file that is not a
    /// SQLite database, or another program's database, is refused and left untouched.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let writer = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .at(path)?;
        writer
            .busy_timeout(std::time::Duration::from_secs(10))
            .at(path)?;
        // The owner's only: private posts, token hashes, a Bluesky session.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        let app_id: i32 = writer
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .at(path)?;
        let tables: i64 = writer
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .at(path)?;
        if tables > 0 && app_id != APPLICATION_ID {
            return Err(StoreError::Corrupt(format!(
                "{}: a SQLite database of another program, not Vigie's; refusing to change it",
                path.display()
            )));
        }
        if writer.is_readonly(rusqlite::DatabaseName::Main).at(path)? {
            return Err(StoreError::Unavailable(format!(
                "{}: cannot be written (a read-only file or folder); fix its permissions or use another data dir",
                path.display()
            )));
        }
        if tables > 0 {
            // A damaged page behind a valid header would otherwise surface later, half-way
            // through a write: check the whole file once, before anything is changed.
            let verdict: String = writer
                .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
                .at(path)?;
            if verdict != "ok" {
                return Err(StoreError::Corrupt(format!(
                    "{}: a damaged SQLite database ({verdict}); left untouched: restore a copy or use another data dir",
                    path.display()
                )));
            }
        }
        writer.pragma_update(None, "journal_mode", "WAL").at(path)?;
        writer
            .pragma_update(None, "synchronous", "NORMAL")
            .at(path)?;
        // Creation and migrations under a write lock taken at once, with the version read
        // again inside it: two commands opening the same file together do each step once.
        writer.execute_batch("BEGIN IMMEDIATE").at(path)?;
        let migrated = migrate(&writer, path);
        let end = if migrated.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        writer.execute_batch(end).at(path)?;
        migrated?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            reader_slots: Arc::new(tokio::sync::Semaphore::new(READERS)),
            change_overlap: CHANGES_OVERLAP,
        })
    }

    /// Sets how far behind the read time a change cursor points (tests shorten it).
    pub fn with_change_overlap(mut self, overlap: std::time::Duration) -> SqliteStore {
        self.change_overlap = overlap;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the single writer connection, off the async threads.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| unavailable("writer lock poisoned"))?;
            f(&mut conn)
        })
        .await
        .map_err(unavailable)?
    }

    /// Runs `f` on a reader connection from the pool (WAL lets readers go on while a write
    /// is in progress).
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let path = self.path.clone();
        let slot = self
            .reader_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(unavailable)?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let taken = readers
                .lock()
                .map_err(|_| unavailable("reader pool poisoned"))?
                .pop();
            let conn = match taken {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .at(&path)?;
                    c.busy_timeout(std::time::Duration::from_secs(10))
                        .at(&path)?;
                    c
                }
            };
            let out = f(&conn);
            if let Ok(mut pool) = readers.lock() {
                if pool.len() < READERS {
                    pool.push(conn);
                }
            }
            out
        })
        .await
        .map_err(unavailable)?
    }
}

/// Creates the schema in an empty file, or brings an older one up to [`SCHEMA_VERSION`].
/// Runs inside the caller's transaction.
fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .at(path)?;
    if tables == 0 {
        conn.execute_batch(SCHEMA).at(path)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .at(path)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .at(path)?;
        return Ok(());
    }
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .at(path)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "{}: written by a newer Vigie (schema {version}, this one reads {SCHEMA_VERSION})",
            path.display()
        )));
    }
    if version < 2 {
        conn.execute_batch(MIGRATE_2).at(path)?;
    }
    if version < 3 {
        // The public fields as columns, so the export reads no whole report.
        conn.execute_batch(MIGRATE_3).at(path)?;
    }
    if version < 4 {
        conn.execute_batch(MIGRATE_4).at(path)?;
    }
    if version < 5 {
        conn.execute_batch(MIGRATE_5).at(path)?;
        let urls: Vec<(String, String)> = {
            let mut stmt = conn
                .prepare("SELECT id, source_url FROM reports WHERE source_url IS NOT NULL")
                .at(path)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .at(path)?;
            rows.collect::<Result<_, _>>().at(path)?
        };
        let mut set = conn
            .prepare("UPDATE reports SET canonical_url = ?2 WHERE id = ?1")
            .at(path)?;
        for (id, url) in urls {
            set.execute(params![id, canonical_url(&url)]).at(path)?;
        }
        conn.pragma_update(None, "user_version", 5).at(path)?;
    }
    if version < 6 {
        conn.execute_batch(MIGRATE_6).at(path)?;
    }
    if version < 7 {
        conn.execute_batch(MIGRATE_7).at(path)?;
    }
    if version < 8 {
        // Indexes for the queue's selective filters.
        conn.execute_batch(MIGRATE_8).at(path)?;
    }
    Ok(())
}

fn decode(body: &str, cluster_size: Option<i64>) -> Result<Report, StoreError> {
    let mut r: Report =
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("report row: {e}")))?;
    r.cluster_size = cluster_size.unwrap_or(1).max(1) as u32;
    Ok(r)
}

/// One row of the export's query (the columns of `reports_public`, `version` second) as the
/// projection's candidate. Borrowed values where a field is parsed anyway: this runs once per
/// published report on every full export.
fn candidate_row(row: &rusqlite::Row, path: &Path) -> Result<Candidate, StoreError> {
    let bad =
        |what: &str, e: String| StoreError::Corrupt(format!("{}: {what}: {e}", path.display()));
    let text_ref = |i: usize| -> Result<Option<&str>, StoreError> {
        match row.get_ref(i).at(path)? {
            rusqlite::types::ValueRef::Null => Ok(None),
            v => v.as_str().map(Some).map_err(|e| bad("text", e.to_string())),
        }
    };
    let get_text = |i: usize| text_ref(i).map(|t| t.map(str::to_string));
    let time = |v: Option<&str>| -> Result<Option<DateTime<Utc>>, StoreError> {
        v.map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| bad("time", e.to_string()))
        })
        .transpose()
    };
    let location = match (
        row.get::<_, Option<f64>>(7).at(path)?,
        row.get::<_, Option<f64>>(8).at(path)?,
        text_ref(9)?,
    ) {
        (Some(lat), Some(lon), Some(precision)) => Some(Location {
            lat,
            lon,
            place: get_text(5)?,
            insee: get_text(6)?,
            precision: precision
                .parse()
                .map_err(|e| bad("precision", format!("{e}")))?,
            // The projection does not read the method.
            method: LocationMethod::Volunteer,
        }),
        _ => None,
    };
    let published_at = time(text_ref(10)?)?;
    let updated_at = match time(text_ref(11)?)? {
        Some(t) => t,
        None => published_at.unwrap_or_default(),
    };
    Ok(Candidate {
        id: row.get(0).at(path)?,
        version: row.get::<_, i64>(1).at(path)?.max(0) as u64,
        status: Status::Published,
        verification: text_ref(2)?
            .unwrap_or_default()
            .parse()
            .map_err(|e| bad("verification", format!("{e}")))?,
        category: text_ref(3)?
            .map(str::parse)
            .transpose()
            .map_err(|e| bad("category", format!("{e}")))?,
        summary: get_text(4)?,
        location,
        published_at,
        updated_at,
        network: row.get(12).at(path)?,
        official: row.get(13).at(path)?,
        source_url: get_text(14)?,
        author: text_ref(15)?.unwrap_or_default().to_string(),
        author_name: get_text(16)?,
    })
}

/// The columns of a report row, in the order of [`report_values`] (`?1` to `?27`).
const REPORT_COLUMNS: &str = "id, version, status, category, priority_rank, verification, network, escalated, posted_at, cluster_id, place, insee, search, body, \
     chosen_category, summary, lat, lon, precision, published_at, official, source_url, updated_at, author, author_name, canonical_url, changed_at";
const REPORT_VALUES: &str =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27";

/// The time this write is stamped with in the feed of changes: the clock, but always after
/// every change already stored (by this process or another one, the write lock being held),
/// so the feed's order is the order of the commits.
fn change_stamp(tx: &Connection, path: &Path) -> Result<i64, StoreError> {
    let newest: Option<i64> = tx
        .query_row("SELECT max(changed_at) FROM reports", [], |r| r.get(0))
        .at(path)?;
    Ok(Utc::now()
        .timestamp_micros()
        .max(newest.unwrap_or(0).saturating_add(1)))
}

/// A report's row, as [`REPORT_COLUMNS`] lists them: for an insert and an update alike,
/// stamped `changed_at`.
fn report_values(r: &Report, changed_at: i64) -> Result<Vec<rusqlite::types::Value>, StoreError> {
    use rusqlite::types::Value;
    let text = |t: Option<String>| t.map_or(Value::Null, Value::Text);
    let (body, search) = row_values(r)?;
    let loc = r.location.as_ref();
    Ok(vec![
        Value::Text(r.id.clone()),
        Value::Integer(r.version as i64),
        Value::Text(r.status.as_str().into()),
        Value::Text(r.effective_category().as_str().into()),
        Value::Integer(r.effective_priority().rank().into()),
        Value::Text(r.verification.as_str().into()),
        Value::Text(r.network.clone()),
        Value::Integer(r.escalated.into()),
        Value::Text(ts(&r.posted_at)),
        Value::Text(r.cluster_id.clone()),
        text(loc.and_then(|l| l.place.clone())),
        text(loc.and_then(|l| l.insee.clone())),
        Value::Text(search),
        Value::Text(body),
        text(r.category.map(|c| c.as_str().into())),
        text(r.summary.clone()),
        loc.map_or(Value::Null, |l| Value::Real(l.lat)),
        loc.map_or(Value::Null, |l| Value::Real(l.lon)),
        text(loc.map(|l| l.precision.as_str().into())),
        text(r.published_at.as_ref().map(ts)),
        Value::Integer(r.official.into()),
        text(r.source_url.clone()),
        Value::Text(ts(&r.updated_at)),
        Value::Text(r.author.clone()),
        text(r.author_name.clone()),
        text(r.source_url.as_deref().map(canonical_url)),
        Value::Integer(changed_at),
    ])
}

/// Records one history entry, inside the transaction that changes its report.
fn insert_history(tx: &Connection, e: &HistoryEntry, path: &Path) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO history (report_id, version, at, actor, action, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut insert| {
        insert.execute(params![
            e.report_id,
            e.version as i64,
            ts(&e.at),
            e.actor,
            e.action,
            e.changes.to_string()
        ])
    })
    .at(path)?;
    Ok(())
}

fn row_values(r: &Report) -> Result<(String, String), StoreError> {
    let body = serde_json::to_string(r).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let search = fold(&format!(
        "{} {}",
        r.text,
        r.summary.as_deref().unwrap_or("")
    ));
    Ok((body, search))
}

/// A report with its cluster's size and its spread count.
const SELECT: &str =
    "SELECT r.body, c.size, (SELECT count(*) FROM spreads s WHERE s.report_id = r.id) \
     FROM reports r LEFT JOIN clusters c ON c.cluster_id = r.cluster_id";

fn decode_row(row: &rusqlite::Row) -> rusqlite::Result<(String, Option<i64>, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn decode_full((body, size, spread): (String, Option<i64>, i64)) -> Result<Report, StoreError> {
    let mut r = decode(&body, size)?;
    r.spread_count = spread.max(0) as u32;
    Ok(r)
}

/// Opaque cursor: the sort key of the last report of a page, hex-encoded.
fn encode_cursor(rank: u8, posted_at: &str, id: &str) -> String {
    opaque_cursor(&format!("{rank}|{posted_at}|{id}"))
}

fn decode_cursor(cursor: &str) -> Result<(i64, String, String), StoreError> {
    let text = cursor_position(cursor, 400)?;
    let mut parts = text.splitn(3, '|');
    let rank = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or(StoreError::BadCursor)?;
    let posted = parts.next().ok_or(StoreError::BadCursor)?.to_string();
    let id = parts.next().ok_or(StoreError::BadCursor)?.to_string();
    Ok((rank, posted, id))
}

#[async_trait]
impl Reports for SqliteStore {
    async fn insert_reports_with_history(
        &self,
        reports: &[Report],
        created: &[HistoryEntry],
    ) -> Result<Vec<bool>, StoreError> {
        let reports = reports.to_vec();
        let created = created.to_vec();
        let path = self.path.clone();
        self.write(move |conn| {
            let entries = entries_by_report(&created);
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .at(&path)?;
            let stamp = change_stamp(&tx, &path)?;
            let mut out = Vec::with_capacity(reports.len());
            {
                let mut insert = tx
                    .prepare_cached(&format!(
                        "INSERT OR IGNORE INTO reports ({REPORT_COLUMNS}) VALUES ({REPORT_VALUES})"
                    ))
                    .at(&path)?;
                let mut cluster = tx
                    .prepare_cached(
                        "INSERT INTO clusters (cluster_id, size) VALUES (?1, 1)
                         ON CONFLICT (cluster_id) DO UPDATE SET size = size + 1",
                    )
                    .at(&path)?;
                let mut band = tx
                    .prepare_cached("INSERT OR IGNORE INTO bands (band, report_id) VALUES (?1, ?2)")
                    .at(&path)?;
                for r in &reports {
                    let n = insert
                        .execute(params_from_iter(report_values(r, stamp)?))
                        .at(&path)?;
                    if n == 1 {
                        cluster.execute(params![r.cluster_id]).at(&path)?;
                        if let Some(fp) = r.fingerprint() {
                            for b in fp.bands() {
                                band.execute(params![b, r.id]).at(&path)?;
                            }
                        }
                        for e in entries.get(r.id.as_str()).into_iter().flatten() {
                            insert_history(&tx, e, &path)?;
                        }
                    }
                    out.push(n == 1);
                }
            }
            tx.commit().at(&path)?;
            Ok(out)
        })
        .await
    }

    async fn get_report(&self, id: &str) -> Result<Option<Report>, StoreError> {
        let id = id.to_string();
        let path = self.path.clone();
        self.read(move |conn| {
            let row = conn
                .query_row(&format!("{SELECT} WHERE r.id = ?1"), [id], decode_row)
                .optional()
                .at(&path)?;
            row.map(decode_full).transpose()
        })
        .await
    }

    async fn report_by_url(&self, canonical: &str) -> Result<Option<Report>, StoreError> {
        let url = canonical.to_string();
        let path = self.path.clone();
        self.read(move |conn| {
            let row = conn
                .query_row(
                    &format!(
                        "{SELECT} WHERE r.canonical_url = ?1 ORDER BY r.posted_at, r.id LIMIT 1"
                    ),
                    [url],
                    decode_row,
                )
                .optional()
                .at(&path)?;
            row.map(decode_full).transpose()
        })
        .await
    }

    async fn list_reports(&self, query: &ReportQuery) -> Result<Page, StoreError> {
        let q = query.clone();
        let path = self.path.clone();
        self.read(move |conn| {
            let mut clauses: Vec<String> = Vec::new();
            let mut args: Vec<rusqlite::types::Value> = Vec::new();
            let arg = |v: rusqlite::types::Value, args: &mut Vec<rusqlite::types::Value>| {
                args.push(v);
                format!("?{}", args.len())
            };
            use rusqlite::types::Value as V;
            if let Some(s) = q.status {
                let a = arg(V::Text(s.as_str().into()), &mut args);
                clauses.push(format!("r.status = {a}"));
            }
            if let Some(c) = q.category {
                let a = arg(V::Text(c.as_str().into()), &mut args);
                clauses.push(format!("r.category = {a}"));
            }
            if let Some(p) = q.priority {
                let a = arg(V::Integer(p.rank().into()), &mut args);
                clauses.push(format!("r.priority_rank = {a}"));
            }
            if let Some(v) = q.verification {
                let a = arg(V::Text(v.as_str().into()), &mut args);
                clauses.push(format!("r.verification = {a}"));
            }
            if let Some(n) = &q.network {
                let a = arg(V::Text(n.clone()), &mut args);
                clauses.push(format!("r.network = {a}"));
            }
            if let Some(e) = q.escalated {
                let a = arg(V::Integer(e.into()), &mut args);
                clauses.push(format!("r.escalated = {a}"));
            }
            if let Some(p) = &q.place {
                let a = arg(V::Text(p.clone()), &mut args);
                clauses.push(format!("(r.insee = {a} OR r.place = {a} COLLATE NOCASE)"));
            }
            if let Some(c) = &q.cluster {
                let a = arg(V::Text(c.clone()), &mut args);
                clauses.push(format!("r.cluster_id = {a}"));
            }
            if let Some(text) = &q.q {
                for word in fold(text).split_whitespace() {
                    let a = arg(V::Text(format!("% {word}%")), &mut args);
                    clauses.push(format!("r.search LIKE {a}"));
                }
            }
            if let Some(cursor) = &q.cursor {
                let (rank, posted, id) = decode_cursor(cursor)?;
                let ra = arg(V::Integer(rank), &mut args);
                let pa = arg(V::Text(posted), &mut args);
                let ia = arg(V::Text(id), &mut args);
                clauses.push(format!(
                    "(r.priority_rank > {ra} OR (r.priority_rank = {ra} AND (r.posted_at < {pa} OR (r.posted_at = {pa} AND r.id > {ia}))))"
                ));
            }
            let limit = q.limit.clamp(1, 200);
            let la = arg(V::Integer(limit as i64 + 1), &mut args);
            let where_ = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
            let sql = format!("{SELECT}{where_} ORDER BY r.priority_rank ASC, r.posted_at DESC, r.id ASC LIMIT {la}");
            let mut stmt = conn.prepare_cached(&sql).at(&path)?;
            let rows = stmt
                .query_map(params_from_iter(args.iter()), decode_row)
                .at(&path)?;
            let mut items = Vec::new();
            for row in rows {
                items.push(decode_full(row.at(&path)?)?);
            }
            let next_cursor = if items.len() > limit {
                items.truncate(limit);
                items
                    .last()
                    .map(|r| encode_cursor(r.effective_priority().rank(), &ts(&r.posted_at), &r.id))
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        })
        .await
    }

    async fn update_report(
        &self,
        report: &Report,
        expected_version: u64,
        entry: &HistoryEntry,
    ) -> Result<Report, StoreError> {
        let mut next = report.clone();
        next.version = expected_version + 1;
        let entry = HistoryEntry {
            version: next.version,
            ..entry.clone()
        };
        let path = self.path.clone();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .at(&path)?;
            let current: Option<i64> = tx
                .query_row(
                    "SELECT version FROM reports WHERE id = ?1",
                    [&next.id],
                    |r| r.get(0),
                )
                .optional()
                .at(&path)?;
            let Some(current) = current else {
                return Err(StoreError::NotFound(format!("report {}", next.id)));
            };
            if current as u64 != expected_version {
                return Err(StoreError::Conflict {
                    id: next.id.clone(),
                    expected: expected_version,
                    current: current as u64,
                });
            }
            tx.execute(
                &format!("UPDATE reports SET ({REPORT_COLUMNS}) = ({REPORT_VALUES}) WHERE id = ?1"),
                params_from_iter(report_values(&next, change_stamp(&tx, &path)?)?),
            )
            .at(&path)?;
            insert_history(&tx, &entry, &path)?;
            let size: Option<i64> = tx
                .query_row(
                    "SELECT size FROM clusters WHERE cluster_id = ?1",
                    [&next.cluster_id],
                    |r| r.get(0),
                )
                .optional()
                .at(&path)?;
            tx.commit().at(&path)?;
            next.cluster_size = size.unwrap_or(1).max(1) as u32;
            Ok(next)
        })
        .await
    }

    async fn append_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        let path = self.path.clone();
        self.write(move |conn| {
            let known: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM reports WHERE id = ?1",
                    [&entry.report_id],
                    |r| r.get(0),
                )
                .optional()
                .at(&path)?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("report {}", entry.report_id)));
            }
            insert_history(conn, &entry, &path)
        })
        .await
    }

    async fn history(&self, report_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let id = report_id.to_string();
        let path = self.path.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT version, at, actor, action, changes FROM history WHERE report_id = ?1 ORDER BY version, rowid")
                .at(&path)?;
            let rows = stmt
                .query_map([&id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
                })
                .at(&path)?;
            let mut out = Vec::new();
            for row in rows {
                let (version, at, actor, action, changes) = row.at(&path)?;
                out.push(HistoryEntry {
                    report_id: id.clone(),
                    version: version as u64,
                    at: DateTime::parse_from_rfc3339(&at).map_err(|e| StoreError::Corrupt(e.to_string()))?.with_timezone(&Utc),
                    actor,
                    action,
                    changes: serde_json::from_str(&changes).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let path = self.path.clone();
        self.read(move |conn| {
            let mut counts = Counts::default();
            let group = |column: &str| -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
                let sql = format!("SELECT {column}, count(*) FROM reports GROUP BY 1");
                let mut stmt = conn.prepare_cached(&sql).at(&path)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, rusqlite::types::Value>(0)?, r.get::<_, i64>(1)?)))
                    .at(&path)?;
                let mut out = std::collections::BTreeMap::new();
                for row in rows {
                    let (k, n) = row.at(&path)?;
                    let key = match k {
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        _ => continue,
                    };
                    out.insert(key, n as u64);
                }
                Ok(out)
            };
            counts.by_status = group("status")?;
            counts.by_category = group("category")?;
            counts.by_network = group("network")?;
            counts.by_hour = group("substr(posted_at, 1, 13)")?;
            let ranks = group("priority_rank")?;
            for p in vigie_domain::taxonomy::Priority::ALL {
                if let Some(n) = ranks.get(&p.rank().to_string()) {
                    counts.by_priority.insert(p.as_str().to_string(), *n);
                }
            }
            counts.total = counts.by_status.values().sum();
            counts.escalated_waiting = conn
                .query_row(
                    "SELECT count(*) FROM reports WHERE escalated = 1 AND json_extract(body, '$.acknowledged_at') IS NULL",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .at(&path)? as u64;
            Ok(counts)
        })
        .await
    }

    async fn add_spreads(&self, spreads: &[Spread]) -> Result<usize, StoreError> {
        let spreads = spreads.to_vec();
        let path = self.path.clone();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .at(&path)?;
            let stamp = change_stamp(&tx, &path)?;
            let mut added = 0;
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO spreads (report_id, key)
                         SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM reports WHERE id = ?1)",
                    )
                    .at(&path)?;
                // A new repost changes the report's spread count: it is in the feed again.
                let mut changed = tx
                    .prepare_cached("UPDATE reports SET changed_at = ?2 WHERE id = ?1")
                    .at(&path)?;
                for s in &spreads {
                    let n = insert.execute(params![s.report_id, s.key]).at(&path)?;
                    if n > 0 {
                        changed.execute(params![s.report_id, stamp]).at(&path)?;
                    }
                    added += n;
                }
            }
            tx.commit().at(&path)?;
            Ok(added)
        })
        .await
    }
}

#[async_trait]
impl Clusters for SqliteStore {
    async fn cluster_candidates(
        &self,
        bands: &[String],
    ) -> Result<Vec<ClusterCandidate>, StoreError> {
        if bands.is_empty() {
            return Ok(Vec::new());
        }
        let bands = bands.to_vec();
        let path = self.path.clone();
        self.read(move |conn| {
            let mut out = Vec::new();
            for chunk in bands.chunks(200) {
                let marks = vec!["?"; chunk.len()].join(",");
                let sql = format!(
                    // The fingerprint alone, read by SQLite from the stored JSON: a popular
                    // message's band can have thousands of candidates, and decoding each whole
                    // report made collection slow down as the table grew.
                    "SELECT DISTINCT r.id, r.cluster_id, json_extract(r.body, '$.fingerprint') FROM bands b JOIN reports r ON r.id = b.report_id WHERE b.band IN ({marks})"
                );
                let mut stmt = conn.prepare(&sql).at(&path)?;
                let rows = stmt
                    .query_map(params_from_iter(chunk.iter()), |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, Option<String>>(2)?))
                    })
                    .at(&path)?;
                for row in rows {
                    let (report_id, cluster_id, fingerprint) = row.at(&path)?;
                    let fingerprint = fingerprint.unwrap_or_default();
                    out.push(ClusterCandidate { report_id, cluster_id, fingerprint });
                }
            }
            Ok(out)
        })
        .await
    }
}

#[async_trait]
impl PublishedReader for SqliteStore {
    async fn published_versions(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let path = self.path.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, version FROM reports INDEXED BY reports_published_versions
                     WHERE status = 'published' ORDER BY id",
                )
                .at(&path)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
                .at(&path)?;
            rows.collect::<Result<_, _>>().at(&path)
        })
        .await
    }

    async fn published_candidates(
        &self,
        ids: Option<&[String]>,
    ) -> Result<Vec<Candidate>, StoreError> {
        let path = self.path.clone();
        // The ids travel as one JSON array parameter, however many there are.
        let wanted = ids
            .map(serde_json::to_string)
            .transpose()
            .map_err(unavailable)?;
        self.read(move |conn| {
            const COLUMNS: &str = "r.id, r.version, r.verification, r.chosen_category, r.summary, r.place, r.insee, r.lat, r.lon, r.precision, r.published_at, r.updated_at, r.network, r.official, r.source_url, r.author, r.author_name";
            let mut stmt = match wanted {
                None => conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM reports AS r INDEXED BY reports_public WHERE r.status = 'published' ORDER BY r.id"
                )),
                // The ids drive the loop (CROSS JOIN keeps that order), each found in the
                // covering index: left to itself, SQLite would walk every published report.
                Some(_) => conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM (SELECT DISTINCT value FROM json_each(?1)) AS j CROSS JOIN reports AS r INDEXED BY reports_public ON r.id = j.value
                     WHERE r.status = 'published' ORDER BY r.id"
                )),
            }
            .at(&path)?;
            let mut rows = match &wanted {
                None => stmt.query([]),
                Some(json) => stmt.query([json]),
            }
            .at(&path)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().at(&path)? {
                out.push(candidate_row(row, &path)?);
            }
            Ok(out)
        })
        .await
    }
}

#[async_trait]
impl Checkpoints for SqliteStore {
    async fn checkpoint(&self, source_id: &str) -> Result<Option<String>, StoreError> {
        let id = source_id.to_string();
        let path = self.path.clone();
        self.read(move |conn| {
            conn.query_row(
                "SELECT value FROM checkpoints WHERE source_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .at(&path)
        })
        .await
    }

    async fn advance_checkpoint(
        &self,
        source_id: &str,
        from: Option<&str>,
        to: &str,
    ) -> Result<bool, StoreError> {
        let (id, from, to) = (
            source_id.to_string(),
            from.map(String::from),
            to.to_string(),
        );
        let path = self.path.clone();
        self.write(move |conn| {
            let tx = conn.transaction().at(&path)?;
            let current: Option<String> = tx
                .query_row("SELECT value FROM checkpoints WHERE source_id = ?1", [&id], |r| r.get(0))
                .optional()
                .at(&path)?;
            if current != from {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO checkpoints (source_id, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![id, to, ts(&Utc::now())],
            )
            .at(&path)?;
            tx.commit().at(&path)?;
            Ok(true)
        })
        .await
    }
}

#[async_trait]
impl SourceHealthLog for SqliteStore {
    async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let path = self.path.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT body FROM source_health ORDER BY source_id")
                .at(&path)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).at(&path)?;
            let mut out = Vec::new();
            for row in rows {
                let body = row.at(&path)?;
                out.push(
                    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
            }
            Ok(out)
        })
        .await
    }

    async fn record_source_run(&self, update: &HealthUpdate) -> Result<SourceHealth, StoreError> {
        let update = update.clone();
        let path = self.path.clone();
        self.write(move |conn| {
            // Read and write under one write lock, so another process's run cannot slip in
            // between.
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .at(&path)?;
            let stored: Option<String> = tx
                .query_row(
                    "SELECT body FROM source_health WHERE source_id = ?1",
                    params![update.source_id],
                    |r| r.get(0),
                )
                .optional()
                .at(&path)?;
            let mut health: SourceHealth = match stored {
                Some(body) => {
                    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?
                }
                None => SourceHealth::default(),
            };
            update.apply(&mut health);
            let body = serde_json::to_string(&health).map_err(unavailable)?;
            tx.execute(
                "INSERT INTO source_health (source_id, body) VALUES (?1, ?2)
                 ON CONFLICT (source_id) DO UPDATE SET body = excluded.body",
                params![update.source_id, body],
            )
            .at(&path)?;
            tx.commit().at(&path)?;
            Ok(health)
        })
        .await
    }
}

#[async_trait]
impl ChangeFeed for SqliteStore {
    fn change_overlap(&self) -> std::time::Duration {
        self.change_overlap
    }

    async fn changes_from(&self, from: ChangeFrom) -> Result<ChangePage, StoreError> {
        let ChangeFrom {
            since,
            limit,
            settled,
            ..
        } = from;
        let path = self.path.clone();
        self.read(move |conn| {
            // `(changed_at, id)` after the position; an empty id is before every id.
            let mut stmt = conn
                .prepare_cached(
                    "SELECT r.body, c.size, (SELECT count(*) FROM spreads s WHERE s.report_id = r.id), r.changed_at, r.id
                     FROM reports r INDEXED BY reports_changes LEFT JOIN clusters c ON c.cluster_id = r.cluster_id
                     WHERE r.changed_at >= ?1 AND (r.changed_at > ?1 OR r.id > ?2)
                     ORDER BY r.changed_at, r.id LIMIT ?3",
                )
                .at(&path)?;
            let rows = stmt
                .query_map(
                    params![since.micros, since.id.as_deref().unwrap_or(""), limit as i64 + 1],
                    |row| Ok((decode_row(row)?, row.get::<_, i64>(3)?, row.get::<_, String>(4)?)),
                )
                .at(&path)?;
            let mut items = Vec::new();
            let mut positions = Vec::new();
            let mut more = false;
            for row in rows {
                let (report, at, id) = row.at(&path)?;
                if items.len() == limit {
                    more = true;
                    break;
                }
                items.push(report);
                positions.push(ChangePosition::after(at, &id));
            }
            let (keep, next) = settle_page(&positions, &since, more, settled);
            items.truncate(keep);
            let items = items.into_iter().map(decode_full).collect::<Result<_, _>>()?;
            Ok(ChangePage { items, cursor: next.cursor(), more })
        })
        .await
    }
}

#[async_trait]
impl RoomStore for SqliteStore {
    async fn rooms(&self) -> Result<Option<Rooms>, StoreError> {
        let path = self.path.clone();
        self.read(move |conn| {
            let row: Option<(i64, String)> = conn
                .query_row("SELECT version, body FROM rooms WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .at(&path)?;
            row.map(|(version, body)| {
                Ok(Rooms {
                    items: serde_json::from_str(&body)
                        .map_err(|e| StoreError::Corrupt(format!("rooms: {e}")))?,
                    version: version.max(0) as u64,
                })
            })
            .transpose()
        })
        .await
    }

    async fn save_rooms(&self, items: &[Room], expected_version: u64) -> Result<Rooms, StoreError> {
        let items = items.to_vec();
        let body = serde_json::to_string(&items).map_err(unavailable)?;
        let path = self.path.clone();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .at(&path)?;
            let current: i64 = tx
                .query_row("SELECT version FROM rooms WHERE id = 1", [], |r| r.get(0))
                .optional()
                .at(&path)?
                .unwrap_or(0);
            if current.max(0) as u64 != expected_version {
                return Err(StoreError::Conflict {
                    id: "rooms".into(),
                    expected: expected_version,
                    current: current.max(0) as u64,
                });
            }
            let version = expected_version + 1;
            tx.execute(
                "INSERT INTO rooms (id, version, body) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body",
                params![version as i64, body],
            )
            .at(&path)?;
            tx.commit().at(&path)?;
            Ok(Rooms { items, version })
        })
        .await
    }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        let t = token.clone();
        let path = self.path.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tokens (id, name, role, hash, created_at, revoked_at, created_by, revoked_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![t.id, t.name, t.role.as_str(), t.hash, ts(&t.created_at), t.revoked_at.as_ref().map(ts), t.created_by, t.revoked_by],
            )
            .at(&path)?;
            Ok(())
        })
        .await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let hash = hash.to_string();
        let path = self.path.clone();
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, name, role, hash, created_at, revoked_at, created_by, revoked_by FROM tokens WHERE hash = ?1",
                [hash],
                token_row,
            )
            .optional()
            .at(&path)?
            .transpose()
        })
        .await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let path = self.path.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT id, name, role, hash, created_at, revoked_at, created_by, revoked_by FROM tokens ORDER BY created_at, id")
                .at(&path)?;
            let rows = stmt.query_map([], token_row).at(&path)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row.at(&path)??);
            }
            Ok(out)
        })
        .await
    }

    async fn revoke_token(&self, id: &str, at: DateTime<Utc>, by: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        let by = by.to_string();
        let path = self.path.clone();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE tokens SET revoked_by = CASE WHEN revoked_at IS NULL THEN ?3 ELSE revoked_by END,
                         revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                    params![id, ts(&at), by],
                )
                .at(&path)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("token {id}")));
            }
            Ok(())
        })
        .await
    }
}

fn token_row(r: &rusqlite::Row) -> rusqlite::Result<Result<TokenRecord, StoreError>> {
    let parse_time = |s: String| {
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    let role: String = r.get(2)?;
    let created: String = r.get(4)?;
    let revoked: Option<String> = r.get(5)?;
    Ok((|| {
        Ok(TokenRecord {
            id: r.get(0).map_err(unavailable)?,
            name: r.get(1).map_err(unavailable)?,
            role: role
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{e}")))?,
            hash: r.get(3).map_err(unavailable)?,
            created_at: parse_time(created)?,
            revoked_at: revoked.map(parse_time).transpose()?,
            created_by: r.get(6).map_err(unavailable)?,
            revoked_by: r.get(7).map_err(unavailable)?,
        })
    })())
}
