-- Retention runs that an admin confirms (R-DP-2, issue 10 item 6). Additive.
--
-- * reason: the ground an admin gave for a run or a one-person erasure (`admin erase
--   --reason`, e.g. "Article 17 request DPR-0042"). It is about the decision, not the
--   person: the admin is told not to write a name or identifier there, and it is never
--   shown in a channel. NULL for a scheduled run.
-- * confirms_run_id: the scheduled dry run an admin confirmed from its DM. Unique, so a
--   double click or a Slack retry applies it once: the second confirmation conflicts.
-- * confirmed_by: who confirmed it (a Slack user id).
ALTER TABLE retention_runs ADD COLUMN reason TEXT;
ALTER TABLE retention_runs ADD COLUMN confirms_run_id INTEGER REFERENCES retention_runs (id);
ALTER TABLE retention_runs ADD COLUMN confirmed_by TEXT;
CREATE UNIQUE INDEX retention_runs_confirmed_once ON retention_runs (confirms_run_id) WHERE confirms_run_id IS NOT NULL;

-- Every admin's copy of a scheduled dry run's DM (references and reasons only), so the
-- confirmation updates each copy with what was done and by whom.
CREATE TABLE retention_run_messages (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES retention_runs (id),
    recipient_slack_user_id TEXT NOT NULL,
    outbox_id INTEGER UNIQUE REFERENCES outbox (id),
    created_at TEXT NOT NULL
);
CREATE INDEX retention_run_messages_by_run ON retention_run_messages (run_id);
