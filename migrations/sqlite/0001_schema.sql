-- contact-policy-bot: the whole schema (SQLite).
--
-- Written in two dialects (migrations/sqlite and migrations/postgres) that declare the same
-- tables, columns, constraints and indexes; only types and identity syntax differ, so the
-- Rust store can share one SQL text with `$1` placeholders between both backends.
--
-- Conventions
-- * Timestamps are UTC instants supplied by the application (never DEFAULT now()), so tests
--   can run on a controlled clock. Calendar dates (review dates, "sent on") are dates.
-- * Booleans: test them bare (`WHERE police_report_required`) or bind a parameter; both
--   backends accept that, and the partial indexes below are written that way.
-- * R-REC-3: every record keeps who did it (`created_by`, a Slack user id), when
--   (`created_at`) and which function it belongs to (`function_id`). Rows the scheduler
--   writes carry the bot's own Slack user id. Delivery bookkeeping (outbox, reminders,
--   approval_messages, schedule_runs, reference_counters) is not a record of anyone's act
--   and has no created_by; the act itself is in audit_events.
-- * Records are never deleted: a decision changes a status, and every change is an audit
--   event (R-REC-4). Foreign keys cascade only into rows that are part of their parent
--   (measures, criteria, identifiers, link rows).
-- * Tables that hang off one person carry service_user_id, and their links to each other are
--   composite foreign keys over (id, service_user_id): a request can never rely on another
--   person's incidents, nor a letter describe another person's restriction.
--
-- Personal data and erasure (R-DP-2)
-- * Personal values live only in the person's own rows: service_users,
--   service_user_identifiers and the free-text columns marked "-- personal" below (plus
--   measure params, which may hold blocked numbers, and outbox payloads of messages about
--   the person). audit_events never holds them (see that table), so erasure never has to
--   touch the append-only trail.
-- * Erasure anonymises rather than deletes: it deletes the identifiers, sets
--   service_users.display_name to NULL, resets format/language/communication needs, blanks
--   the "-- personal" columns to '' (NULL where nullable) and sets erased_at/erased_by. The
--   rows stay, so categories, measures and outcomes still count in governance reports (R-DP-5).

------------------------------------------------------------------------------------------
-- Organisation and permissions
------------------------------------------------------------------------------------------

-- A function of the organisation (§6 "head of function"); every record belongs to one (R-REC-3).
CREATE TABLE functions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- Who holds which role in a function: head (decides restrictions, §6), deputy (named by an
-- admin to decide in the head's place, R-RES-5), manager (receives reports, requests
-- restrictions, §6) and member (staff who report). One head per function.
CREATE TABLE function_roles (
    function_id INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,
    slack_user_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('head','deputy','manager','member')),
    granted_at TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    PRIMARY KEY (function_id, slack_user_id, role)
);
CREATE UNIQUE INDEX function_one_head ON function_roles (function_id) WHERE role = 'head';
CREATE INDEX function_roles_by_user ON function_roles (slack_user_id);

-- Admins: set up functions and roles, export or erase a person's data (R-DP-1, R-DP-2).
CREATE TABLE admins (
    slack_user_id TEXT PRIMARY KEY,
    granted_at TEXT NOT NULL,
    granted_by TEXT NOT NULL
);

------------------------------------------------------------------------------------------
-- Accountability and delivery
------------------------------------------------------------------------------------------

-- Append-only audit trail (R-REC-4, §8): every create, decision, change, reminder sent,
-- export and erasure. No personal data here: before/after hold ids, statuses, dates and the
-- NAMES of changed fields, never their values (no names, identifiers, descriptions or
-- letter text), so erasure (R-DP-2) never needs to touch this table; an erasure leaves an
-- event saying what was erased. function_id has no foreign key so history outlives a
-- function. UPDATE, DELETE (and on PostgreSQL TRUNCATE) are refused by the database.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    function_id INTEGER,
    before TEXT CHECK (before IS NULL OR json_valid(before)),
    after TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX audit_events_by_subject ON audit_events (subject_type, subject_id);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- Transactional outbox: every Slack Web API call (replies, notifications, reminders, message
-- updates) is written here in the same transaction as the change that causes it, then sent
-- with retries and backoff (R-REM-3, STYLE "replies leave only through the outbox").
-- idempotency_key makes a second enqueue of the same message a no-op; claimed_by/_until
-- let two instances share one database. Payloads of messages about a person hold personal
-- data: subject_type/subject_id let erasure find them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_until TEXT,
    last_error TEXT,
    slack_channel TEXT,
    slack_ts TEXT,
    subject_type TEXT,
    subject_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_subject ON outbox (subject_type, subject_id);

