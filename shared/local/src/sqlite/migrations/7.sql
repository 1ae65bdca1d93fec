-- The feed of changes (`/changes`): each report row carries the time the store last wrote it
-- (microseconds), indexed with its id; reports stored before keep their last update's time.
-- The team's topic rooms are one row.
ALTER TABLE reports ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
UPDATE reports SET changed_at = CAST(round((julianday(coalesce(updated_at, posted_at)) - 2440587.5) * 86400000000.0) AS INTEGER);
CREATE INDEX reports_changes ON reports (changed_at, id);
CREATE TABLE rooms (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, body TEXT NOT NULL);
PRAGMA user_version = 7;
