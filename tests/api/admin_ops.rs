//! The operator's admin commands (issue 11, item 13; R-OPS-4), run as the binary against a
//! migrated database on both backends: `--actor` anywhere, function names unique whatever
//! their case, renaming and retiring a function, handing a leaver's open items over, the
//! failed outbox, reading the audit trail, and backing up a live SQLite database.

use std::path::Path;

use crate::cli::bot;
use crate::db::TestDb;
use crate::helpers::*;

/// A fresh database of `backend`, migrated as `migrate` leaves it, with a directory to run
/// the binary in; `None` when PostgreSQL is not configured.
async fn migrated(backend: Backend, test: &str) -> Option<(tempfile::TempDir, TestDb)> {
    let db = fresh_db(backend, test).await?;
    let dir = tempfile::tempdir().expect("dir");
    let output = bot(dir.path(), db.url())
        .arg("migrate")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "migrate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some((dir, db))
}

/// Runs `admin ARGS` as the operator `ops`: whether it succeeded, stdout, stderr.
fn admin(dir: &Path, db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let output = bot(dir, db.url())
        // Log lines (PostgreSQL's notices among them) would mix with what is printed.
        .env("RUST_LOG", "warn")
        .arg("admin")
        .args(args)
        .args(["--actor", "ops"])
        .output()
        .expect("runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    )
}

/// `admin ARGS`, which must succeed; its stdout.
fn admin_ok(dir: &Path, db: &TestDb, args: &[&str]) -> String {
    let (ok, out, err) = admin(dir, db, args);
    assert!(ok, "{args:?} failed: {err}");
    out
}

/// `admin ARGS`, which must fail; its error line(s), without the line naming the database.
fn admin_refused(dir: &Path, db: &TestDb, args: &[&str]) -> String {
    let (ok, out, err) = admin(dir, db, args);
    assert!(!ok, "{args:?} succeeded: {out}");
    assert!(!err.contains("panicked"), "{err}");
    err.lines()
        .filter(|l| !l.starts_with("using "))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn insert_id(db: &str, sql: &str) -> i64 {
    let ids = sql_texts(db, &format!("{sql} RETURNING CAST(id AS TEXT)")).await;
    ids[0].parse().expect("id")
}

async fn function_id(db: &str, name: &str) -> i64 {
    sql_texts(
        db,
        &format!("SELECT CAST(id AS TEXT) FROM functions WHERE name = '{name}'"),
    )
    .await[0]
        .parse()
        .expect("id")
}

async fn person(db: &str, name: &str) -> i64 {
    let at = "2026-01-05T10:00:00+00:00";
    insert_id(
        db,
        &format!(
            "INSERT INTO service_users (display_name, name_folded, communication_needs, created_by, created_at, \
             updated_at, last_activity_at) VALUES ('{name}', lower('{name}'), '', 'U0STAFF', '{at}', '{at}', '{at}')"
        ),
    )
    .await
}

async fn actions(db: &str) -> Vec<String> {
    sql_texts(
        db,
        "SELECT action || ' ' || actor FROM audit_events ORDER BY id",
    )
    .await
}

/// A statement the database itself must refuse.
async fn refused_by_database(db_url: &str, sql: &str) -> String {
    use sqlx::Connection;
    let result = if db_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db_url).await.expect("pg");
        sqlx::query(sql).execute(&mut conn).await.map(|_| ())
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db_url)
            .await
            .expect("sqlite");
        sqlx::query(sql).execute(&mut conn).await.map(|_| ())
    };
    result.expect_err(sql).to_string()
}

/// `--actor` goes before or after the subcommand; without it the OS user is recorded.
#[test]
fn r_ops_4_actor_is_accepted_anywhere_and_defaults_to_the_os_user() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some((dir, db)) = runtime.block_on(migrated(Backend::Sqlite, "actor")) else {
        return;
    };
    let run = |args: &[&str], user: Option<&str>| {
        let mut command = bot(dir.path(), db.url());
        if let Some(user) = user {
            command.env("USER", user);
        }
        let output = command.args(args).output().expect("runs");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&["admin", "--actor", "before", "add-function", "One"], None);
    run(&["admin", "add-function", "Two", "--actor", "after"], None);
    run(&["admin", "add-function", "Three"], Some("alice"));
    assert_eq!(
        runtime.block_on(actions(db.url())),
        [
            "function_created cli:before",
            "function_created cli:after",
            "function_created cli:alice"
        ]
    );
}

