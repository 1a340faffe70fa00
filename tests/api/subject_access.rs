//! Subject access export (R-DP-1, R-DP-6; issue 10 items 1–3 and 10): everything held
//! about one person, as `SU-<id>.json` and `SU-<id>.html`, from the command line and from
//! Slack (admins only), each export an audit event; nothing about anyone else.

use std::process::Command;
use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::domain::person::{
    AccessRequirements, Identifier, Language, PersonName, PreferredFormat,
};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::records::NewPerson;
use contact_policy_bot::subject_access::{render, Export, StaffNames};
use serde_json::Value;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_contact-policy-bot");
const WAIT: Duration = Duration::from_secs(10);
const ADMIN: &str = "U0ADMIN";
const MANAGER: &str = "U0MANAGER";
/// The person exported: a name that must come out escaped.
const ALICE_NAME: &str = "Alice <script>alert(1)</script> Aexport";
const ALICE_NAME_ESCAPED: &str = "Alice &lt;script&gt;alert(1)&lt;/script&gt; Aexport";
const ALICE_PHONE: &str = "07700 900111";
const BOB_NAME: &str = "Bob Botherperson";
const BOB_PHONE: &str = "07700 900222";

/// What each person's records hold, distinctive per person: `{P}` is `A` or `B`.
const RECORD_VALUES: &[&str] = &[
    "INC-{P}-1",
    "{P}-incident-description",
    "{P}-impact-note",
    "{P}-police-ref",
    "{P}-police-note",
    "{P}-call-note",
    "{P}-foi-ref",
    "{P}-foi-note",
    "WRN-{P}-1",
    "{P}-warning-behaviour",
    "{P}-warning-closed-note",
    "REQ-{P}-1",
    "{P}-justification",
    "{P}-proportionality",
    "{P}-decision-reason",
    "{P}-blocked-number",
    "{P}-approval-ts",
    "RES-{P}-1",
    "{P}-measure-param",
    "{P}-breach-description",
    "DSP-{P}-1",
    "{P}-dispute-summary",
    "{P}-dispute-reasons",
    "{P}-complaint-ref",
    "REV-{P}-1",
    "{P}-review-variation",
    "{P}-continuation-reasons",
    "{P}-letter-body",
    "{P}-letter-file",
    "{P}-correction-note",
    "{P}-hold-reason",
    "{P}-reminder-text",
    "{P}-audit-marker",
    "{P}-communication-needs",
    "{P}-postal-address",
    "{P}mail@example.org",
    "CASE-{P}-777",
];

fn values_of(p: &str) -> Vec<String> {
    RECORD_VALUES.iter().map(|v| v.replace("{P}", p)).collect()
}

/// The register: a function with a head and a manager, and `ADMIN` an admin. Returns the
/// function's id.
async fn register(app: &TestApp) -> i64 {
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Housing").expect("name");
    let function = app
        .store
        .add_function(&name, &actor, Utc::now())
        .await
        .expect("function");
    for (user, role) in [("U0HEAD", Role::Head), (MANAGER, Role::Manager)] {
        app.store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, Utc::now())
            .await
            .expect("role");
    }
    app.store
        .add_admin(&UserId::from_slack(ADMIN), &actor, Utc::now())
        .await
        .expect("admin");
    function
}

async fn person(app: &TestApp, name: &str, p: &str, phone: &str) -> i64 {
    let new = NewPerson {
        name: PersonName::parse(name).expect("name"),
        identifiers: vec![
            Identifier::phone(phone).expect("phone"),
            Identifier::email(&format!("{p}mail@example.org")).expect("email"),
            Identifier::postal_address(&format!("{p}-postal-address, 1 High Street"))
                .expect("address"),
            Identifier::case_ref(&format!("CASE-{p}-777")).expect("case ref"),
        ],
        access: AccessRequirements {
            format: PreferredFormat::LargePrint,
            language: Language::Cy,
            communication_needs: format!("{p}-communication-needs"),
        },
    };
    app.store
        .create_person(&new, &Actor::cli("test"), Utc::now())
        .await
        .expect("person")
}