-- Slack Events API event ids already handled, so Slack's retries change nothing (R-OPS-2).
CREATE TABLE slack_events_seen (
    event_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL
);
CREATE INDEX slack_events_seen_by_time ON slack_events_seen (received_at);

-- Counters for human-readable references (INC-…, WRN-…, REQ-…, RES-…, DSP-…, REV-…) quoted
-- in Slack, letters and reminders. Allocate with one statement valid on both backends:
--   INSERT INTO reference_counters (prefix, last_value) VALUES ($1, 1)
--   ON CONFLICT (prefix) DO UPDATE SET last_value = reference_counters.last_value + 1
--   RETURNING last_value
CREATE TABLE reference_counters (
    prefix TEXT PRIMARY KEY,
    last_value INTEGER NOT NULL CHECK (last_value >= 1)
);

-- One row per scheduled job occurrence (R-REM-1, R-REM-3): the instance that inserts the
-- row runs it, a crashed run is re-claimed when claimed_until passes, and on start-up an
-- occurrence missed while the bot was down (no finished row) is caught up.
CREATE TABLE schedule_runs (
    job TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_until TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (job, scheduled_for)
);

-- Reminders already issued (R-REM-2, R-REM-3): at most one per item, due occasion and
-- recipient, enforced by the unique key; the message itself goes through the outbox row
-- written in the same transaction. "occasion" is chosen by the scheduler (e.g. the due
-- date, or the run date for daily overdue nudges). The approval nudge to the head and the
-- later escalation to the deputy are separate kinds, so the escalation can wait for the
-- first nudge's created_at.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('review_due','review_overdue','dispute_due','approval_waiting','approval_escalated','adapt_period_passed','police_report_outstanding','restriction_ending')),
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    occasion TEXT NOT NULL,
    recipient_slack_user_id TEXT NOT NULL,
    function_id INTEGER REFERENCES functions (id),
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
    created_at TEXT NOT NULL,
    UNIQUE (kind, subject_type, subject_id, occasion, recipient_slack_user_id)
);

------------------------------------------------------------------------------------------
-- Service users
------------------------------------------------------------------------------------------

-- A service user (§1 footnote: anyone who contacts the organisation) with their access
-- requirements and reasonable adjustments (R-REC-1, §1). Not owned by one function.
-- last_activity_at is moved forward by the store in the same transaction as any record
-- about the person; the retention job (R-DP-2) selects on it. display_name is NULL only
-- after erasure.
CREATE TABLE service_users (
    id INTEGER PRIMARY KEY,
    display_name TEXT,                                  -- personal
    preferred_format TEXT NOT NULL DEFAULT 'standard' CHECK (preferred_format IN ('standard','large_print','easy_read','braille','audio')),
    language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en','cy')),
    communication_needs TEXT NOT NULL DEFAULT '',       -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    erased_at TEXT,
    erased_by TEXT,
    CHECK (display_name IS NOT NULL OR erased_at IS NOT NULL),
    CHECK ((erased_at IS NULL) = (erased_by IS NULL))
);
CREATE INDEX service_users_by_name ON service_users (lower(display_name));
CREATE INDEX service_users_retention ON service_users (last_activity_at) WHERE erased_at IS NULL;

-- A person's identifiers (R-REC-1): value as typed, and normalized (phone numbers to one
-- form, emails lower-cased, case references upper-cased) so /contact check finds the person
-- however it is typed (R-RPT-5). Deliberately NOT unique across people: two people sharing
-- a number are never silently merged; the lookup lists every match.
CREATE TABLE service_user_identifiers (
    id INTEGER PRIMARY KEY,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('phone','email','postal_address','case_ref')),
    value TEXT NOT NULL,                                -- personal
    normalized TEXT NOT NULL,                           -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (service_user_id, kind, normalized)
);
CREATE INDEX service_user_identifiers_lookup ON service_user_identifiers (kind, normalized);
CREATE INDEX service_user_identifiers_by_person ON service_user_identifiers (service_user_id);