async fn r_ops_4_function_names_are_unique_whatever_their_case(backend: Backend) {
    let Some((dir, db)) = migrated(backend, "function_case").await else {
        return;
    };
    let dir = dir.path();
    admin_ok(dir, &db, &["add-function", "Finance"]);
    admin_ok(dir, &db, &["add-function", "Housing"]);
    let refused = admin_refused(dir, &db, &["add-function", "finance"]);
    assert_eq!(
        refused,
        "error: a function named \"Finance\" already exists: function names are unique whatever their case"
    );
    // The database holds the rule too, whatever writes to it.
    let error = refused_by_database(
        db.url(),
        "INSERT INTO functions (name, created_at, created_by) VALUES ('FINANCE', '2026-01-05T10:00:00+00:00', 'x')",
    )
    .await;
    assert!(
        error.to_lowercase().contains("unique"),
        "not refused as a duplicate: {error}"
    );
    // Roles may name a function in any case; a missing one is said plainly.
    admin_ok(dir, &db, &["add-manager", "finance", "U0MANAGER"]);
    let missing = admin_refused(dir, &db, &["add-manager", "Payroll", "U0MANAGER"]);
    assert_eq!(missing, "error: function \"Payroll\" was not found");

    let renamed = admin_ok(dir, &db, &["rename-function", "finance", "Revenues"]);
    assert_eq!(renamed, "renamed function Finance to Revenues");
    let taken = admin_refused(dir, &db, &["rename-function", "Revenues", "HOUSING"]);
    assert_eq!(
        taken,
        "error: a function named \"Housing\" already exists: function names are unique whatever their case"
    );
    assert_eq!(
        admin_ok(dir, &db, &["list-functions"]),
        "Housing\n  head: -\n  deputies: -\n  managers: -\n  members: -\nRevenues\n  head: -\n  deputies: -\n  managers: U0MANAGER\n  members: -"
    );
    let renames = sql_texts(
        db.url(),
        "SELECT CAST(before AS TEXT) || ' ' || CAST(after AS TEXT) FROM audit_events WHERE action = 'function_renamed'",
    )
    .await;
    assert_eq!(renames.len(), 1, "{renames:?}");
    assert!(
        renames[0].contains("Finance") && renames[0].contains("Revenues"),
        "{renames:?}"
    );
}

async fn r_ops_4_a_function_retires_only_with_nothing_open_and_then_takes_no_records(
    backend: Backend,
) {
    let Some((dir, db)) = migrated(backend, "retire").await else {
        return;
    };
    let dir = dir.path();
    let url = db.url();
    admin_ok(dir, &db, &["add-function", "Casework"]);
    admin_ok(dir, &db, &["add-manager", "Casework", "U0MANAGER"]);
    admin_ok(dir, &db, &["add-member", "Casework", "U0STAFF"]);
    let f = function_id(url, "Casework").await;
    let p = person(url, "Pat Example").await;
    let request = insert_id(
        url,
        &format!(
            "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, proportionality, \
             no_warning_reason, first_review_on, created_by, created_at) VALUES ('REQ-71', {p}, {f}, 'pending', 'x', 'x', \
             'violence_used_or_threatened', '2027-01-01', 'U0MANAGER', '2026-01-05T10:00:00+00:00')"
        ),
    )
    .await;
    let refused = admin_refused(dir, &db, &["retire-function", "casework"]);
    assert_eq!(
        refused,
        "error: function Casework still has open items, so it was not retired: REQ-71. Close them, or hand them to someone else with `admin reassign`, then retire it."
    );
    run_sql(
        url,
        &format!(
            "UPDATE restriction_requests SET status = 'withdrawn', withdrawn_by = 'U0MANAGER', \
             withdrawn_at = '2026-01-06T10:00:00+00:00' WHERE id = {request}"
        ),
    )
    .await;
    assert_eq!(
        admin_ok(dir, &db, &["retire-function", "Casework"]),
        "retired function Casework: it keeps its records and takes no new ones"
    );
    assert_eq!(
        admin_ok(dir, &db, &["list-functions"]),
        "Casework (retired)\n  head: -\n  deputies: -\n  managers: -\n  members: -"
    );
    let again = admin_refused(dir, &db, &["retire-function", "Casework"]);
    assert_eq!(again, "error: function Casework is already retired");
    // No new report can be filed in it, by any path.
    let error = refused_by_database(
        url,
        &format!(
            "INSERT INTO incidents (reference, service_user_id, function_id, category, channel, occurred_at, description, \
             created_by, created_at) VALUES ('INC-71', {p}, {f}, 'aggressive_abusive', 'phone', '2026-01-07T10:00:00+00:00', \
             'x', 'U0STAFF', '2026-01-07T10:00:00+00:00')"
        ),
    )
    .await;
    assert!(error.contains("function is retired"), "{error}");
    let audit = actions(url).await;
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.starts_with("role_revoked"))
            .count(),
        2,
        "{audit:?}"
    );
    assert_eq!(
        audit.last().map(String::as_str),
        Some("function_retired cli:ops")
    );
}

