-- Who holds a drafted letter: the manager it was delivered to, with its "Mark as sent"
-- prompt, and so the one reminded while it is not marked sent, and whose App Home lists it
-- (issue 9, finding 12). Not always its drafter: a restriction notice is drafted by the
-- head's decision but goes to the manager who requested the restriction.
ALTER TABLE letters ADD COLUMN held_by TEXT;
UPDATE letters SET held_by = created_by;
UPDATE letters SET held_by = (
    SELECT q.created_by FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id
    WHERE r.id = letters.restriction_id
) WHERE kind = 'restriction_notice' AND EXISTS (
    SELECT 1 FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id
    WHERE r.id = letters.restriction_id
);
