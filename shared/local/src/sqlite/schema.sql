-- The schema of a new store file, at SCHEMA_VERSION (sqlite.rs); an older file is brought
-- up to it by migrations/<version>.sql.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    verification TEXT NOT NULL,
    network TEXT NOT NULL,
    escalated INTEGER NOT NULL,
    posted_at TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    place TEXT,
    insee TEXT,
    search TEXT NOT NULL,
    body TEXT NOT NULL,
    chosen_category TEXT,
    summary TEXT,
    lat REAL,
    lon REAL,
    precision TEXT,
    published_at TEXT,
    official INTEGER NOT NULL DEFAULT 0,
    source_url TEXT,
    updated_at TEXT,
    author TEXT NOT NULL DEFAULT '',
    author_name TEXT,
    canonical_url TEXT,
    changed_at INTEGER NOT NULL DEFAULT 0
);
-- The feed of changes: when the store last wrote each report, oldest first.
CREATE INDEX reports_changes ON reports (changed_at, id);
-- Hand entries: a post already stored, whatever its network, is found by its address.
CREATE INDEX reports_url ON reports (canonical_url);
CREATE INDEX reports_queue ON reports (priority_rank, posted_at DESC, id);
CREATE INDEX reports_status_queue ON reports (status, priority_rank, posted_at DESC, id);
CREATE INDEX reports_cluster ON reports (cluster_id);
-- The queue's selective filters, each read in the queue's order or by its key.
CREATE INDEX reports_verification_queue ON reports (verification, priority_rank, posted_at DESC, id);
CREATE INDEX reports_escalated_queue ON reports (escalated, priority_rank, posted_at DESC, id);
CREATE INDEX reports_insee ON reports (insee);
CREATE INDEX reports_place ON reports (place COLLATE NOCASE);
-- Covers the export's query, so it never reads whole report rows.
CREATE INDEX reports_public ON reports (id, version, verification, chosen_category, summary, place, insee, lat, lon, precision, published_at, updated_at, network, official, source_url, author, author_name) WHERE status = 'published';
-- The export's first read: which published reports changed since it last rendered them.
CREATE INDEX reports_published_versions ON reports (id, version) WHERE status = 'published';
CREATE TABLE clusters (cluster_id TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE bands (band TEXT NOT NULL, report_id TEXT NOT NULL, PRIMARY KEY (band, report_id)) WITHOUT ROWID;
CREATE TABLE history (
    report_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX history_report ON history (report_id, version);
CREATE TABLE spreads (report_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (report_id, key)) WITHOUT ROWID;
CREATE TABLE checkpoints (source_id TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE source_health (source_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    created_by TEXT,
    revoked_by TEXT
);
CREATE TABLE rooms (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, body TEXT NOT NULL);
