-- The export reads each published report's version first, then the public fields of those
-- that changed: the version joins the covering index, and gets a narrow one of its own.
DROP INDEX reports_public;
CREATE INDEX reports_public ON reports (id, version, verification, chosen_category, summary, place, insee, lat, lon, precision, published_at, updated_at, network, official, source_url, author, author_name) WHERE status = 'published';
CREATE INDEX reports_published_versions ON reports (id, version) WHERE status = 'published';
PRAGMA user_version = 6;