/// Every kind of record about person `su`, with ids from `base` and values marked `p`:
/// written straight into the database (several kinds have no write path yet).
async fn fill(app: &TestApp, su: i64, function: i64, base: i64, p: &str) {
    let at = "'2026-07-01T10:00:00+00:00'";
    let id = base + 1;
    let statements = [
        format!("INSERT INTO incidents (id, reference, service_user_id, function_id, category, channel, occurred_at, description, impact_staff_minutes, impact_contacts, impact_note, police_report_required, threat_of_violence, created_by, created_at) VALUES ({id}, 'INC-{p}-1', {su}, {function}, 'aggressive_abusive', 'phone', {at}, '{p}-incident-description', 45, 12, '{p}-impact-note', TRUE, TRUE, 'U0STAFF', {at})"),
        format!("INSERT INTO incident_kinds (incident_id, kind) VALUES ({id}, 'threats')"),
        format!("INSERT INTO police_reports (id, incident_id, function_id, reported_on, police_reference, note, created_by, created_at) VALUES ({id}, {id}, {function}, '2026-07-02', '{p}-police-ref', '{p}-police-note', '{MANAGER}', {at})"),
        format!("INSERT INTO ended_calls (id, service_user_id, function_id, outcome, reason, note, occurred_at, created_by, created_at) VALUES ({id}, {su}, {function}, 'ended', 'abusive', '{p}-call-note', {at}, 'U0STAFF', {at})"),
        format!("INSERT INTO foi_refusals (id, service_user_id, function_id, reference, refused_on, ground, note, created_by, created_at) VALUES ({id}, {su}, {function}, '{p}-foi-ref', '2026-07-03', 'vexatious', '{p}-foi-note', '{MANAGER}', {at})"),
        format!("INSERT INTO warnings (id, reference, service_user_id, function_id, behaviour, adapt_until, status, closed_by, closed_at, closed_note, created_by, created_at) VALUES ({id}, 'WRN-{p}-1', {su}, {function}, '{p}-warning-behaviour', '2026-08-01', 'escalated', '{MANAGER}', {at}, '{p}-warning-closed-note', '{MANAGER}', {at})"),
        format!("INSERT INTO warning_incidents (warning_id, incident_id, service_user_id) VALUES ({id}, {id}, {su})"),
        format!("INSERT INTO restriction_requests (id, reference, service_user_id, function_id, status, justification, proportionality, internal_review_exhausted, warning_id, first_review_on, decided_by, decided_at, decision_reason, decided_as_head, created_by, created_at) VALUES ({id}, 'REQ-{p}-1', {su}, {function}, 'approved', '{p}-justification', '{p}-proportionality', TRUE, {id}, '2027-06-01', 'U0HEAD', {at}, '{p}-decision-reason', TRUE, '{MANAGER}', {at})"),
        format!("INSERT INTO request_criteria (request_id, criterion, ticked, ticked_by, ticked_at) VALUES ({id}, 'matter_addressed', TRUE, 'U0HEAD', {at})"),
        format!("INSERT INTO request_measures (id, request_id, kind, params) VALUES ({id}, {id}, 'block_contact', '{{\"phones\":[\"{p}-blocked-number\"]}}')"),
        format!("INSERT INTO request_incidents (request_id, incident_id, service_user_id) VALUES ({id}, {id}, {su})"),
        format!("INSERT INTO outbox (id, idempotency_key, method, payload, status, attempts, next_attempt_at, created_at) VALUES ({id}, 'test-{p}-approval', 'chat.postMessage', '{{\"channel\":\"U0HEAD\",\"text\":\"approval\"}}', 'sent', 0, {at}, {at})"),
        format!("INSERT INTO outbox (id, idempotency_key, method, payload, status, attempts, next_attempt_at, subject_type, subject_id, created_at) VALUES ({}, 'test-{p}-reminder', 'chat.postMessage', '{{\"channel\":\"{MANAGER}\",\"text\":\"{p}-reminder-text\"}}', 'sent', 0, {at}, 'restriction', '{id}', {at})", id + 1),
        format!("INSERT INTO approval_messages (id, request_id, recipient_slack_user_id, outbox_id, slack_channel, slack_ts, created_at) VALUES ({id}, {id}, 'U0HEAD', {id}, 'DU0HEAD', '{p}-approval-ts', {at})"),
        format!("INSERT INTO restrictions (id, reference, service_user_id, function_id, request_id, status, starts_on, next_review_on, created_by, created_at) VALUES ({id}, 'RES-{p}-1', {su}, {function}, {id}, 'active', '2026-07-01', '2027-06-01', 'U0HEAD', {at})"),
        format!("INSERT INTO restriction_measures (id, restriction_id, kind, params) VALUES ({id}, {id}, 'other', '{{\"text\":\"{p}-measure-param\"}}')"),
        format!("INSERT INTO breaches (id, restriction_id, service_user_id, function_id, channel, occurred_at, description, created_by, created_at) VALUES ({id}, {id}, {su}, {function}, 'email', {at}, '{p}-breach-description', 'U0STAFF', {at})"),
        format!("INSERT INTO disputes (id, reference, restriction_id, service_user_id, function_id, received_on, summary, handler_slack_user_id, due_on, status, outcome, outcome_reasons, resolved_by, resolved_at, created_by, created_at, complaint_reference) VALUES ({id}, 'DSP-{p}-1', {id}, {su}, {function}, '2026-07-04', '{p}-dispute-summary', 'U0HANDLER', '2026-08-04', 'resolved', 'still_applies', '{p}-dispute-reasons', 'U0HANDLER', {at}, '{MANAGER}', {at}, '{p}-complaint-ref')"),
        format!("INSERT INTO reviews (id, reference, restriction_id, service_user_id, function_id, kind, status, variation_reasons, created_by, created_at) VALUES ({id}, 'REV-{p}-1', {id}, {su}, {function}, 'annual', 'open', '{p}-review-variation', '{MANAGER}', {at})"),
        format!("INSERT INTO review_continuations (id, review_id, service_user_id, function_id, status, reasons, next_review_on, proposed_by, proposed_at, checklist_complete) VALUES ({id}, {id}, {su}, {function}, 'pending', '{p}-continuation-reasons', '2027-06-01', '{MANAGER}', {at}, FALSE)"),
        format!("INSERT INTO review_continuation_messages (id, continuation_id, recipient_slack_user_id, created_at) VALUES ({id}, {id}, 'U0HEAD', {at})"),
        format!("INSERT INTO letters (id, kind, service_user_id, function_id, warning_id, format, language, template, body, slack_file_id, sent_on, sent_method, sent_recorded_by, sent_recorded_at, created_by, created_at, held_by) VALUES ({id}, 'warning', {su}, {function}, {id}, 'large_print', 'cy', 'cy/warning.html', '<html><body><p>{p}-letter-body</p></body></html>', '{p}-letter-file', '2026-07-05', 'post', '{MANAGER}', {at}, '{MANAGER}', {at}, '{MANAGER}')"),
        format!("INSERT INTO correction_notes (id, service_user_id, function_id, record_type, record_id, note, created_by, created_at) VALUES ({id}, {su}, {function}, 'incident', {id}, '{p}-correction-note', '{MANAGER}', {at})"),
        format!("INSERT INTO legal_holds (id, service_user_id, reason, held_by, held_at) VALUES ({id}, {su}, '{p}-hold-reason', '{ADMIN}', {at})"),
        format!("INSERT INTO reminders (id, kind, subject_type, subject_id, occasion, recipient_slack_user_id, function_id, outbox_id, created_at) VALUES ({id}, 'review_due', 'restriction', '{id}', '2027-05-01', '{MANAGER}', {function}, {}, {at})", id + 1),
        format!("INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, function_id, after) VALUES ({at}, '{MANAGER}', 'letter_sent', 'letter', '{id}', {function}, '{{\"marker\":\"{p}-audit-marker\"}}')"),
        format!("INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id) VALUES ({at}, '{MANAGER}', 'case_file_read', 'service_user', '{su}')"),
    ];
    for sql in statements {
        run_sql(app.db.url(), &sql).await;
    }
}

