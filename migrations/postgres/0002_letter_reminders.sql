-- Letters drafted but not marked sent after some days are reminded too (R-REM-1, issue
-- "Scheduled reminders"): one more reminder kind.
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check CHECK (kind IN (
    'review_due','review_overdue','dispute_due','approval_waiting','approval_escalated',
    'adapt_period_passed','police_report_outstanding','restriction_ending','letter_unsent'));