/// What the leaver holds: a request awaiting their decision, a dispute they handle,
/// reviews of a restriction they requested, and its notice letter, not yet sent.
struct Holdings {
    request: String,
    dispute: String,
    reviewed: String,
}

async fn leaver_holdings(dir: &Path, db: &TestDb) -> Holdings {
    let url = db.url();
    admin_ok(dir, db, &["add-function", "Casework"]);
    admin_ok(dir, db, &["set-head", "Casework", "U0HEAD"]);
    admin_ok(dir, db, &["add-deputy", "Casework", "U0DEPUTY"]);
    for manager in ["U0LEAVER", "U0MGR", "U0NEW"] {
        admin_ok(dir, db, &["add-manager", "Casework", manager]);
    }
    admin_ok(dir, db, &["add-member", "Casework", "U0MEMBER"]);
    let f = function_id(url, "Casework").await;
    let p = person(url, "Pat Example").await;
    let today = chrono::Utc::now().date_naive();
    let reviewed = insert_restriction_owned(
        url,
        p,
        f,
        &[],
        today - chrono::Duration::days(30),
        None,
        today + chrono::Duration::days(20),
        "U0LEAVER",
    )
    .await;
    let disputed = insert_restriction_owned(
        url,
        p,
        f,
        &[],
        today - chrono::Duration::days(30),
        None,
        today + chrono::Duration::days(200),
        "U0MGR",
    )
    .await;
    let at = "2026-01-05T10:00:00+00:00";
    run_sql(
        url,
        &format!(
            "INSERT INTO disputes (reference, restriction_id, service_user_id, function_id, received_on, summary, \
             handler_slack_user_id, due_on, created_by, created_at) VALUES ('DSP-81', {disputed}, {p}, {f}, '{today}', 'x', \
             'U0LEAVER', '{}', 'U0MGR', '{at}')",
            today + chrono::Duration::days(10)
        ),
    )
    .await;
    run_sql(
        url,
        &format!(
            "INSERT INTO letters (kind, service_user_id, function_id, restriction_id, format, language, template, body, \
             created_by, created_at, held_by) VALUES ('restriction_notice', {p}, {f}, {reviewed}, 'standard', 'en', \
             'restriction_notice.html', 'x', 'U0HEAD', '{at}', 'U0LEAVER')"
        ),
    )
    .await;
    let request = insert_id(
        url,
        &format!(
            "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, proportionality, \
             no_warning_reason, first_review_on, created_by, created_at) VALUES ('REQ-81', {p}, {f}, 'pending', 'x', 'x', \
             'violence_used_or_threatened', '2027-01-01', 'U0MGR', '{at}')"
        ),
    )
    .await;
    // The leaver was a deputy when the request came; the approval copy went to them.
    run_sql(
        url,
        &format!(
            "INSERT INTO approval_messages (request_id, recipient_slack_user_id, created_at) VALUES ({request}, 'U0LEAVER', '{at}')"
        ),
    )
    .await;
    // A proposal to continue at review, whose authorisation message went to them too.
    let review = insert_id(
        url,
        &format!(
            "INSERT INTO reviews (reference, restriction_id, service_user_id, function_id, kind, status, created_by, created_at) \
             VALUES ('REV-81', {reviewed}, {p}, {f}, 'annual', 'open', 'U0MGR', '{at}')"
        ),
    )
    .await;
    let proposal = insert_id(
        url,
        &format!(
            "INSERT INTO review_continuations (review_id, service_user_id, function_id, status, reasons, next_review_on, \
             proposed_by, proposed_at) VALUES ({review}, {p}, {f}, 'pending', 'x', '2027-06-01', 'U0MGR', '{at}')"
        ),
    )
    .await;
    run_sql(
        url,
        &format!(
            "INSERT INTO review_continuation_messages (continuation_id, recipient_slack_user_id, created_at) \
             VALUES ({proposal}, 'U0LEAVER', '{at}')"
        ),
    )
    .await;
    let reference = |id: i64| {
        let url = url.to_owned();
        async move {
            sql_texts(
                &url,
                &format!("SELECT reference FROM restrictions WHERE id = {id}"),
            )
            .await[0]
                .clone()
        }
    };
    let reviewed = reference(reviewed).await;
    Holdings {
        request: "REQ-81".to_owned(),
        dispute: "DSP-81".to_owned(),
        reviewed,
    }
}

