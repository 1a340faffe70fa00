-- Disputes go through the internal complaints procedure (§7; issue 9, findings 7 and 9).
-- Complaints handlers are named by admins, a role outside the functions: they may handle
-- any dispute, as may a manager of the function who neither requested nor approved the
-- restriction (never the requester, the approver or the function's head or deputies).
CREATE TABLE complaints_handlers (
    slack_user_id TEXT PRIMARY KEY,
    granted_at TEXT NOT NULL,
    granted_by TEXT NOT NULL
);

-- The organisation's complaints system reference for the dispute; NULL for disputes
-- recorded before it was asked.
ALTER TABLE disputes ADD COLUMN complaint_reference TEXT;

-- A dispute resolved "vary" stays awaiting resolution while the head decides the
-- variation: who proposed it, when, and the reasons (personal: they go in the outcome
-- letter). Cleared when the variation is rejected or withdrawn, and the dispute goes
-- back to its handler; copied into the outcome when the variation is approved.
ALTER TABLE disputes ADD COLUMN variation_reasons TEXT;
ALTER TABLE disputes ADD COLUMN variation_proposed_by TEXT;
ALTER TABLE disputes ADD COLUMN variation_proposed_at TEXT;
