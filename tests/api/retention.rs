//! Retention, legal hold and erasure (R-DP-2, issue 10 items 5–7), end to end on both
//! backends: the admin commands as parsed from the command line, the real outbox sender
//! delivering to and deleting from the fake Slack, and the scheduled dry run confirmed from
//! an admin's DM.

use std::collections::BTreeSet;
use std::time::Duration;

use clap::Parser;
use contact_policy_bot::clock::{Clock, ManualClock, SystemClock};
use contact_policy_bot::domain::roles::FunctionName;
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::slack::outbound::SlackCall;
use contact_policy_bot::store::Store;
use slack_morphism::prelude::SlackMessageContent;

use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(10);
const MANAGER: &str = "U0MANAGER";
const ADMIN: &str = "U0ADMIN";
/// Long before any six-year cutoff seen from now.
const OLD: &str = "2019-06-01T10:00:00+00:00";

/// Every value seeded about the person to be erased: none may be left anywhere.
const SECRETS: &[&str] = &[
    "Zebedee",
    "Quillfeather",
    "07700 900123",
    "447700900123",
    "zq@example.org",
    "Marigold Lane",
    "CASE-ZQ-77",
    "ZQSECRET",
];

/// Runs `contact-policy-bot admin ARGS…` as parsed from the command line, on `store`.
async fn admin(store: &dyn Store, clock: &dyn Clock, args: &[&str]) -> anyhow::Result<String> {
    let mut argv = vec!["contact-policy-bot", "admin", "--actor", "U0ADMIN"];
    argv.extend_from_slice(args);
    let cli = contact_policy_bot::cli::Cli::try_parse_from(argv)?;
    let Some(contact_policy_bot::cli::Command::Admin { actor, command }) = cli.command else {
        panic!("not an admin command");
    };
    contact_policy_bot::admin::run(store, clock, &Actor::cli(&actor), command).await
}

async fn function(store: &dyn Store, name: &str) -> i64 {
    store
        .add_function(
            &FunctionName::parse(name).expect("name"),
            &Actor::cli("test"),
            chrono::Utc::now(),
        )
        .await
        .expect("function")
}

async fn insert_id(db: &str, sql: &str) -> i64 {
    let ids = sql_texts(db, &format!("{sql} RETURNING CAST(id AS TEXT)")).await;
    ids[0].parse().expect("id")
}

/// A person last active at `at` with nothing else on file; returns their id.
async fn quiet_person(db: &str, name: &str, at: &str) -> i64 {
    insert_id(
        db,
        &format!(
            "INSERT INTO service_users (display_name, name_folded, communication_needs, created_by, created_at, \
             updated_at, last_activity_at) VALUES ('{name}', lower('{name}'), '', 'U0STAFF', '{at}', '{at}', '{at}')"
        ),
    )
    .await
}

/// Ids of what `full_person` seeded.
struct Seeded {
    person: i64,
    letter: i64,
}