async fn r_ops_4_reassign_hands_a_leavers_open_items_to_someone_with_the_role(backend: Backend) {
    let Some((dir, db)) = migrated(backend, "reassign").await else {
        return;
    };
    let dir = dir.path();
    let url = db.url();
    let held = leaver_holdings(dir, &db).await;
    let before = actions(url).await.len();

    // A member holds none of the roles: every item is refused, naming who has the role.
    let refused = admin_refused(
        dir,
        &db,
        &["reassign", "--from", "U0LEAVER", "--to", "U0MEMBER"],
    );
    let lines: Vec<&str> = refused.lines().collect();
    assert_eq!(
        lines[0],
        "error: U0MEMBER cannot take over every item, so nothing was handed over:"
    );
    assert_eq!(lines.len(), 6, "{refused}");
    assert!(
        lines[1].contains(&format!("{} to decide", held.request))
            && lines[1].contains("who may: U0HEAD, U0DEPUTY"),
        "{refused}"
    );
    assert!(
        lines[2].contains("the proposal to continue at REV-81 to authorise")
            && lines[2].contains("who may: U0HEAD, U0DEPUTY"),
        "{refused}"
    );
    assert!(
        lines[3].contains(&held.dispute) && lines[3].contains("who may: U0LEAVER, U0NEW"),
        "{refused}"
    );
    assert!(
        lines[4].contains(&format!("reviews of {}", held.reviewed)),
        "{refused}"
    );
    assert!(lines[5].contains("letter "), "{refused}");
    // A manager may take all but the decision, which needs the head or a deputy.
    let refused = admin_refused(
        dir,
        &db,
        &["reassign", "--from", "U0LEAVER", "--to", "U0NEW"],
    );
    assert_eq!(refused.lines().count(), 3, "{refused}");
    assert!(refused.contains(&held.request), "{refused}");
    assert_eq!(
        actions(url).await.len(),
        before,
        "a refusal changed nothing"
    );

    let moved = admin_ok(
        dir,
        &db,
        &[
            "reassign", "--from", "U0LEAVER", "--to", "U0NEW", "--kind", "disputes", "--kind",
            "reviews", "--kind", "letters",
        ],
    );
    assert!(
        moved.starts_with("handed 3 of U0LEAVER's open items to U0NEW:"),
        "{moved}"
    );
    let moved = admin_ok(
        dir,
        &db,
        &[
            "reassign",
            "--from",
            "U0LEAVER",
            "--to",
            "U0DEPUTY",
            "--kind",
            "decisions",
        ],
    );
    assert!(moved.starts_with("handed 2 of"), "{moved}");
    let nothing = admin_ok(
        dir,
        &db,
        &["reassign", "--from", "U0LEAVER", "--to", "U0NEW"],
    );
    assert_eq!(
        nothing,
        "U0LEAVER holds no open items: nothing to hand over"
    );

    // What each now sees on their App Home is the store's own reading.
    let store = contact_policy_bot::store::connect(url)
        .await
        .expect("store");
    let today = chrono::Utc::now().date_naive();
    let until = today + chrono::Duration::days(60);
    let user = contact_policy_bot::domain::UserId::from_slack;
    let new = store
        .home_items(&user("U0NEW"), today, until)
        .await
        .expect("home");
    assert_eq!(
        new.disputes_to_resolve
            .items
            .iter()
            .map(|(_, r, _)| r.as_str())
            .collect::<Vec<_>>(),
        [held.dispute.as_str()]
    );
    assert_eq!(
        new.reviews_due
            .items
            .iter()
            .map(|(_, r, _, _)| r.as_str())
            .collect::<Vec<_>>(),
        [held.reviewed.as_str()]
    );
    assert_eq!(new.letters_to_send.items.len(), 1);
    let deputy = store
        .home_items(&user("U0DEPUTY"), today, until)
        .await
        .expect("home");
    assert_eq!(
        deputy
            .approvals_waiting
            .items
            .iter()
            .map(|(_, r, _)| r.as_str())
            .collect::<Vec<_>>(),
        [held.request.as_str()]
    );
    assert_eq!(
        deputy
            .continuations_waiting
            .items
            .iter()
            .map(|(_, review, _, _)| review.as_str())
            .collect::<Vec<_>>(),
        ["REV-81"]
    );
    let leaver = store
        .home_items(&user("U0LEAVER"), today, until)
        .await
        .expect("home");
    assert!(leaver.disputes_to_resolve.items.is_empty());
    assert!(leaver.reviews_due.items.is_empty());
    assert!(leaver.letters_to_send.items.is_empty());
    let handed: Vec<String> = actions(url)
        .await
        .into_iter()
        .filter(|a| a.starts_with("handed_over"))
        .collect();
    assert_eq!(handed, vec!["handed_over cli:ops".to_owned(); 5]);
}

