-- Erasure finds the bot's messages about a person by a link, never by searching text
-- (issue 10 review, R-DP-2): every message queued about a person names them here when it
-- is queued. Rows queued before this column existed carry no link; `outbox_legacy`
-- records where they end, and only those are still searched for the person's name and
-- identifiers.
ALTER TABLE outbox ADD COLUMN service_user_id INTEGER REFERENCES service_users (id);
CREATE INDEX outbox_by_person ON outbox (service_user_id);
CREATE TABLE outbox_legacy (last_unlinked_id INTEGER NOT NULL);
INSERT INTO outbox_legacy (last_unlinked_id) SELECT COALESCE(MAX(id), 0) FROM outbox;