/// A person last active in 2019 with every kind of record, each free-text column holding a
/// `ZQSECRET-…` value, and the bot's messages about them queued for the fake Slack.
async fn full_person(app: &TestApp, f: i64) -> Seeded {
    let db = app.db.url();
    let p = insert_id(
        db,
        &format!(
            "INSERT INTO service_users (display_name, name_folded, preferred_format, language, communication_needs, \
             created_by, created_at, updated_at, last_activity_at) VALUES ('Zebedee Quillfeather', 'zebedee quillfeather', \
             'large_print', 'cy', 'ZQSECRET-needs', 'U0STAFF', '{OLD}', '{OLD}', '{OLD}')"
        ),
    )
    .await;
    for (kind, value, normalized) in [
        ("phone", "07700 900123", "+447700900123"),
        ("email", "zq@example.org", "zq@example.org"),
        ("postal_address", "12 Marigold Lane", "12 marigold lane"),
        ("case_ref", "CASE-ZQ-77", "CASE-ZQ-77"),
    ] {
        run_sql(
            db,
            &format!(
                "INSERT INTO service_user_identifiers (service_user_id, kind, value, normalized, created_by, created_at) \
                 VALUES ({p}, '{kind}', '{value}', '{normalized}', 'U0STAFF', '{OLD}')"
            ),
        )
        .await;
    }
    let inc = insert_id(
        db,
        &format!(
            "INSERT INTO incidents (reference, service_user_id, function_id, category, channel, occurred_at, description, \
             impact_note, police_report_required, created_by, created_at) VALUES ('INC-90001', {p}, {f}, 'aggressive_abusive', \
             'phone', '{OLD}', 'ZQSECRET-description', 'ZQSECRET-impact', TRUE, 'U0STAFF', '{OLD}')"
        ),
    )
    .await;
    let statements = [
        format!("INSERT INTO incident_kinds (incident_id, kind) VALUES ({inc}, 'threats')"),
        format!(
            "INSERT INTO police_reports (incident_id, function_id, reported_on, police_reference, note, created_by, created_at) \
             VALUES ({inc}, {f}, '2019-06-02', 'ZQSECRET-police-ref', 'ZQSECRET-police-note', '{MANAGER}', '{OLD}')"
        ),
        format!(
            "INSERT INTO ended_calls (service_user_id, function_id, outcome, reason, note, occurred_at, created_by, created_at) \
             VALUES ({p}, {f}, 'ended', 'abusive', 'ZQSECRET-call', '{OLD}', 'U0STAFF', '{OLD}')"
        ),
        // An ended call with no known caller, older than the period: erased by age.
        format!(
            "INSERT INTO ended_calls (service_user_id, function_id, outcome, reason, note, occurred_at, created_by, created_at) \
             VALUES (NULL, {f}, 'ended', 'abusive', 'ZQSECRET-unlinked-call', '{OLD}', 'U0STAFF', '{OLD}')"
        ),
        format!(
            "INSERT INTO foi_refusals (service_user_id, function_id, reference, refused_on, ground, note, created_by, created_at) \
             VALUES ({p}, {f}, 'ZQSECRET-foiref', '2019-06-01', 'vexatious', 'ZQSECRET-foi', '{MANAGER}', '{OLD}')"
        ),
        format!(
            "INSERT INTO correction_notes (service_user_id, function_id, record_type, record_id, note, created_by, created_at) \
             VALUES ({p}, {f}, 'incident', {inc}, 'ZQSECRET-correction', '{MANAGER}', '{OLD}')"
        ),
        format!(
            "INSERT INTO legal_holds (service_user_id, reason, held_by, held_at, released_by, released_at) \
             VALUES ({p}, 'ZQSECRET-hold', 'cli:ops', '{OLD}', 'cli:ops', '{OLD}')"
        ),
    ];
    for sql in &statements {
        run_sql(db, sql).await;
    }
    let warning = insert_id(
        db,
        &format!(
            "INSERT INTO warnings (reference, service_user_id, function_id, behaviour, adapt_until, status, closed_by, \
             closed_at, closed_note, created_by, created_at) VALUES ('WRN-90001', {p}, {f}, 'ZQSECRET-behaviour', '2019-07-01', \
             'escalated', '{MANAGER}', '{OLD}', 'ZQSECRET-closed', '{MANAGER}', '{OLD}')"
        ),
    )
    .await;
    let request = insert_id(
        db,
        &format!(
            "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, proportionality, \
             warning_id, first_review_on, decided_by, decided_at, decision_reason, created_by, created_at) VALUES ('REQ-90001', \
             {p}, {f}, 'approved', 'ZQSECRET-justification', 'ZQSECRET-proportionality', {warning}, '2020-06-01', 'U0HEAD', \
             '{OLD}', 'ZQSECRET-decision', '{MANAGER}', '{OLD}')"
        ),
    )
    .await;
    let restriction = insert_id(
        db,
        &format!(
            "INSERT INTO restrictions (reference, service_user_id, function_id, request_id, status, starts_on, next_review_on, \
             ended_by, ended_at, end_reason, created_by, created_at) VALUES ('RES-90001', {p}, {f}, {request}, 'lifted', \
             '2019-06-01', '2020-06-01', '{MANAGER}', '{OLD}', 'ZQSECRET-end', 'U0HEAD', '{OLD}')"
        ),
    )
    .await;
    let dispute = insert_id(
        db,
        &format!(
            "INSERT INTO disputes (reference, restriction_id, service_user_id, function_id, received_on, summary, \
             handler_slack_user_id, due_on, status, outcome, outcome_reasons, resolved_by, resolved_at, created_by, created_at, \
             variation_reasons, complaint_reference) VALUES ('DSP-90001', {restriction}, {p}, {f}, '2019-06-01', 'ZQSECRET-summary', 'U0HANDLER', \
             '2019-07-01', 'resolved', 'lifted', 'ZQSECRET-outcome', 'U0HANDLER', '{OLD}', '{MANAGER}', '{OLD}', 'ZQSECRET-dvariation', 'ZQSECRET-complaint')"
        ),
    )
    .await;
    let review = insert_id(
        db,
        &format!(
            "INSERT INTO reviews (reference, restriction_id, service_user_id, function_id, kind, status, outcome, reasons, \
             decided_by, decided_at, created_by, created_at, variation_reasons) VALUES ('REV-90001', {restriction}, {p}, {f}, \
             'annual', 'decided', 'lift', 'ZQSECRET-review', '{MANAGER}', '{OLD}', '{MANAGER}', '{OLD}', 'ZQSECRET-rvariation')"
        ),
    )
    .await;
    let letter = insert_id(
        db,
        &format!(
            "INSERT INTO letters (kind, service_user_id, function_id, warning_id, format, language, template, body, created_by, \
             created_at, held_by) VALUES ('warning', {p}, {f}, {warning}, 'standard', 'en', 'warning.en.standard', \
             'Dear Zebedee Quillfeather, ZQSECRET-letter', '{MANAGER}', '{OLD}', '{MANAGER}')"
        ),
    )
    .await;
    let more = [
        format!("INSERT INTO request_incidents (request_id, incident_id, service_user_id) VALUES ({request}, {inc}, {p})"),
        format!(
            "INSERT INTO request_measures (request_id, kind, params) VALUES ({request}, 'block_contact', \
             '{{\"identifiers\":[\"07700 900123\"]}}'), ({request}, 'other', '{{\"description\":\"ZQSECRET-measure\"}}')"
        ),
        format!(
            "INSERT INTO restriction_measures (restriction_id, kind, params) VALUES ({restriction}, 'block_contact', \
             '{{\"identifiers\":[\"zq@example.org\"]}}'), ({restriction}, 'refuse_reopen', '{{\"case_reference\":\"CASE-ZQ-77\"}}')"
        ),
        format!(
            "INSERT INTO breaches (restriction_id, service_user_id, function_id, channel, occurred_at, description, created_by, \
             created_at) VALUES ({restriction}, {p}, {f}, 'email', '{OLD}', 'ZQSECRET-breach', 'U0STAFF', '{OLD}')"
        ),
        format!(
            "INSERT INTO review_continuations (review_id, service_user_id, function_id, status, reasons, next_review_on, \
             proposed_by, proposed_at, decided_by, decided_at, rejection_reason) VALUES ({review}, {p}, {f}, 'rejected', \
             'ZQSECRET-continue', '2020-06-01', '{MANAGER}', '{OLD}', 'U0HEAD', '{OLD}', 'ZQSECRET-rejection')"
        ),
    ];
    for sql in &more {
        run_sql(db, sql).await;
    }
    let _ = dispute;

    // The bot's messages about them, delivered by the real outbox sender: a notification
    // naming them, the letter file, an approval copy and a reminder (neither of which names
    // them: found through their links).
    let manager = UserId::from_slack(MANAGER);
    let dm = |text: &str, key: &str| {
        contact_policy_bot::slack::send::dm(
            &manager,
            SlackMessageContent::new().with_text(text.to_owned()),
            key,
        )
    };
    let upload = SlackCall::UploadToUser {
        user: MANAGER.to_owned(),
        filename: "letter.txt".to_owned(),
        title: "Warning letter".to_owned(),
        content_type: "text/plain".to_owned(),
        content: "Dear Zebedee Quillfeather, ZQSECRET-letter".to_owned(),
        content_base64: None,
    }
    .into_outbox("zq:letter", Some(("letter", letter.to_string())))
    .expect("upload row");
    // A message queued before messages carried their person (migration 0017) is found
    // by what it says; one queued since is found by its link.
    app.store
        .enqueue(
            &[dm("Old notice about Zebedee Quillfeather", "zq:legacy")],
            None,
            chrono::Utc::now(),
        )
        .await
        .expect("queued");
    wait_until_sent(db, "zq:legacy", 1).await;
    run_sql(
        db,
        "UPDATE outbox_legacy SET last_unlinked_id = (SELECT id FROM outbox WHERE idempotency_key = 'zq:legacy')",
    )
    .await;
    let messages = vec![
        dm("New incident about Zebedee Quillfeather", "zq:notification").about(p),
        upload,
        dm("Approval needed: ZQSECRET-approval", "zq:approval"),
        dm("Reminder: ZQSECRET-reminder", "zq:reminder"),
    ];
    app.store
        .enqueue(&messages, None, chrono::Utc::now())
        .await
        .expect("queued");
    wait_until_sent(db, "zq:%", 5).await;
    run_sql(
        db,
        &format!(
            "INSERT INTO approval_messages (request_id, recipient_slack_user_id, outbox_id, slack_channel, slack_ts, created_at) \
             SELECT {request}, '{MANAGER}', id, slack_channel, slack_ts, created_at FROM outbox WHERE idempotency_key = 'zq:approval'"
        ),
    )
    .await;
    run_sql(
        db,
        &format!(
            "INSERT INTO reminders (kind, subject_type, subject_id, occasion, recipient_slack_user_id, function_id, outbox_id, \
             created_at) SELECT 'review_due', 'review', '{review}', '2020-05-01', '{MANAGER}', {f}, id, created_at FROM outbox \
             WHERE idempotency_key = 'zq:reminder'"
        ),
    )
    .await;
    Seeded { person: p, letter }
}