async fn r_ops_4_failed_messages_are_listed_by_reference_and_retried_once(backend: Backend) {
    let Some((dir, db)) = migrated(backend, "outbox_failed").await else {
        return;
    };
    let dir = dir.path();
    let url = db.url();
    assert_eq!(
        admin_ok(dir, &db, &["outbox", "failed"]),
        "no failed messages"
    );
    let id = insert_id(
        url,
        "INSERT INTO outbox (idempotency_key, method, payload, status, attempts, next_attempt_at, last_error, created_at, failed_at) \
         VALUES ('k1', 'chat.postMessage', '{\"channel\":\"U0X\",\"text\":\"About Pat Example\"}', 'failed', 0, \
         '2026-01-05T10:00:00+00:00', 'slack error channel_not_found', '2026-01-05T10:00:00+00:00', '2026-01-05T10:00:03+00:00')",
    )
    .await;
    let listed = admin_ok(dir, &db, &["outbox", "failed"]);
    assert_eq!(
        listed,
        format!(
            "{id}  chat.postMessage  slack error channel_not_found  failed 2026-01-05 10:00:03 UTC"
        )
    );
    assert!(!listed.contains("Pat"), "no payload shown");
    let retried = admin_ok(dir, &db, &["outbox", "retry", &id.to_string()]);
    assert!(
        retried.starts_with(&format!("message {id} is queued again")),
        "{retried}"
    );
    assert_eq!(
        sql_texts(url, "SELECT status FROM outbox").await,
        ["pending"]
    );
    let again = admin_refused(dir, &db, &["outbox", "retry", &id.to_string()]);
    assert_eq!(
        again,
        format!("error: a failed outbox message {id} was not found")
    );
    assert_eq!(actions(url).await, ["outbox_retried cli:ops"]);
}

