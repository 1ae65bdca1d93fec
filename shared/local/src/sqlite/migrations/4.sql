-- The author's handle and name beside the public fields: the projection reads them to take
-- them out of a private person's summary.
ALTER TABLE reports ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN author_name TEXT;
UPDATE reports SET author = coalesce(json_extract(body, '$.author'), ''),
    author_name = json_extract(body, '$.author_name');
DROP INDEX reports_public;
CREATE INDEX reports_public ON reports (id, verification, chosen_category, summary, place, insee, lat, lon, precision, published_at, updated_at, network, official, source_url, author, author_name) WHERE status = 'published';
PRAGMA user_version = 4;
