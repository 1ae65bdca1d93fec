-- The public fields as columns, so the export reads no whole report.
ALTER TABLE reports ADD COLUMN chosen_category TEXT;
ALTER TABLE reports ADD COLUMN summary TEXT;
ALTER TABLE reports ADD COLUMN lat REAL;
ALTER TABLE reports ADD COLUMN lon REAL;
ALTER TABLE reports ADD COLUMN precision TEXT;
ALTER TABLE reports ADD COLUMN published_at TEXT;
ALTER TABLE reports ADD COLUMN official INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN source_url TEXT;
ALTER TABLE reports ADD COLUMN updated_at TEXT;
UPDATE reports SET chosen_category = json_extract(body, '$.category'),
    summary = json_extract(body, '$.summary'),
    lat = json_extract(body, '$.location.lat'),
    lon = json_extract(body, '$.location.lon'),
    precision = json_extract(body, '$.location.precision'),
    published_at = json_extract(body, '$.published_at'),
    official = json_extract(body, '$.official'),
    source_url = json_extract(body, '$.source_url'),
    updated_at = json_extract(body, '$.updated_at');
CREATE INDEX reports_public ON reports (id, verification, chosen_category, summary, place, insee, lat, lon, precision, published_at, updated_at, network, official, source_url) WHERE status = 'published';
PRAGMA user_version = 3;