------------------------------------------------------------------------------------------
-- Reporting (§3, §4, §6)
------------------------------------------------------------------------------------------

-- Unacceptable behaviour reported by staff to their manager (R-RPT-1, R-REC-2, §3, §6).
-- Category is one of the three §3 headings; the kinds are in incident_kinds. Impact on work
-- (§3): staff time, number of contacts, and a note such as "50+ calls a day".
-- police_report_required (R-RPT-3, §4) keeps the incident on the manager's list until a
-- police_reports row exists.
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    category TEXT NOT NULL CHECK (category IN ('aggressive_abusive','unreasonable_demands','unreasonably_persistent')),
    channel TEXT NOT NULL CHECK (channel IN ('phone','email','letter','in_person','social_media','other')),
    occurred_at TEXT NOT NULL,
    description TEXT NOT NULL,                          -- personal
    impact_staff_minutes INTEGER CHECK (impact_staff_minutes >= 0),
    impact_contacts INTEGER CHECK (impact_contacts >= 0),
    impact_note TEXT NOT NULL DEFAULT '',               -- personal
    police_report_required INTEGER NOT NULL DEFAULT 0 CHECK (police_report_required IN (0,1)),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, service_user_id)
);
CREATE INDEX incidents_by_person ON incidents (service_user_id, occurred_at);
CREATE INDEX incidents_by_function ON incidents (function_id, occurred_at);
CREATE INDEX incidents_police_report_required ON incidents (function_id, occurred_at) WHERE police_report_required;

-- The §3 examples selected on an incident (R-REC-2), one row each, so governance counts by
-- kind (R-DP-5) are plain SQL on both backends. Which kinds belong to which category is the
-- domain's rule; "other" fits any category.
CREATE TABLE incident_kinds (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN (
        'threats','physical_violence','verbal_abuse','derogatory_remarks','rudeness',
        'unreasonable_timescales','insisting_on_particular_staff','seeking_staff_replaced','scattergun_contact','pursuing_with_numerous_staff',
        'refusing_to_accept_decision','repeated_requests_to_reverse_decision','refusing_explanations',
        'other')),
    PRIMARY KEY (incident_id, kind)
);
CREATE INDEX incident_kinds_by_kind ON incident_kinds (kind);

-- A police report made about an incident (R-RPT-3, §4): date and police reference, or, for
-- an incident where reporting was optional, why it was not reported. One per incident.
CREATE TABLE police_reports (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    reported_on TEXT,
    police_reference TEXT,
    not_reported_reason TEXT,                           -- personal
    note TEXT NOT NULL DEFAULT '',                      -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((reported_on IS NOT NULL AND police_reference IS NOT NULL AND not_reported_reason IS NULL)
        OR (reported_on IS NULL AND police_reference IS NULL AND not_reported_reason IS NOT NULL))
);