/// Alice filled with every kind of record, Bob with his own; returns (alice, bob).
async fn two_people(app: &TestApp) -> (i64, i64) {
    let function = register(app).await;
    let alice = person(app, ALICE_NAME, "A", ALICE_PHONE).await;
    let bob = person(app, BOB_NAME, "B", BOB_PHONE).await;
    fill(app, alice, function, 1000, "A").await;
    fill(app, bob, function, 2000, "B").await;
    (alice, bob)
}

/// Every value of Alice's is in `document`, and nothing of Bob's.
fn holds_alice_and_not_bob(document: &str, what: &str) {
    for value in values_of("A") {
        assert!(document.contains(&value), "{what} lacks {value:?}");
    }
    for value in values_of("B") {
        assert!(!document.contains(&value), "{what} holds Bob's {value:?}");
    }
    assert!(!document.contains("Botherperson"), "{what} names Bob");
    assert!(
        !document.contains("900222"),
        "{what} holds Bob's phone number"
    );
}

fn check_json(json: &str, alice: i64) -> Value {
    holds_alice_and_not_bob(json, "the JSON");
    let doc: Value = serde_json::from_str(json).expect("the JSON parses");
    assert_eq!(doc["format"], "contact-policy-bot/subject-access-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["reference"], format!("SU-{alice}"));
    assert_eq!(doc["person"]["display_name"], ALICE_NAME);
    assert_eq!(doc["person"]["preferred_format"], "large_print");
    assert_eq!(doc["erased"], false);
    let records = &doc["records"];
    for key in [
        "identifiers",
        "incidents",
        "incident_kinds",
        "police_reports",
        "ended_calls",
        "foi_refusals",
        "warnings",
        "warning_incidents",
        "restriction_requests",
        "request_criteria",
        "request_measures",
        "request_incidents",
        "approval_messages",
        "restrictions",
        "restriction_measures",
        "breaches",
        "disputes",
        "reviews",
        "review_continuations",
        "review_continuation_messages",
        "letters",
        "correction_notes",
        "legal_holds",
        "reminders",
    ] {
        let rows = records[key].as_array().unwrap_or_else(|| panic!("{key}"));
        assert!(!rows.is_empty(), "no {key} exported");
    }
    assert_eq!(records["identifiers"].as_array().map(Vec::len), Some(4));
    assert_eq!(records["incidents"][0]["impact_staff_minutes"], 45);
    assert_eq!(records["incidents"][0]["police_report_required"], true);
    assert_eq!(
        records["incidents"][0]["occurred_at"],
        "2026-07-01T10:00:00Z"
    );
    assert_eq!(records["letters"][0]["sent_method"], "post");
    assert_eq!(records["letters"][0]["sent_on"], "2026-07-05");
    // The seeded reminder is there; the running scheduler may have sent real ones too
    // (the seeded incident's police report is outstanding), which belong in it as well.
    let reminders = records["reminders"].as_array().expect("reminders");
    assert!(
        reminders
            .iter()
            .any(|r| r["message"]["text"] == "A-reminder-text"),
        "{reminders:?}"
    );
    // Readings are in the trail (item 10): who opened the case file.
    let audit = records["audit_events"].as_array().expect("audit events");
    assert!(audit
        .iter()
        .any(|e| e["action"] == "case_file_read" && e["actor"] == MANAGER));
    assert!(audit.iter().any(|e| e["action"] == "person_created"));
    // Staff by role.
    let staff = doc["staff"].as_array().expect("staff");
    let head = staff
        .iter()
        .find(|s| s["slack_user_id"] == "U0HEAD")
        .expect("the head is named");
    assert_eq!(head["roles"][0], "head of Housing");
    let admin = staff
        .iter()
        .find(|s| s["slack_user_id"] == ADMIN)
        .expect("the admin is named");
    assert!(admin["roles"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r == "admin")));
    doc
}

