-- When a row was first claimed for sending. A sender unsure whether an earlier attempt
-- reached Slack searches the DM's history from this time on, however busy the DM since.
-- Rows already tried before this column existed start from when they were queued.
ALTER TABLE outbox ADD COLUMN first_attempted_at TIMESTAMPTZ;
UPDATE outbox SET first_attempted_at = created_at WHERE attempts > 0 OR claimed_by IS NOT NULL;