-- A phone call staff ended or put on hold, with the mandatory reason (R-RPT-2, §6 "log all
-- instances where calls have been terminated"). service_user_id may be NULL: the caller is
-- not always known and the log must still take under 30 seconds. Unlinked rows are erased by
-- age in the retention job.
CREATE TABLE ended_calls (
    id INTEGER PRIMARY KEY,
    service_user_id INTEGER REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('ended','on_hold')),
    reason TEXT NOT NULL CHECK (reason IN ('aggressive','abusive','offensive')),
    note TEXT NOT NULL,                                 -- personal
    occurred_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ended_calls_by_person ON ended_calls (service_user_id, occurred_at);
CREATE INDEX ended_calls_by_function ON ended_calls (function_id, occurred_at);

-- A refusal of an FOI request as vexatious or repeated under section 14 (R-DP-4, §9), shown
-- in the person's history. reference is the FOI request's own reference.
CREATE TABLE foi_refusals (
    id INTEGER PRIMARY KEY,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    reference TEXT NOT NULL,
    refused_on TEXT NOT NULL,
    ground TEXT NOT NULL CHECK (ground IN ('vexatious','repeated')),
    note TEXT NOT NULL DEFAULT '',                      -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX foi_refusals_by_person ON foi_refusals (service_user_id);

------------------------------------------------------------------------------------------
-- Warnings and restriction requests (§6)
------------------------------------------------------------------------------------------

-- The written warning that comes first (R-RES-1, §6): behaviour unacceptable, copy of the
-- policy, a chance to adapt until adapt_until. drafted -> sent (letter recorded as sent) ->
-- no_further_action (the person adapted) | escalated (a restriction request relies on it)
-- | withdrawn. A sent warning past adapt_until is reminded (R-REM-1).
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    behaviour TEXT NOT NULL,                            -- personal
    adapt_until TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'drafted' CHECK (status IN ('drafted','sent','no_further_action','escalated','withdrawn')),
    closed_by TEXT,
    closed_at TEXT,
    closed_note TEXT,                                   -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, service_user_id),
    CHECK ((status IN ('no_further_action','escalated','withdrawn')) = (closed_by IS NOT NULL AND closed_at IS NOT NULL))
);
CREATE INDEX warnings_by_person ON warnings (service_user_id);
CREATE INDEX warnings_adapt_period ON warnings (status, adapt_until);

-- Incidents a warning is about (same person, enforced).
CREATE TABLE warning_incidents (
    warning_id INTEGER NOT NULL,
    incident_id INTEGER NOT NULL,
    service_user_id INTEGER NOT NULL,
    PRIMARY KEY (warning_id, incident_id),
    FOREIGN KEY (warning_id, service_user_id) REFERENCES warnings (id, service_user_id) ON DELETE CASCADE,
    FOREIGN KEY (incident_id, service_user_id) REFERENCES incidents (id, service_user_id)
);
CREATE INDEX warning_incidents_by_incident ON warning_incidents (incident_id);

-- A manager's request to the head of function to restrict contact (R-RES-2, R-RES-4,
-- R-RES-5, §6). pending -> approved | rejected | withdrawn. Without a prior warning it must
-- give no_warning_reason (§4, §6). ends_on NULL means open-ended; first_review_on is at most
-- 12 months ahead (§8, checked in the domain). A variation of an existing restriction (from
-- a review or a dispute, R-REV-1, R-DIS-2) goes through the same approval and names
-- varies_restriction_id. The decider is never the requester (also checked here). At most
-- one pending request per person and function, so a resubmitted modal cannot double up.
CREATE TABLE restriction_requests (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','withdrawn')),
    justification TEXT NOT NULL,                        -- personal
    proportionality TEXT NOT NULL,                      -- personal
    internal_review_exhausted INTEGER NOT NULL DEFAULT 0 CHECK (internal_review_exhausted IN (0,1)),
    warning_id INTEGER,
    no_warning_reason TEXT CHECK (no_warning_reason IN ('violence_used_or_threatened','harassment_or_aggression','staff_safety')),
    ends_on TEXT,
    first_review_on TEXT NOT NULL,
    varies_restriction_id INTEGER,
    review_id INTEGER,
    dispute_id INTEGER,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,                               -- personal
    withdrawn_by TEXT,
    withdrawn_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, service_user_id),
    CONSTRAINT restriction_requests_warning_fk FOREIGN KEY (warning_id, service_user_id) REFERENCES warnings (id, service_user_id),
    CONSTRAINT restriction_requests_varies_fk FOREIGN KEY (varies_restriction_id, service_user_id) REFERENCES restrictions (id, service_user_id),
    CONSTRAINT restriction_requests_review_fk FOREIGN KEY (review_id, service_user_id) REFERENCES reviews (id, service_user_id),
    CONSTRAINT restriction_requests_dispute_fk FOREIGN KEY (dispute_id, service_user_id) REFERENCES disputes (id, service_user_id),
    CHECK (warning_id IS NOT NULL OR no_warning_reason IS NOT NULL OR varies_restriction_id IS NOT NULL),
    CHECK (review_id IS NULL OR dispute_id IS NULL),
    CHECK ((review_id IS NULL AND dispute_id IS NULL) OR varies_restriction_id IS NOT NULL),
    CHECK ((status IN ('approved','rejected')) = (decided_by IS NOT NULL AND decided_at IS NOT NULL)),
    CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
    CHECK (decided_by IS NULL OR decided_by <> created_by),
    CHECK ((status = 'withdrawn') = (withdrawn_by IS NOT NULL AND withdrawn_at IS NOT NULL))
);
CREATE INDEX restriction_requests_by_status ON restriction_requests (status, created_at);
CREATE INDEX restriction_requests_by_person ON restriction_requests (service_user_id);
CREATE UNIQUE INDEX restriction_requests_one_pending ON restriction_requests (service_user_id, function_id) WHERE status = 'pending';

