-- The operator's kit (issue 11, item 13).
--
-- Function names are unique whatever their case: `Finance` and `finance` would be two
-- functions no one could tell apart in a picker. A database that already holds two such
-- names keeps both, the later one renamed to show its id (and the rename audited), so
-- the unique index can be made without losing a record.
INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, function_id, before, after)
SELECT strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), 'system', 'function_renamed', 'function', CAST(f.id AS TEXT), f.id,
       json_object('name', f.name), json_object('name', f.name || ' (' || f.id || ')', 'why', 'another function has this name in another case')
FROM functions f
WHERE f.id NOT IN (SELECT MIN(id) FROM functions GROUP BY lower(name));
UPDATE functions SET name = name || ' (' || id || ')'
WHERE id NOT IN (SELECT MIN(id) FROM functions GROUP BY lower(name));
CREATE UNIQUE INDEX functions_name_any_case ON functions (lower(name));

-- A retired function keeps its records (and its name in them) but takes no new reports,
-- warnings or requests: `admin retire-function` refuses while it has open items, and the
-- database refuses new records in it.
ALTER TABLE functions ADD COLUMN retired_at TEXT;
ALTER TABLE functions ADD COLUMN retired_by TEXT;

CREATE TRIGGER incidents_not_in_retired_function BEFORE INSERT ON incidents
WHEN (SELECT retired_at FROM functions WHERE id = NEW.function_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'function is retired');
END;
CREATE TRIGGER ended_calls_not_in_retired_function BEFORE INSERT ON ended_calls
WHEN (SELECT retired_at FROM functions WHERE id = NEW.function_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'function is retired');
END;
CREATE TRIGGER warnings_not_in_retired_function BEFORE INSERT ON warnings
WHEN (SELECT retired_at FROM functions WHERE id = NEW.function_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'function is retired');
END;
CREATE TRIGGER restriction_requests_not_in_retired_function BEFORE INSERT ON restriction_requests
WHEN (SELECT retired_at FROM functions WHERE id = NEW.function_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'function is retired');
END;
CREATE TRIGGER foi_refusals_not_in_retired_function BEFORE INSERT ON foi_refusals
WHEN (SELECT retired_at FROM functions WHERE id = NEW.function_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'function is retired');
END;

-- Who owns a restriction's reviews: NULL means the manager who requested it (as before);
-- `admin reassign` hands them to another manager of the function when the owner leaves.
ALTER TABLE restrictions ADD COLUMN review_owner TEXT;

-- When Slack refused an outbox message for good, for `admin outbox failed`.
ALTER TABLE outbox ADD COLUMN failed_at TEXT;
