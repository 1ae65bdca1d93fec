-- Hand entries are de-duplicated by canonical URL against every report; tokens record who
-- created and revoked them. `canonical_url` is filled in by migrate() (computed in Rust).
ALTER TABLE reports ADD COLUMN canonical_url TEXT;
CREATE INDEX reports_url ON reports (canonical_url);
ALTER TABLE tokens ADD COLUMN created_by TEXT;
ALTER TABLE tokens ADD COLUMN revoked_by TEXT;