-- Incidents a request relies on (R-RES-2); same person, enforced.
CREATE TABLE request_incidents (
    request_id INTEGER NOT NULL,
    incident_id INTEGER NOT NULL,
    service_user_id INTEGER NOT NULL,
    PRIMARY KEY (request_id, incident_id),
    FOREIGN KEY (request_id, service_user_id) REFERENCES restriction_requests (id, service_user_id) ON DELETE CASCADE,
    FOREIGN KEY (incident_id, service_user_id) REFERENCES incidents (id, service_user_id)
);
CREATE INDEX request_incidents_by_incident ON request_incidents (incident_id);

-- Measures proposed in a request, with their parameters as JSON (R-RES-3, §6 list):
-- e.g. time_limited_contact {"slots":[{"day":"tue","from":"09:00","to":"12:00"}]},
-- single_point_of_contact {"slack_user_id":"U…"}, block_contact {"phones":[…]} (personal).
CREATE TABLE request_measures (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES restriction_requests (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('time_limited_contact','single_contact_method','single_point_of_contact','calls_recorded','read_and_file','refuse_reopen','block_contact','other')),
    params TEXT NOT NULL CHECK (json_valid(params))
);
CREATE INDEX request_measures_by_request ON request_measures (request_id);

-- The six §6 criteria the head of function must be satisfied of (R-RES-4): one row per
-- criterion, inserted unticked with the request; approval is accepted only when all six are
-- ticked.
CREATE TABLE request_criteria (
    request_id INTEGER NOT NULL REFERENCES restriction_requests (id) ON DELETE CASCADE,
    criterion TEXT NOT NULL CHECK (criterion IN ('matter_addressed','decision_right','communication_adequate','misunderstandings_dispelled','access_requirements_considered','gateway_or_legal_advice')),
    ticked INTEGER NOT NULL DEFAULT 0 CHECK (ticked IN (0,1)),
    ticked_by TEXT,
    ticked_at TEXT,
    PRIMARY KEY (request_id, criterion),
    CHECK (NOT ticked OR (ticked_by IS NOT NULL AND ticked_at IS NOT NULL))
);

-- Every copy of a request's approval message (to the head, and later the deputy), so each
-- can be chat.update-d with the outcome (R-RES-5). Posted through the outbox; channel and ts
-- are filled in when Slack answers.
CREATE TABLE approval_messages (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES restriction_requests (id) ON DELETE CASCADE,
    recipient_slack_user_id TEXT NOT NULL,
    outbox_id INTEGER UNIQUE REFERENCES outbox (id),
    slack_channel TEXT,
    slack_ts TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (slack_channel, slack_ts)
);
CREATE INDEX approval_messages_by_request ON approval_messages (request_id);

------------------------------------------------------------------------------------------
-- Restrictions, breaches, disputes, reviews (§6, §7, §8)
------------------------------------------------------------------------------------------

-- A restriction in force, created by approval of a request (R-RES-6); created_by is the head
-- (or deputy) who approved and created_at when. active -> lifted (review or dispute) |
-- ended (end date passed, R-REV-2) | superseded (replaced by an approved variation).
-- next_review_on is at most 12 months after approval or the last review (R-REV-1, §8).
-- /contact check treats only status 'active' with ends_on NULL or not yet past as active.
CREATE TABLE restrictions (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    request_id INTEGER NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','lifted','ended','superseded')),
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    next_review_on TEXT NOT NULL,
    ended_by TEXT,
    ended_at TEXT,
    end_reason TEXT,                                    -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, service_user_id),
    CONSTRAINT restrictions_request_fk FOREIGN KEY (request_id, service_user_id) REFERENCES restriction_requests (id, service_user_id),
    CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CHECK ((status = 'active') = (ended_at IS NULL)),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX restrictions_by_person ON restrictions (service_user_id, status);