async fn r_dp_6_reading_the_audit_trail_is_itself_audited(backend: Backend) {
    let Some((dir, db)) = migrated(backend, "audit_read").await else {
        return;
    };
    let dir = dir.path();
    let url = db.url();
    admin_ok(dir, &db, &["add-function", "Casework"]);
    let f = function_id(url, "Casework").await;
    let pat = person(url, "Pat Example").await;
    let sam = person(url, "Sam Other").await;
    let incident = |p: i64, reference: &str| {
        format!(
            "INSERT INTO incidents (reference, service_user_id, function_id, category, channel, occurred_at, description, \
             created_by, created_at) VALUES ('{reference}', {p}, {f}, 'aggressive_abusive', 'phone', '2026-01-07T10:00:00+00:00', \
             'x', 'U0STAFF', '2026-01-07T10:00:00+00:00')"
        )
    };
    let pat_incident = insert_id(url, &incident(pat, "INC-91")).await;
    let sam_incident = insert_id(url, &incident(sam, "INC-92")).await;
    let event = |at: &str, subject: &str, id: i64| {
        format!(
            "INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, function_id) \
             VALUES ('{at}', 'U0STAFF', 'incident_reported', '{subject}', '{id}', {f})"
        )
    };
    run_sql(
        url,
        &event("2026-01-07T10:00:00+00:00", "incident", pat_incident),
    )
    .await;
    run_sql(
        url,
        &event("2026-01-07T11:00:00+00:00", "incident", sam_incident),
    )
    .await;
    run_sql(
        url,
        &event("2026-02-01T09:00:00+00:00", "service_user", pat),
    )
    .await;

    let about_pat = admin_ok(
        dir,
        &db,
        &[
            "audit",
            "--person",
            &format!("SU-{pat}"),
            "--timezone",
            "UTC",
        ],
    );
    assert_eq!(
        about_pat,
        format!(
            "2026-01-07 10:00:00 +00:00  U0STAFF  incident_reported  incident {pat_incident}  function {f}\n\
             2026-02-01 09:00:00 +00:00  U0STAFF  incident_reported  service_user {pat}  function {f}"
        )
    );
    let since = admin_ok(
        dir,
        &db,
        &[
            "audit",
            "--since",
            "2026-01-08",
            "--timezone",
            "Europe/London",
        ],
    );
    let lines: Vec<&str> = since.lines().collect();
    assert_eq!(lines.len(), 3, "{since}");
    assert!(
        lines[0].contains("cli:ops  function_created  function"),
        "{since}"
    );
    assert!(lines[1].contains(&format!("service_user {pat}")), "{since}");
    assert!(
        lines[2].contains("audit_trail_read  service_user"),
        "the first reading is on the trail: {since}"
    );
    let unknown = admin_refused(dir, &db, &["audit", "--person", "SU-999"]);
    assert_eq!(unknown, "error: no person SU-999 is on record");
    let readings = sql_texts(
        url,
        "SELECT actor || ' ' || subject_type || ' ' || subject_id FROM audit_events WHERE action = 'audit_trail_read' ORDER BY id",
    )
    .await;
    assert_eq!(
        readings,
        [
            format!("cli:ops service_user {pat}"),
            "cli:ops audit_trail all".to_owned()
        ]
    );
}

