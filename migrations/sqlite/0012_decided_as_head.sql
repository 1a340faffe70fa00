-- A head's rejection stands (issue 9, finding 11; §6): whether the person who decided a
-- request, or a proposal to continue at review, was the head of the function when they
-- decided it, so a later change of head does not let a deputy overturn the rejection.
-- NULL for decisions recorded before this migration: the decider's current role is asked,
-- as before.
ALTER TABLE restriction_requests ADD COLUMN decided_as_head BOOLEAN;
ALTER TABLE review_continuations ADD COLUMN decided_as_head BOOLEAN;
