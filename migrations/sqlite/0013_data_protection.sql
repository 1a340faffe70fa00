-- Data protection (issue 10; R-REC-1, R-DP-2).
--
-- A correction note (R-REC-1): records of what happened are never rewritten; a manager adds
-- a note to an incident, ended call, warning or breach, shown with it in the case file, the
-- subject access export and any later letter. service_user_id is NULL only for a note on an
-- ended call whose caller was not known. The note itself is personal data (erased with the
-- person, R-DP-2).
CREATE TABLE correction_notes (
    id INTEGER PRIMARY KEY,
    service_user_id INTEGER REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    record_type TEXT NOT NULL CHECK (record_type IN ('incident','ended_call','warning','breach')),
    record_id INTEGER NOT NULL,
    note TEXT NOT NULL,                                 -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX correction_notes_by_record ON correction_notes (record_type, record_id);
CREATE INDEX correction_notes_by_person ON correction_notes (service_user_id);

-- A legal hold (R-DP-2): while one is open (released_at NULL) the person is never erased,
-- by the retention job or on request. Set and cleared by an admin with a reason; rows are
-- kept as the history of holds. The reasons may name the person: they are erased with them.
CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    reason TEXT NOT NULL,                               -- personal
    held_by TEXT NOT NULL,
    held_at TEXT NOT NULL,
    released_by TEXT,
    released_at TEXT,
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE UNIQUE INDEX legal_holds_one_open ON legal_holds (service_user_id) WHERE released_at IS NULL;