CREATE INDEX restrictions_review_due ON restrictions (next_review_on) WHERE status = 'active';
CREATE INDEX restrictions_ending ON restrictions (ends_on) WHERE status = 'active';

-- The measures in force under a restriction, copied from the approved request (R-RES-3,
-- R-RES-6); what /contact check turns into "how to handle contact now" (R-RPT-5).
CREATE TABLE restriction_measures (
    id INTEGER PRIMARY KEY,
    restriction_id INTEGER NOT NULL REFERENCES restrictions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('time_limited_contact','single_contact_method','single_point_of_contact','calls_recorded','read_and_file','refuse_reopen','block_contact','other')),
    params TEXT NOT NULL CHECK (json_valid(params))
);
CREATE INDEX restriction_measures_by_restriction ON restriction_measures (restriction_id);

-- A breach of an active restriction's conditions (R-RPT-4, §6 last paragraph).
CREATE TABLE breaches (
    id INTEGER PRIMARY KEY,
    restriction_id INTEGER NOT NULL,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    channel TEXT NOT NULL CHECK (channel IN ('phone','email','letter','in_person','social_media','other')),
    occurred_at TEXT NOT NULL,
    description TEXT NOT NULL,                          -- personal
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (restriction_id, service_user_id) REFERENCES restrictions (id, service_user_id)
);
CREATE INDEX breaches_by_restriction ON breaches (restriction_id, occurred_at);
CREATE INDEX breaches_by_person ON breaches (service_user_id);

-- A dispute of a restriction through the internal complaints procedure (R-DIS-1, R-DIS-2,
-- §7): awaiting_resolution until the handler records the outcome (still applies, varied,
-- lifted) with reasons. Reminded at and after due_on (R-REM-1).
CREATE TABLE disputes (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    restriction_id INTEGER NOT NULL,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    received_on TEXT NOT NULL,
    summary TEXT NOT NULL,                              -- personal
    handler_slack_user_id TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'awaiting_resolution' CHECK (status IN ('awaiting_resolution','resolved')),
    outcome TEXT CHECK (outcome IN ('still_applies','varied','lifted')),
    outcome_reasons TEXT,                               -- personal
    resolved_by TEXT,
    resolved_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, service_user_id),
    FOREIGN KEY (restriction_id, service_user_id) REFERENCES restrictions (id, service_user_id),
    CHECK (due_on >= received_on),
    CHECK ((status = 'resolved') = (outcome IS NOT NULL)),
    CHECK ((outcome IS NULL) = (outcome_reasons IS NULL)),
    CHECK ((outcome IS NULL) = (resolved_by IS NULL AND resolved_at IS NULL))
);
CREATE INDEX disputes_due ON disputes (status, due_on);
CREATE INDEX disputes_by_restriction ON disputes (restriction_id);
CREATE INDEX disputes_by_person ON disputes (service_user_id);

-- A review of a restriction (R-REV-1, §8): annual (due by next_review_on) or early
-- reconsideration because behaviour improved. Outcome continue (with a new review date),
-- vary (a restriction_requests row naming this review, needing approval) or lift. At most one
-- open review per restriction.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    restriction_id INTEGER NOT NULL,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    kind TEXT NOT NULL CHECK (kind IN ('annual','early')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','decided')),
    outcome TEXT CHECK (outcome IN ('continue','vary','lift')),
    reasons TEXT,                                       -- personal
    next_review_on TEXT,
    decided_by TEXT,
    decided_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, service_user_id),
    FOREIGN KEY (restriction_id, service_user_id) REFERENCES restrictions (id, service_user_id),
    CHECK ((status = 'decided') = (outcome IS NOT NULL)),
    CHECK ((outcome IS NULL) = (reasons IS NULL)),
    CHECK ((outcome IS NULL) = (decided_by IS NULL AND decided_at IS NULL)),
    CHECK (outcome IS NULL OR (outcome = 'continue') = (next_review_on IS NOT NULL))
);
CREATE INDEX reviews_by_restriction ON reviews (restriction_id);
CREATE INDEX reviews_by_person ON reviews (service_user_id);
CREATE UNIQUE INDEX reviews_one_open ON reviews (restriction_id) WHERE status = 'open';

