-- A review's "continue" is authorised by the head of function (issue 9, finding 10, §6):
-- the reviewing manager proposes it (reasons, next review date) and the head or a deputy
-- who did not propose it authorises it with the six §6 criteria ticked, or rejects it with
-- a reason. The review stays open until authorised; a rejected proposal sends it back to
-- the manager. At most one proposal awaits authorisation per review.
CREATE TABLE review_continuations (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','authorised','rejected')),
    reasons TEXT NOT NULL,                              -- personal
    next_review_on TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    checklist_complete INTEGER NOT NULL DEFAULT 0 CHECK (checklist_complete IN (0,1)),
    decided_by TEXT,
    decided_at TEXT,
    rejection_reason TEXT,                              -- personal
    FOREIGN KEY (review_id, service_user_id) REFERENCES reviews (id, service_user_id),
    CHECK ((status = 'pending') = (decided_by IS NULL AND decided_at IS NULL)),
    CHECK ((status = 'authorised') = (checklist_complete = 1)),
    CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL)),
    CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX review_continuations_by_review ON review_continuations (review_id);
CREATE UNIQUE INDEX review_continuations_one_pending ON review_continuations (review_id) WHERE status = 'pending';

-- Every copy of a proposal's authorisation message, so each can be updated with the outcome.
CREATE TABLE review_continuation_messages (
    id INTEGER PRIMARY KEY,
    continuation_id INTEGER NOT NULL REFERENCES review_continuations (id),
    recipient_slack_user_id TEXT NOT NULL,
    outbox_id INTEGER UNIQUE REFERENCES outbox (id),
    created_at TEXT NOT NULL
);
CREATE INDEX review_continuation_messages_by_continuation ON review_continuation_messages (continuation_id);
