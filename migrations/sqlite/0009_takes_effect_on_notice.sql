-- A restriction takes effect once the person has been told (issue 9, finding 15; §4, §6:
-- the organisation "advises service users prior to putting any restrictions in place").
-- awaits_notice: approved, not yet in force, waiting for its notice letter to be marked
-- sent; starts_on is then the earliest day it may start (the approval day, or a later day
-- the head set), and becomes the day it starts when the letter is marked sent.
-- at_once_for_staff_safety: the head recorded at approval that it must apply at once for
-- staff safety, so it did not wait for the notice. Restrictions approved before this
-- migration were in force from their start date, as before.
ALTER TABLE restrictions ADD COLUMN awaits_notice BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE restrictions ADD COLUMN at_once_for_staff_safety BOOLEAN NOT NULL DEFAULT FALSE;
