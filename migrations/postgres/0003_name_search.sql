-- Name search that treats every letter alike on both backends (R-REC-1): SQLite's lower()
-- folds only ASCII, so "ÉMILE" and "Ŵyn" were found on PostgreSQL but not on SQLite. The
-- application stores the name lower-cased (Unicode) here and searches this column.
-- Personal data: erasure clears it with display_name.
ALTER TABLE service_users ADD COLUMN name_folded TEXT;
UPDATE service_users SET name_folded = lower(display_name);
CREATE INDEX service_users_by_folded_name ON service_users (name_folded);