------------------------------------------------------------------------------------------
-- Letters (R-LET)
------------------------------------------------------------------------------------------

-- A drafted letter (R-LET-1..4): warning, restriction notice, dispute outcome or review
-- outcome, each pointing at exactly the record it is about. format is the template rendered
-- (standard, large print, easy read); a person who needs Braille or audio gets the standard
-- text for transcription. template names the template file used. The draft is posted to the
-- manager as a Slack file; sent_* record when and how it was actually sent. A redraft is a
-- new row.
CREATE TABLE letters (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('warning','restriction_notice','dispute_outcome','review_outcome')),
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    function_id INTEGER NOT NULL REFERENCES functions (id),
    warning_id INTEGER,
    restriction_id INTEGER,
    dispute_id INTEGER,
    review_id INTEGER,
    format TEXT NOT NULL CHECK (format IN ('standard','large_print','easy_read')),
    language TEXT NOT NULL CHECK (language IN ('en','cy')),
    template TEXT NOT NULL,
    body TEXT NOT NULL,                                 -- personal
    slack_file_id TEXT,
    sent_on TEXT,
    sent_method TEXT CHECK (sent_method IN ('post','email','hand_delivered','other')),
    sent_recorded_by TEXT,
    sent_recorded_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (warning_id, service_user_id) REFERENCES warnings (id, service_user_id),
    FOREIGN KEY (restriction_id, service_user_id) REFERENCES restrictions (id, service_user_id),
    FOREIGN KEY (dispute_id, service_user_id) REFERENCES disputes (id, service_user_id),
    FOREIGN KEY (review_id, service_user_id) REFERENCES reviews (id, service_user_id),
    CHECK ((kind = 'warning') = (warning_id IS NOT NULL)),
    CHECK ((kind = 'restriction_notice') = (restriction_id IS NOT NULL)),
    CHECK ((kind = 'dispute_outcome') = (dispute_id IS NOT NULL)),
    CHECK ((kind = 'review_outcome') = (review_id IS NOT NULL)),
    CHECK ((sent_on IS NULL) = (sent_method IS NULL)),
    CHECK ((sent_on IS NULL) = (sent_recorded_by IS NULL AND sent_recorded_at IS NULL))
);
CREATE INDEX letters_by_person ON letters (service_user_id);
CREATE INDEX letters_unsent ON letters (function_id, created_at) WHERE sent_on IS NULL;
CREATE INDEX letters_by_warning ON letters (warning_id);
CREATE INDEX letters_by_restriction ON letters (restriction_id);
CREATE INDEX letters_by_dispute ON letters (dispute_id);
CREATE INDEX letters_by_review ON letters (review_id);

------------------------------------------------------------------------------------------
-- Retention (R-DP-2)
------------------------------------------------------------------------------------------

-- A run of the retention job, dry run first (R-DP-2): people with no active restriction and
-- no activity for inactive_days. created_by is the admin, or the bot for a scheduled run.
CREATE TABLE retention_runs (
    id INTEGER PRIMARY KEY,
    dry_run INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0,1)),
    inactive_days INTEGER NOT NULL CHECK (inactive_days > 0),
    candidates INTEGER CHECK (candidates >= 0),
    erased INTEGER CHECK (erased >= 0),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);

-- The people a retention run selected (ids only), so a dry run's list can be checked and
-- the real run shows exactly whom it erased.
CREATE TABLE retention_candidates (
    run_id INTEGER NOT NULL REFERENCES retention_runs (id) ON DELETE CASCADE,
    service_user_id INTEGER NOT NULL REFERENCES service_users (id),
    last_activity_at TEXT NOT NULL,
    erased INTEGER NOT NULL DEFAULT 0 CHECK (erased IN (0,1)),
    PRIMARY KEY (run_id, service_user_id)
);
