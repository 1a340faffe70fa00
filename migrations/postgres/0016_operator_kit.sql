-- The operator's kit (issue 11, item 13).
--
-- Function names are unique whatever their case: `Finance` and `finance` would be two
-- functions no one could tell apart in a picker. A database that already holds two such
-- names keeps both, the later one renamed to show its id (and the rename audited), so
-- the unique index can be made without losing a record.
INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, function_id, before, after)
SELECT now(), 'system', 'function_renamed', 'function', f.id::text, f.id,
       jsonb_build_object('name', f.name), jsonb_build_object('name', f.name || ' (' || f.id || ')', 'why', 'another function has this name in another case')
FROM functions f
WHERE f.id NOT IN (SELECT MIN(id) FROM functions GROUP BY lower(name));
UPDATE functions SET name = name || ' (' || id || ')'
WHERE id NOT IN (SELECT MIN(id) FROM functions GROUP BY lower(name));
CREATE UNIQUE INDEX functions_name_any_case ON functions (lower(name));

-- A retired function keeps its records (and its name in them) but takes no new reports,
-- warnings or requests: `admin retire-function` refuses while it has open items, and the
-- database refuses new records in it.
ALTER TABLE functions ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE functions ADD COLUMN retired_by TEXT;

CREATE FUNCTION refuse_records_in_retired_function() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM functions WHERE id = NEW.function_id AND retired_at IS NOT NULL) THEN
        RAISE EXCEPTION 'function is retired';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER incidents_not_in_retired_function BEFORE INSERT ON incidents
    FOR EACH ROW EXECUTE FUNCTION refuse_records_in_retired_function();
CREATE TRIGGER ended_calls_not_in_retired_function BEFORE INSERT ON ended_calls
    FOR EACH ROW EXECUTE FUNCTION refuse_records_in_retired_function();
CREATE TRIGGER warnings_not_in_retired_function BEFORE INSERT ON warnings
    FOR EACH ROW EXECUTE FUNCTION refuse_records_in_retired_function();
CREATE TRIGGER restriction_requests_not_in_retired_function BEFORE INSERT ON restriction_requests
    FOR EACH ROW EXECUTE FUNCTION refuse_records_in_retired_function();
CREATE TRIGGER foi_refusals_not_in_retired_function BEFORE INSERT ON foi_refusals
    FOR EACH ROW EXECUTE FUNCTION refuse_records_in_retired_function();

-- Who owns a restriction's reviews: NULL means the manager who requested it (as before);
-- `admin reassign` hands them to another manager of the function when the owner leaves.
ALTER TABLE restrictions ADD COLUMN review_owner TEXT;

-- When Slack refused an outbox message for good, for `admin outbox failed`.
ALTER TABLE outbox ADD COLUMN failed_at TIMESTAMPTZ;
