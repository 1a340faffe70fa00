-- Letters drafted but not marked sent after some days are reminded too (R-REM-1): one more
-- reminder kind. SQLite cannot alter a CHECK constraint, so the table is rebuilt; nothing
-- references it.
CREATE TABLE reminders_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('review_due','review_overdue','dispute_due','approval_waiting','approval_escalated','adapt_period_passed','police_report_outstanding','restriction_ending','letter_unsent')),
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    occasion TEXT NOT NULL,
    recipient_slack_user_id TEXT NOT NULL,
    function_id INTEGER REFERENCES functions (id),
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
    created_at TEXT NOT NULL,
    UNIQUE (kind, subject_type, subject_id, occasion, recipient_slack_user_id)
);
INSERT INTO reminders_new SELECT * FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