fn check_html(html: &str) {
    holds_alice_and_not_bob(html, "the HTML");
    assert!(html.contains(ALICE_NAME_ESCAPED), "the name, escaped");
    assert!(!html.contains("<script"), "nothing unescaped");
    // Times in Europe/London, statuses in words.
    assert!(html.contains("Wed 1 Jul 2026, 11:00 BST"), "local time");
    assert!(html.contains("still applies"));
    assert!(html.contains("Welsh"));
    assert!(html.contains("<h2>Incidents reported (1)</h2>"));
    assert!(html.contains("<h2>Legal holds (1)</h2>"));
}

async fn r_dp_1_export_holds_every_record_on_both_backends_and_nothing_of_another_person(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_dp_1_export_everything").await else {
        return;
    };
    let (alice, _) = two_people(&app).await;
    let file = app
        .store
        .subject_access_file(alice)
        .await
        .expect("read")
        .expect("alice is on record");
    let documents = render(&Export {
        file: &file,
        names: &StaffNames::UserIdsOnly,
        made_by: "cli:test",
        made_at: Utc::now(),
        zone: chrono_tz::Europe::London,
    });
    assert_eq!(documents.json_filename(), format!("SU-{alice}.json"));
    assert_eq!(documents.html_filename(), format!("SU-{alice}.html"));
    let doc = check_json(&documents.json, alice);
    assert_eq!(doc["staff_names"], "user_ids_only");
    check_html(&documents.html);
    assert!(documents.html.contains("without Slack"));
}

/// The binary with a clean environment, run in `dir`.
fn bot(dir: &std::path::Path, db_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "info")
        .current_dir(dir);
    command
}