/// Waits until `n` outbox rows whose key is LIKE `pattern` are sent.
async fn wait_until_sent(db: &str, pattern: &str, n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let sent = sql_texts(
            db,
            &format!("SELECT idempotency_key FROM outbox WHERE idempotency_key LIKE '{pattern}' AND status = 'sent'"),
        )
        .await;
        if sent.len() >= n {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {sent:?} sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every table of the database, from its catalogue.
async fn tables(db: &str) -> Vec<String> {
    let sql = if db.starts_with("postgres") {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY 1"
    };
    sql_texts(db, sql).await
}

/// The columns of `table`; only the text ones (text, json) when `text_only`.
async fn columns(db: &str, table: &str, text_only: bool) -> Vec<String> {
    let sql = if db.starts_with("postgres") {
        let filter = if text_only {
            " AND data_type IN ('text', 'jsonb', 'json', 'character varying')"
        } else {
            ""
        };
        format!(
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = '{table}'{filter} ORDER BY ordinal_position"
        )
    } else {
        let filter = if text_only {
            " WHERE upper(type) = 'TEXT' OR type = ''"
        } else {
            ""
        };
        format!("SELECT name FROM pragma_table_info('{table}'){filter} ORDER BY cid")
    };
    sql_texts(db, &sql).await
}

/// Where any of `needles` is found, as `table.column: value`, in every text column of every
/// table (audit_events, outbox and reminders included).
async fn grep_everywhere(db: &str, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for table in tables(db).await {
        for column in columns(db, &table, true).await {
            let condition = needles
                .iter()
                .map(|n| {
                    format!(
                        "lower(CAST({column} AS TEXT)) LIKE '%{}%'",
                        n.to_lowercase()
                    )
                })
                .collect::<Vec<_>>()
                .join(" OR ");
            let found = sql_texts(
                db,
                &format!("SELECT CAST({column} AS TEXT) FROM {table} WHERE {condition}"),
            )
            .await;
            hits.extend(found.into_iter().map(|v| format!("{table}.{column}: {v}")));
        }
    }
    hits
}

/// Every row of every table, as text, to compare before and after.
async fn dump(db: &str) -> BTreeSet<String> {
    let mut rows = BTreeSet::new();
    for table in tables(db).await {
        let cols = columns(db, &table, false).await;
        let expr = cols
            .iter()
            .map(|c| format!("COALESCE(CAST({c} AS TEXT), '<null>')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        for row in sql_texts(db, &format!("SELECT {expr} FROM {table}")).await {
            rows.insert(format!("{table}: {row}"));
        }
    }
    rows
}

async fn count(db: &str, sql: &str) -> i64 {
    sql_texts(
        db,
        &format!("SELECT CAST(COUNT(*) AS TEXT) FROM ({sql}) AS counted"),
    )
    .await[0]
        .parse()
        .expect("count")
}

async fn r_dp_2_a_person_past_the_period_is_erased_everywhere_and_slack_deletes_what_named_them(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_dp_2_erased_everywhere").await else {
        return;
    };
    let db = app.db.url().to_owned();
    let f = function(app.store.as_ref(), "Housing").await;
    let seeded = full_person(&app, f).await;
    let other = quiet_person(&db, "Ada Recent", "2026-01-01T09:00:00+00:00").await;
    assert!(
        !grep_everywhere(&db, &["ZQSECRET-description"])
            .await
            .is_empty(),
        "the grep finds what was seeded"
    );
    let counts_before: Vec<i64> = {
        let mut v = Vec::new();
        for t in [
            "incidents",
            "warnings",
            "restrictions",
            "disputes",
            "reviews",
            "letters",
            "breaches",
            "ended_calls",
        ] {
            v.push(count(&db, &format!("SELECT id FROM {t}")).await);
        }
        v
    };
    let audit_before = sql_texts(
        &db,
        "SELECT CAST(id AS TEXT) || ':' || action || ':' || subject_id FROM audit_events ORDER BY id",
    )
    .await;
    let delivered = sql_texts(
        &db,
        "SELECT slack_channel || ' ' || slack_ts FROM outbox WHERE idempotency_key IN ('zq:legacy', 'zq:notification', 'zq:approval', 'zq:reminder')",
    )
    .await;
    let file_id = sql_texts(
        &db,
        "SELECT slack_ts FROM outbox WHERE idempotency_key = 'zq:letter'",
    )
    .await[0]
        .clone();
    run_sql(
        &db,
        &format!(
            "UPDATE letters SET slack_file_id = '{file_id}' WHERE id = {}",
            seeded.letter
        ),
    )
    .await;

    let out = admin(app.store.as_ref(), &SystemClock, &["retention", "--apply"])
        .await
        .expect("apply");
    assert!(
        out.contains(&format!("erased SU-{}", seeded.person)),
        "{out}"
    );
    assert!(!out.contains("Zebedee"), "{out}");

    // Nothing of theirs is left in any text column of any table.
    let left = grep_everywhere(&db, SECRETS).await;
    assert!(
        left.is_empty(),
        "personal data left after erasure:\n{}",
        left.join("\n")
    );
    // The person and their records stay, for governance.
    assert_eq!(
        sql_texts(
            &db,
            &format!(
                "SELECT COALESCE(display_name, '<erased>') || '|' || preferred_format || '|' || language || '|' || \
                 CAST(erased_at IS NOT NULL AS TEXT) FROM service_users WHERE id = {}",
                seeded.person
            )
        )
        .await[0]
            .split('|')
            .take(3)
            .collect::<Vec<_>>(),
        vec!["<erased>", "standard", "en"]
    );
    let mut counts_after = Vec::new();
    for t in [
        "incidents",
        "warnings",
        "restrictions",
        "disputes",
        "reviews",
        "letters",
        "breaches",
        "ended_calls",
    ] {
        counts_after.push(count(&db, &format!("SELECT id FROM {t}")).await);
    }
    assert_eq!(
        counts_before, counts_after,
        "records are anonymised, not deleted"
    );
    assert_eq!(
        count(&db, &format!("SELECT kind FROM incident_kinds WHERE incident_id IN (SELECT id FROM incidents WHERE service_user_id = {})", seeded.person)).await,
        1,
        "categories and kinds survive"
    );
    // Someone active recently is untouched.
    assert_eq!(
        sql_texts(
            &db,
            &format!("SELECT display_name FROM service_users WHERE id = {other}")
        )
        .await,
        vec!["Ada Recent".to_owned()]
    );
    // The audit trail survives whole, with one erasure event naming columns, not values.
    let audit_after = sql_texts(
        &db,
        "SELECT CAST(id AS TEXT) || ':' || action || ':' || subject_id FROM audit_events ORDER BY id",
    )
    .await;
    assert_eq!(&audit_after[..audit_before.len()], &audit_before[..]);
    let erasures = sql_texts(
        &db,
        &format!(
            "SELECT CAST(after AS TEXT) FROM audit_events WHERE action = 'person_erased' AND subject_id = '{}'",
            seeded.person
        ),
    )
    .await;
    assert_eq!(erasures.len(), 1, "{audit_after:?}");
    assert!(
        erasures[0].contains("description") && erasures[0].contains("incidents"),
        "{}",
        erasures[0]
    );

    // The bot's messages and the letter file are deleted in Slack.
    let deletes = app.slack.wait_for_calls("chat.delete", 4, WAIT).await;
    let deleted: BTreeSet<String> = deletes
        .iter()
        .filter(|c| c.error.is_none())
        .map(|c| {
            format!(
                "{} {}",
                c.body["channel"].as_str().unwrap_or(""),
                c.body["ts"].as_str().unwrap_or("")
            )
        })
        .collect();
    for message in &delivered {
        assert!(
            deleted.contains(message),
            "{message} not deleted: {deleted:?}"
        );
    }
    let files = app.slack.wait_for_calls("files.delete", 1, WAIT).await;
    assert_eq!(files[0].body["file"], file_id.as_str());
    assert!(files[0].error.is_none(), "{:?}", files[0].error);
    wait_until_sent(&db, "erase:%", 5).await;

    // A second run erases nothing more and queues no second deletion.
    let outbox_rows = count(&db, "SELECT id FROM outbox").await;
    let again = admin(app.store.as_ref(), &SystemClock, &["retention", "--apply"])
        .await
        .expect("apply again");
    assert!(again.contains("erased 0"), "{again}");
    assert_eq!(count(&db, "SELECT id FROM outbox").await, outbox_rows);
    assert_eq!(
        count(
            &db,
            "SELECT id FROM audit_events WHERE action = 'person_erased'"
        )
        .await,
        1
    );
    let refused = admin(
        app.store.as_ref(),
        &SystemClock,
        &[
            "erase",
            &format!("SU-{}", seeded.person),
            "--reason",
            "Article 17 request DPR-1",
        ],
    )
    .await
    .expect_err("already erased");
    assert!(refused.to_string().contains("already erased"), "{refused}");
    app.slack.assert_no_refusals();
}

async fn r_dp_2_kept_while_a_restriction_stands_or_a_hold_is_open_and_the_dry_run_changes_nothing(
    backend: Backend,
) {
    let Some(db) = fresh_db(backend, "r_dp_2_kept_and_dry_run").await else {
        return;
    };
    let store = contact_policy_bot::store::connect(db.url())
        .await
        .expect("store");
    let url = db.url().to_owned();
    let f = function(store.as_ref(), "Housing").await;
    let restricted = quiet_person(&url, "Rita Restricted", OLD).await;
    insert_restriction(
        &url,
        restricted,
        f,
        &[],
        chrono::NaiveDate::from_ymd_opt(2019, 6, 1).expect("date"),
        None,
    )
    .await;
    run_sql(
        &url,
        &format!("UPDATE service_users SET last_activity_at = '{OLD}' WHERE id = {restricted}"),
    )
    .await;
    let held = quiet_person(&url, "Hal Held", OLD).await;
    let due = quiet_person(&url, "Dee Due", OLD).await;

    let out = admin(
        store.as_ref(),
        &SystemClock,
        &["hold", &held.to_string(), "--reason", "litigation LIT-4"],
    )
    .await
    .expect("hold");
    assert!(out.contains(&format!("SU-{held}")), "{out}");
    let twice = admin(
        store.as_ref(),
        &SystemClock,
        &["hold", &format!("SU-{held}"), "--reason", "again"],
    )
    .await;
    assert!(twice
        .expect_err("one open hold")
        .to_string()
        .contains("already exists"));

    // The dry run lists references and reasons, and changes nothing at all.
    let before = dump(&url).await;
    let dry = admin(store.as_ref(), &SystemClock, &["retention", "--dry-run"])
        .await
        .expect("dry run");
    assert_eq!(dump(&url).await, before, "the dry run changed something");
    assert!(dry.contains(&format!("would erase SU-{due}")), "{dry}");
    assert!(
        dry.contains(&format!("keeps SU-{restricted}"))
            && dry.contains("a restriction still stands"),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("keeps SU-{held}")) && dry.contains("a legal hold is open"),
        "{dry}"
    );
    for name in ["Rita", "Hal", "Dee"] {
        assert!(!dry.contains(name), "{dry}");
    }
    let bad = admin(
        store.as_ref(),
        &SystemClock,
        &["retention", "--dry-run", "--retention-period", "six years"],
    )
    .await;
    let bad = bad.expect_err("bad period").to_string();
    assert!(
        bad.contains("RETENTION_PERIOD") && !bad.contains('\n'),
        "{bad}"
    );

    // Erasure on request is refused while the restriction stands, saying who can end it.
    let refused = admin(
        store.as_ref(),
        &SystemClock,
        &[
            "erase",
            &restricted.to_string(),
            "--reason",
            "Article 17 request DPR-2",
        ],
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(
        refused.contains("a restriction still stands") && refused.contains("head of function"),
        "{refused}"
    );
    let refused = admin(
        store.as_ref(),
        &SystemClock,
        &["erase", &held.to_string(), "--reason", "DPR-3"],
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(
        refused.contains("legal hold") && refused.contains("admin release"),
        "{refused}"
    );

    let applied = admin(store.as_ref(), &SystemClock, &["retention", "--apply"])
        .await
        .expect("apply");
    assert!(applied.contains(&format!("erased SU-{due}")), "{applied}");
    let names = sql_texts(
        &url,
        "SELECT COALESCE(display_name, '<erased>') FROM service_users ORDER BY id",
    )
    .await;
    assert_eq!(names, vec!["Rita Restricted", "Hal Held", "<erased>"]);

    // Released, the held person is erased by the next run.
    admin(
        store.as_ref(),
        &SystemClock,
        &["release", &format!("SU-{held}")],
    )
    .await
    .expect("release");
    let applied = admin(store.as_ref(), &SystemClock, &["retention", "--apply"])
        .await
        .expect("apply");
    assert!(applied.contains(&format!("erased SU-{held}")), "{applied}");
    let names = sql_texts(
        &url,
        "SELECT COALESCE(display_name, '<erased>') FROM service_users ORDER BY id",
    )
    .await;
    assert_eq!(names, vec!["Rita Restricted", "<erased>", "<erased>"]);
    assert!(grep_everywhere(&url, &["litigation LIT-4"])
        .await
        .is_empty());

    // A recently active person may be erased on request (right to erasure).
    let asked = quiet_person(&url, "Ann Asks", "2026-11-01T09:00:00+00:00").await;
    let out = admin(
        store.as_ref(),
        &SystemClock,
        &[
            "erase",
            &format!("SU-{asked}"),
            "--reason",
            "Article 17 request DPR-4",
        ],
    )
    .await
    .expect("erased on request");
    assert!(out.contains(&format!("erased SU-{asked}")), "{out}");
    assert!(grep_everywhere(&url, &["Ann Asks"]).await.is_empty());
    let _ = ManualClock::new(chrono::Utc::now());
    let _ = ADMIN;
}

on_both_backends!(
    r_dp_2_a_person_past_the_period_is_erased_everywhere_and_slack_deletes_what_named_them,
    r_dp_2_kept_while_a_restriction_stands_or_a_hold_is_open_and_the_dry_run_changes_nothing,
);

/// The text of the bot's answers through `response_url` `id`.
async fn answer_at(app: &TestApp, id: &str) -> String {
    let calls = app
        .slack
        .wait_for_calls(&format!("response_url:{id}"), 1, WAIT)
        .await;
    calls[0].body.to_string()
}

async fn r_dp_2_scheduled_dry_run_is_dmed_to_admins_and_an_admins_click_erases_what_is_still_due_once(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_dp_2_scheduled_confirm").await else {
        return;
    };
    let db = app.db.url().to_owned();
    let store = app.store.as_ref();
    store
        .add_admin(
            &UserId::from_slack(ADMIN),
            &Actor::cli("test"),
            chrono::Utc::now(),
        )
        .await
        .expect("admin");
    let due = quiet_person(&db, "Dora Dueforerasure", OLD).await;
    let held_later = quiet_person(&db, "Hugo Heldlater", OLD).await;
    let recent = quiet_person(&db, "Rena Recent", "2026-11-01T09:00:00+00:00").await;

    let scheduler = contact_policy_bot::scheduler::retention_job::RetentionScheduler::new(
        app.store.clone(),
        std::sync::Arc::new(SystemClock),
        chrono_tz::Europe::London,
        std::sync::Arc::new(tokio::sync::Notify::new()),
        contact_policy_bot::config::RetentionConfig {
            background: false,
            ..Default::default()
        },
        "test-worker".to_owned(),
    )
    .expect("schedule");
    let at = scheduler
        .latest_due(chrono::Utc::now())
        .expect("an occurrence this month");
    let report = scheduler
        .run_occurrence(at)
        .await
        .expect("dry run")
        .expect("claimed");
    assert_eq!(report.due, 2);
    assert_eq!(report.admins_told, 1);
    let run_id = report.run_id.expect("a run");
    assert!(
        scheduler.run_occurrence(at).await.expect("again").is_none(),
        "an occurrence runs once"
    );
    // Nothing is erased by the dry run.
    assert_eq!(
        count(
            &db,
            "SELECT id FROM service_users WHERE erased_at IS NOT NULL"
        )
        .await,
        0
    );

    // The admin's DM lists references only, with the button.
    let dms = app.slack.wait_for_calls("chat.postMessage", 1, WAIT).await;
    let dm = dms
        .iter()
        .find(|c| c.body["channel"] == ADMIN)
        .expect("a DM to the admin");
    let shown = dm.body.to_string();
    assert!(
        shown.contains(&format!("SU-{due}")) && shown.contains(&format!("SU-{held_later}")),
        "{shown}"
    );
    assert!(!shown.contains(&format!("SU-{recent}")), "{shown}");
    for name in ["Dora", "Hugo", "Rena"] {
        assert!(!shown.contains(name), "{shown}");
    }
    assert!(shown.contains("confirm_retention"), "{shown}");
    wait_until_sent(&db, "retention:%", 1).await;

    // One candidate is held before anyone confirms: re-checked at click time.
    admin(
        store,
        &SystemClock,
        &["hold", &held_later.to_string(), "--reason", "claim CLM-9"],
    )
    .await
    .expect("hold");

    // Someone who is not an admin is refused, and nothing changes.
    app.click(
        "U0MANAGER",
        "confirm_retention",
        &run_id.to_string(),
        &app.slack.response_url("manager"),
    )
    .await;
    let refused = answer_at(&app, "manager").await;
    assert!(refused.contains("Only an admin"), "{refused}");
    assert_eq!(
        count(
            &db,
            "SELECT id FROM service_users WHERE erased_at IS NOT NULL"
        )
        .await,
        0
    );

    // The admin's click erases what is still due, once.
    app.click(
        ADMIN,
        "confirm_retention",
        &run_id.to_string(),
        &app.slack.response_url("first"),
    )
    .await;
    let first = answer_at(&app, "first").await;
    assert!(
        first.contains(&format!(
            "Retention review {run_id} confirmed: erasing up to 2 people"
        )),
        "{first}"
    );
    // The erasures run after the click is answered; every admin's copy then says what was
    // done and by whom.
    let updates = app.slack.wait_for_calls("chat.update", 1, WAIT).await;
    app.click(
        ADMIN,
        "confirm_retention",
        &run_id.to_string(),
        &app.slack.response_url("second"),
    )
    .await;
    let second = answer_at(&app, "second").await;
    assert!(second.contains("already confirmed"), "{second}");
    let names = sql_texts(
        &db,
        "SELECT COALESCE(display_name, '<erased>') FROM service_users ORDER BY id",
    )
    .await;
    assert_eq!(names, vec!["<erased>", "Hugo Heldlater", "Rena Recent"]);
    assert_eq!(
        count(
            &db,
            "SELECT id FROM audit_events WHERE action = 'person_erased'"
        )
        .await,
        1
    );

    let updated = updates[0].body.to_string();
    assert!(
        updated.contains(&format!("confirmed by <@{ADMIN}>")) && updated.contains("Erased 1 of 2"),
        "{updated}"
    );
    assert!(
        updated.contains(&format!("SU-{held_later} kept")) && updated.contains("legal hold"),
        "{updated}"
    );
    app.slack.assert_no_refusals();
}

on_both_backends!(
    r_dp_2_scheduled_dry_run_is_dmed_to_admins_and_an_admins_click_erases_what_is_still_due_once,
);

async fn r_dp_2_slack_deletions_wait_out_429_and_count_a_message_or_file_already_gone_as_done(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_dp_2_deletions_gone").await else {
        return;
    };
    let db = app.db.url().to_owned();
    let person = quiet_person(&db, "Gwen Gone", "2026-11-01T09:00:00+00:00").await;
    let manager = UserId::from_slack(MANAGER);
    let mut note = contact_policy_bot::slack::send::dm(
        &manager,
        SlackMessageContent::new().with_text("A note about SU".to_owned()),
        "gone:note",
    );
    note.subject_type = Some("service_user".to_owned());
    note.subject_id = Some(person.to_string());
    let upload = SlackCall::UploadToUser {
        user: MANAGER.to_owned(),
        filename: "export.txt".to_owned(),
        title: "Export".to_owned(),
        content_type: "text/plain".to_owned(),
        content: "Gwen Gone's file".to_owned(),
        content_base64: None,
    }
    .into_outbox("gone:file", Some(("service_user", person.to_string())))
    .expect("upload row");
    app.store
        .enqueue(&[note, upload], None, chrono::Utc::now())
        .await
        .expect("queued");
    wait_until_sent(&db, "gone:%", 2).await;

    // Slack is busy first, then says the message and the file are already gone.
    app.slack
        .push_response("chat.delete", fake_slack_rate_limited());
    app.slack.push_response(
        "chat.delete",
        crate::fake_slack::Scripted::SlackError("message_not_found".to_owned()),
    );
    app.slack.push_response(
        "files.delete",
        crate::fake_slack::Scripted::SlackError("file_deleted".to_owned()),
    );
    let out = admin(
        app.store.as_ref(),
        &SystemClock,
        &[
            "erase",
            &format!("SU-{person}"),
            "--reason",
            "Article 17 request DPR-7",
        ],
    )
    .await
    .expect("erased");
    assert!(out.contains("2 Slack messages and files"), "{out}");
    wait_until_sent(&db, "erase:%", 2).await;
    let deletes = app.slack.calls_to("chat.delete");
    assert_eq!(deletes.len(), 2, "one 429, then the answer that it is gone");
    assert_eq!(deletes[0].status, 429);
    assert_eq!(app.slack.calls_to("files.delete").len(), 1);
    assert_eq!(
        count(
            &db,
            "SELECT id FROM outbox WHERE idempotency_key LIKE 'erase:%' AND status <> 'sent'"
        )
        .await,
        0
    );
    assert!(grep_everywhere(&db, &["Gwen"]).await.is_empty());
}

fn fake_slack_rate_limited() -> crate::fake_slack::Scripted {
    crate::fake_slack::Scripted::RateLimited {
        retry_after_secs: 1,
    }
}

on_both_backends!(
    r_dp_2_slack_deletions_wait_out_429_and_count_a_message_or_file_already_gone_as_done,
);

async fn r_dp_2_every_reason_a_person_is_kept_is_named_and_refuses_erasure(backend: Backend) {
    let Some(db) = fresh_db(backend, "r_dp_2_every_reason").await else {
        return;
    };
    let store = contact_policy_bot::store::connect(db.url())
        .await
        .expect("store");
    let url = db.url().to_owned();
    let f = function(store.as_ref(), "Housing").await;
    let busy = quiet_person(&url, "Bea Busy", OLD).await;
    // A lifted restriction (no longer standing) with an open dispute and an open review.
    let lifted = insert_restriction(
        &url,
        busy,
        f,
        &[],
        chrono::NaiveDate::from_ymd_opt(2019, 6, 1).expect("date"),
        None,
    )
    .await;
    run_sql(
        &url,
        &format!(
            "UPDATE restrictions SET status = 'lifted', ended_by = 'U0HEAD', ended_at = '{OLD}', end_reason = 'x' WHERE id = {lifted}"
        ),
    )
    .await;
    let statements = [
        format!(
            "INSERT INTO disputes (reference, restriction_id, service_user_id, function_id, received_on, summary, \
             handler_slack_user_id, due_on, created_by, created_at) VALUES ('DSP-80001', {lifted}, {busy}, {f}, '2019-06-01', \
             's', 'U0HANDLER', '2019-07-01', '{MANAGER}', '{OLD}')"
        ),
        format!(
            "INSERT INTO reviews (reference, restriction_id, service_user_id, function_id, kind, created_by, created_at) \
             VALUES ('REV-80001', {lifted}, {busy}, {f}, 'annual', '{MANAGER}', '{OLD}')"
        ),
        format!(
            "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, proportionality, \
             no_warning_reason, first_review_on, created_by, created_at) VALUES ('REQ-80001', {busy}, {f}, 'pending', 'j', 'p', \
             'staff_safety', '2020-06-01', '{MANAGER}', '{OLD}')"
        ),
        format!(
            "INSERT INTO incidents (reference, service_user_id, function_id, category, channel, occurred_at, description, \
             police_report_required, created_by, created_at) VALUES ('INC-80001', {busy}, {f}, 'aggressive_abusive', 'phone', \
             '{OLD}', 'd', TRUE, 'U0STAFF', '{OLD}')"
        ),
        format!("UPDATE service_users SET last_activity_at = '{OLD}' WHERE id = {busy}"),
    ];
    for sql in &statements {
        run_sql(&url, sql).await;
    }
    // Approved, but waiting for its notice letter: it still stands.
    let waiting = quiet_person(&url, "Wes Waiting", OLD).await;
    let restriction = insert_restriction(
        &url,
        waiting,
        f,
        &[],
        chrono::NaiveDate::from_ymd_opt(2019, 6, 1).expect("date"),
        None,
    )
    .await;
    run_sql(
        &url,
        &format!("UPDATE restrictions SET awaits_notice = TRUE WHERE id = {restriction}"),
    )
    .await;
    run_sql(
        &url,
        &format!("UPDATE service_users SET last_activity_at = '{OLD}' WHERE id = {waiting}"),
    )
    .await;

    let dry = admin(store.as_ref(), &SystemClock, &["retention", "--dry-run"])
        .await
        .expect("dry run");
    let line = |id: i64| {
        dry.lines()
            .find(|l| l.starts_with(&format!("keeps SU-{id}:")))
            .unwrap_or_else(|| panic!("SU-{id} not kept: {dry}"))
            .to_owned()
    };
    let busy_line = line(busy);
    for reason in [
        "a dispute is open",
        "a review is open",
        "a restriction request is pending",
        "a police report is outstanding",
    ] {
        assert!(busy_line.contains(reason), "{reason}: {busy_line}");
    }
    assert!(
        !busy_line.contains("restriction still stands"),
        "{busy_line}"
    );
    assert!(
        line(waiting).contains("a restriction still stands"),
        "{dry}"
    );
    assert!(!dry.contains("would erase"), "{dry}");

    let refused = admin(
        store.as_ref(),
        &SystemClock,
        &["erase", &busy.to_string(), "--reason", "DPR-8"],
    )
    .await
    .expect_err("refused")
    .to_string();
    for remedy in [
        "complaints handler",
        "decide the review",
        "decide the request",
        "record the police report",
    ] {
        assert!(refused.contains(remedy), "{remedy}: {refused}");
    }
    let applied = admin(store.as_ref(), &SystemClock, &["retention", "--apply"])
        .await
        .expect("apply");
    assert!(applied.contains("erased 0"), "{applied}");
    assert_eq!(
        count(
            &url,
            "SELECT id FROM service_users WHERE erased_at IS NOT NULL"
        )
        .await,
        0
    );
    assert!(admin(
        store.as_ref(),
        &SystemClock,
        &["erase", "SU-x", "--reason", "r"]
    )
    .await
    .expect_err("bad reference")
    .to_string()
    .contains("give their id (42) or reference (SU-42)"));
    assert!(admin(
        store.as_ref(),
        &SystemClock,
        &["release", &busy.to_string()]
    )
    .await
    .expect_err("no hold")
    .to_string()
    .contains("an open legal hold"));
}

on_both_backends!(r_dp_2_every_reason_a_person_is_kept_is_named_and_refuses_erasure);