async fn r_ops_4_backup_copies_a_live_sqlite_database_and_refuses_postgresql(backend: Backend) {
    let Some((dir, db)) = migrated(backend, "backup").await else {
        return;
    };
    let dir = dir.path();
    admin_ok(dir, &db, &["add-function", "Casework"]);
    let target = dir.join("copy.db");
    let target_arg = target.to_str().expect("path");
    if backend == Backend::Postgres {
        let refused = admin_refused(dir, &db, &["backup", target_arg]);
        assert_eq!(
            refused,
            "error: admin backup copies a SQLite database; for PostgreSQL use pg_dump (see \"Backup and restore\" in deploy/README.md)"
        );
        assert!(!target.exists());
        return;
    }
    // As while `serve` runs: its instance lock is held, and a connection is open.
    let _serving = contact_policy_bot::store::InstanceLock::acquire(db.url()).expect("lock");
    let _open = contact_policy_bot::store::connect(db.url())
        .await
        .expect("open");
    let said = admin_ok(dir, &db, &["backup", target_arg]);
    assert_eq!(said, format!("backed up to {}", target.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target)
            .expect("copy")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let copy = format!("sqlite://{}", target.display());
    assert_eq!(
        sql_texts(&copy, "SELECT name FROM functions").await,
        ["Casework"]
    );
    let refused = admin_refused(dir, &db, &["backup", target_arg]);
    assert!(
        refused.starts_with(&format!("error: cannot create {}", target.display())),
        "{refused}"
    );
    assert_eq!(
        actions(db.url()).await,
        ["function_created cli:ops", "backup_made cli:ops"]
    );
}

on_both_backends!(
    r_ops_4_function_names_are_unique_whatever_their_case,
    r_ops_4_a_function_retires_only_with_nothing_open_and_then_takes_no_records,
    r_ops_4_reassign_hands_a_leavers_open_items_to_someone_with_the_role,
    r_ops_4_failed_messages_are_listed_by_reference_and_retried_once,
    r_dp_6_reading_the_audit_trail_is_itself_audited,
    r_ops_4_backup_copies_a_live_sqlite_database_and_refuses_postgresql,
);

/// A database made before names were unique whatever their case, holding `Finance` and
/// `FINANCE`, still migrates: the later one is renamed to show its id, the rename is
/// audited, and from then on the database refuses such a pair.
async fn r_ops_4_existing_names_differing_in_case_survive_the_migration(backend: Backend) {
    let Some(db) = fresh_db(backend, "case_migration").await else {
        return;
    };
    let (dialect, url) = (
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        },
        db.url(),
    );
    // The schema as it was before migration 0016.
    let before = tempfile::tempdir().expect("dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    for entry in std::fs::read_dir(&source).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name < "0016" {
            std::fs::copy(&path, before.path().join(name)).expect("copy");
        }
    }
    let migrator = sqlx::migrate::Migrator::new(before.path())
        .await
        .expect("migrations");
    if backend == Backend::Postgres {
        let pool = sqlx::PgPool::connect(url).await.expect("pg");
        migrator.run(&pool).await.expect("older schema");
        pool.close().await;
    } else {
        let options = url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .expect("url")
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options)
            .await
            .expect("sqlite");
        migrator.run(&pool).await.expect("older schema");
        pool.close().await;
    }
    for name in ["Finance", "FINANCE", "Housing"] {
        run_sql(
            url,
            &format!(
                "INSERT INTO functions (name, created_at, created_by) VALUES ('{name}', '2026-01-05T10:00:00+00:00', 'x')"
            ),
        )
        .await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let output = bot(dir.path(), url).arg("migrate").output().expect("runs");
    assert!(
        output.status.success(),
        "migrate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let names = sql_texts(url, "SELECT name FROM functions ORDER BY id").await;
    assert_eq!(names, ["Finance", "FINANCE (2)", "Housing"]);
    let audit = sql_texts(
        url,
        "SELECT actor || ' ' || action || ' ' || subject_id FROM audit_events",
    )
    .await;
    assert_eq!(audit, ["system function_renamed 2"]);
    let error = refused_by_database(
        url,
        "INSERT INTO functions (name, created_at, created_by) VALUES ('housing', '2026-01-05T10:00:00+00:00', 'x')",
    )
    .await;
    assert!(error.to_lowercase().contains("unique"), "{error}");
    // The audit event's time reads back as every other.
    let store = contact_policy_bot::store::connect(url)
        .await
        .expect("store");
    let events = store.all_audit_events().await.expect("audit reads");
    assert_eq!(events.len(), 1);
}

on_both_backends!(r_ops_4_existing_names_differing_in_case_survive_the_migration);

/// Someone in no function picks the function a report belongs to from every function: a
/// retired one is not among them.
async fn r_ops_4_a_retired_function_is_not_offered_for_new_reports(backend: Backend) {
    let Some(app) = spawn_app(backend, "retired_picker").await else {
        return;
    };
    let actor = contact_policy_bot::domain::Actor::cli("test");
    let now = chrono::Utc::now();
    for name in ["Casework", "Housing"] {
        let name = contact_policy_bot::domain::roles::FunctionName::parse(name).expect("name");
        app.store
            .add_function(&name, &actor, now)
            .await
            .expect("function");
    }
    let housing = contact_policy_bot::domain::roles::FunctionName::parse("Housing").expect("name");
    assert_eq!(
        app.store
            .retire_function(&housing, &actor, now)
            .await
            .expect("retire"),
        contact_policy_bot::store::ops::RetireOutcome::Retired
    );
    let response = app.slash_command("U0NOROLE", "report").await;
    assert_eq!(response.status(), 200);
    let view = app.opened_view(0).await;
    let picker = view["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .find(|b| b["block_id"] == "function")
        .unwrap_or_else(|| panic!("no function picker: {view}"));
    let offered: Vec<&str> = picker["element"]["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["text"]["text"].as_str())
        .collect();
    assert_eq!(offered, ["Casework"]);
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(r_ops_4_a_retired_function_is_not_offered_for_new_reports);
