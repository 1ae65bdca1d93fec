-- Reposts counted per report.
CREATE TABLE IF NOT EXISTS spreads (report_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (report_id, key)) WITHOUT ROWID;
PRAGMA user_version = 2;