async fn r_dp_1_admin_export_person_writes_both_files_privately_and_audits_it(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_1_cli_export").await else {
        return;
    };
    let (alice, _) = two_people(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("exports").join("new");
    let output = bot(dir.path(), app.db.url())
        .args(["admin", "--actor", "ops", "export-person"])
        .arg(format!("SU-{alice}"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json_path = out.join(format!("SU-{alice}.json"));
    let html_path = out.join(format!("SU-{alice}.html"));
    // The two paths are the last lines (log lines, if any, come before them).
    let lines: Vec<&str> = stdout.trim().lines().collect();
    assert_eq!(
        lines[lines.len().saturating_sub(2)..],
        [
            json_path.display().to_string(),
            html_path.display().to_string()
        ]
    );
    for path in [&json_path, &html_path] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
    let json = std::fs::read_to_string(&json_path).expect("json");
    let doc = check_json(&json, alice);
    assert_eq!(doc["staff_names"], "user_ids_only");
    assert_eq!(doc["generated_by"], "cli:ops");
    check_html(&std::fs::read_to_string(&html_path).expect("html"));
    // The export is in the trail, without a personal value.
    let events = app
        .store
        .audit_events("service_user", &alice.to_string())
        .await
        .expect("audit");
    let export = events
        .iter()
        .find(|e| e.action == "subject_access_export")
        .expect("the export is audited");
    assert_eq!(export.actor, "cli:ops");
    assert_eq!(
        export.after,
        Some(serde_json::json!({ "format": ["json", "html"], "via": "cli" }))
    );

    // Found by an identifier held by one person only.
    let by_phone = bot(dir.path(), app.db.url())
        .args(["admin", "export-person", ALICE_PHONE, "--out"])
        .arg(dir.path().join("by-phone"))
        .output()
        .expect("runs");
    assert!(by_phone.status.success());
    assert!(dir
        .path()
        .join("by-phone")
        .join(format!("SU-{alice}.json"))
        .exists());
}

async fn r_dp_1_an_identifier_several_people_hold_is_refused_listing_them_by_id(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_1_cli_ambiguous").await else {
        return;
    };
    let (alice, _) = two_people(&app).await;
    // A second person on record with Alice's phone number (a shared household line).
    let bob = person(&app, "Carol Sharer", "C", ALICE_PHONE).await;
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out");
    let output = bot(dir.path(), app.db.url())
        .args(["admin", "export-person", ALICE_PHONE, "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("SU-{alice}")) && stderr.contains(&format!("SU-{bob}")),
        "{stderr}"
    );
    assert!(!stderr.contains("Aexport") && !stderr.contains("Botherperson"));
    assert!(!out.exists(), "nothing written");
    let exports = app
        .store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "subject_access_export")
        .count();
    assert_eq!(exports, 0);
}

async fn r_dp_1_slack_export_reaches_the_admins_dm_and_is_audited(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_1_slack_export").await else {
        return;
    };
    let (alice, _) = two_people(&app).await;
    let response = app
        .slash_command(ADMIN, &format!("export {ALICE_PHONE}"))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("reply");
    assert!(
        body["text"].as_str().is_some_and(
            |t| t.contains("on its way to your DM") && t.contains(&format!("SU-{alice}"))
        ),
        "{body}"
    );
    let completed = app
        .slack
        .wait_for_calls("files.completeUploadExternal", 2, WAIT)
        .await;
    let uploads = app.slack.calls_to("upload");
    assert_eq!(uploads.len(), 2);
    let upload = |content_type: &str| {
        uploads
            .iter()
            .find(|u| u.body["content_type"] == content_type)
            .unwrap_or_else(|| panic!("no {content_type} upload"))
            .body["text"]
            .as_str()
            .expect("text")
            .to_owned()
    };
    let doc = check_json(&upload("application/json"), alice);
    assert_eq!(doc["staff_names"], "slack");
    assert_eq!(doc["generated_by"], ADMIN);
    let manager = doc["staff"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["slack_user_id"] == MANAGER).cloned())
        .expect("the manager");
    assert_eq!(manager["name"], "Morgan Manager");
    let html = upload("text/html");
    check_html(&html);
    assert!(html.contains("Morgan Manager (U0MANAGER)"));
    // To the admin's DM, named by reference only.
    for call in &completed {
        assert_eq!(call.body["channel_id"], format!("D{ADMIN}"));
        let files = call.body["files"].to_string();
        assert!(files.contains(&format!("SU-{alice}")), "{files}");
        assert!(
            !files.contains("Alice") && !files.contains("Aexport"),
            "{files}"
        );
        assert!(call.body.get("initial_comment").is_none());
    }
    let names: Vec<String> = app
        .slack
        .calls_to("files.getUploadURLExternal")
        .iter()
        .map(|c| c.body["filename"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        names.contains(&format!("SU-{alice}.json")) && names.contains(&format!("SU-{alice}.html"))
    );
    // The outbox rows are about the person, so erasure can find them.
    let rows = sql_texts(
        app.db.url(),
        "SELECT subject_type || '/' || subject_id FROM outbox WHERE method = 'files.upload:dm'",
    )
    .await;
    assert_eq!(rows, vec![format!("service_user/{alice}"); 2]);
    let export = app
        .store
        .audit_events("service_user", &alice.to_string())
        .await
        .expect("audit")
        .into_iter()
        .find(|e| e.action == "subject_access_export")
        .expect("audited");
    assert_eq!(export.actor, ADMIN);
    assert_eq!(
        export.after,
        Some(serde_json::json!({ "format": ["json", "html"], "via": "slack" }))
    );
    app.slack.assert_no_refusals();
}

async fn r_dp_1_a_non_admin_is_refused_the_export_and_nothing_is_uploaded(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_1_slack_refused").await else {
        return;
    };
    let (alice, _) = two_people(&app).await;
    let before = app.store.all_audit_events().await.expect("audit").len();
    let response = app
        .slash_command(MANAGER, &format!("export {ALICE_PHONE}"))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("reply");
    let text = body["text"].as_str().unwrap_or_default();
    assert!(text.contains("Only an admin"), "{body}");
    assert!(text.contains("admin list-admins"), "{body}");
    assert!(!text.contains("Aexport"));
    // Nothing was started (the refusal comes before any work): no upload, no audit
    // event, no outbox row about the person.
    assert!(app.slack.calls_to("files.getUploadURLExternal").is_empty());
    assert_eq!(
        app.store.all_audit_events().await.expect("audit").len(),
        before
    );
    let rows = sql_texts(
        app.db.url(),
        &format!("SELECT CAST(id AS TEXT) FROM outbox WHERE subject_type = 'service_user' AND subject_id = '{alice}'"),
    )
    .await;
    assert!(rows.is_empty());
}

async fn r_dp_1_an_erased_person_is_exported_as_what_remains(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_1_cli_erased").await else {
        return;
    };
    let (alice, _) = two_people(&app).await;
    // Erased as R-DP-2 describes: identifiers gone, the name cleared, the marks set.
    for sql in [
        format!("DELETE FROM service_user_identifiers WHERE service_user_id = {alice}"),
        format!("UPDATE service_users SET display_name = NULL, name_folded = NULL, communication_needs = '', erased_at = '2026-09-01T09:00:00+00:00', erased_by = '{ADMIN}' WHERE id = {alice}"),
    ] {
        run_sql(app.db.url(), &sql).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let output = bot(dir.path(), app.db.url())
        .args(["admin", "export-person"])
        .arg(alice.to_string())
        .arg("--out")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = std::fs::read_to_string(dir.path().join(format!("SU-{alice}.json"))).expect("json");
    let doc: Value = serde_json::from_str(&json).expect("parses");
    assert_eq!(doc["erased"], true);
    assert_eq!(doc["person"]["display_name"], Value::Null);
    assert_eq!(doc["person"]["erased_at"], "2026-09-01T09:00:00Z");
    assert_eq!(doc["records"]["identifiers"], serde_json::json!([]));
    let html = std::fs::read_to_string(dir.path().join(format!("SU-{alice}.html"))).expect("html");
    assert!(html.contains("has been erased"));
    assert!(!html.contains("Aexport"));
}

on_both_backends!(
    r_dp_1_an_erased_person_is_exported_as_what_remains,
    r_dp_1_export_holds_every_record_on_both_backends_and_nothing_of_another_person,
    r_dp_1_admin_export_person_writes_both_files_privately_and_audits_it,
    r_dp_1_an_identifier_several_people_hold_is_refused_listing_them_by_id,
    r_dp_1_slack_export_reaches_the_admins_dm_and_is_audited,
    r_dp_1_a_non_admin_is_refused_the_export_and_nothing_is_uploaded,
);
