//! Reporting and lookup end to end (R-RPT-1 … R-RPT-6, R-REC-1 … R-REC-4, R-DP-3, R-DP-4):
//! slash command → `views.open` captured by the fake Slack → `view_submission` → rows,
//! audit events and the DMs that leave through the outbox.

use std::time::Duration;

use chrono::{NaiveTime, Utc, Weekday};
use contact_policy_bot::domain::incident::{BehaviourKind, Category, Channel, IncidentReport};
use contact_policy_bot::domain::measures::{ContactMethod, ContactMode, ContactWindow, Measure};
use contact_policy_bot::domain::person::{
    normalize_query, AccessRequirements, Identifier, PersonName,
};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::records::{NewIncident, NewPerson, PersonChoice};
use serde_json::{json, Value};

use crate::helpers::slack_values as v;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);
const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";

/// Casework with a head, a manager and a member of staff; returns its id.
async fn casework(app: &TestApp) -> i64 {
    let store = &app.store;
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    let id = store
        .add_function(&name, &actor, Utc::now())
        .await
        .expect("function");
    for (user, role) in [
        (HEAD, Role::Head),
        (MANAGER, Role::Manager),
        (STAFF, Role::Member),
    ] {
        store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, Utc::now())
            .await
            .expect("role");
    }
    id
}

pub(crate) fn report_values(
    person: &str,
    category: &str,
    kinds: &[&str],
    description: &str,
    occurred_at: i64,
) -> Value {
    state_values(&[
        ("person", v::external(person)),
        ("new_phone", v::text("07700 900123")),
        ("new_email", v::empty("plain_text_input")),
        ("new_case_ref", v::text("case-77")),
        ("different_person", v::checkboxes(&[])),
        ("category", v::select(category)),
        ("kinds", v::multi(kinds)),
        ("channel", v::select("phone")),
        ("occurred_at", v::date_time(occurred_at)),
        ("description", v::text(description)),
        ("impact_staff_minutes", v::number("30")),
        ("impact_contacts", v::number("5")),
        ("impact_note", v::text("50+ calls a day")),
    ])
}

/// Submits a report that must be accepted (the modal closes with an empty answer).
async fn report_ok(app: &TestApp, nth_modal: usize, values: Value) {
    let response = report(app, nth_modal, values).await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("body");
    assert!(body.is_empty(), "report refused: {body}");
}

/// Runs `/contact report` as staff and submits it as a user fills it in; returns the
/// submission's HTTP answer.
async fn report(app: &TestApp, nth_modal: usize, values: Value) -> reqwest::Response {
    let response = app.slash_command(STAFF, "report").await;
    assert_eq!(response.status(), 200);
    let modal = report_form(app, nth_modal, &values).await;
    app.submit_modal(STAFF, &modal, values_shown_in(&modal, &values))
        .await
}

/// The report form as the user sees it once they have chosen the person in `values`: for
/// “New person: …”, the form the bot rebuilt to show the new person's fields.
pub(crate) async fn report_form(app: &TestApp, nth_modal: usize, values: &Value) -> Value {
    let view = app.opened_view(nth_modal).await;
    let person = values["person"]["person"].clone();
    let chosen = person["selected_option"]["value"]
        .as_str()
        .unwrap_or_default();
    if !chosen.starts_with("new:") {
        return view;
    }
    app.choose_in_view(STAFF, &view, state_values(&[("person", person)]), "person")
        .await
        .expect("choosing a new person shows their fields")
}

/// The form as the bot last rebuilt it (`views.update`), as Slack answered it.
fn last_updated_view(app: &TestApp) -> Value {
    let updates = app.slack.calls_to("views.update");
    let last = updates.last().expect("a views.update");
    last.response.as_ref().expect("answered")["view"].clone()
}

fn input_ids(view: &Value) -> Vec<String> {
    view["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "input")
        .filter_map(|b| b["block_id"].as_str().map(str::to_owned))
        .collect()
}

const NEW_PERSON_FIELDS: [&str; 7] = [
    "new_phone",
    "new_email",
    "new_case_ref",
    "different_person",
    "access_format",
    "access_language",
    "access_needs",
];

/// Item 9 of the Slack-layer issue: the report form shows the new person's seven fields
/// only once “New person: …” is chosen, and takes them away again when someone on record
/// is chosen instead, keeping everything typed so far.
async fn r_rpt_1_new_person_fields_appear_only_for_a_new_person(backend: Backend) {
    let Some(app) = spawn_app(backend, "new_person_fields").await else {
        return;
    };
    casework(&app).await;
    let known = app
        .store
        .create_person(
            &NewPerson {
                name: PersonName::parse("Known Person").expect("name"),
                identifiers: vec![],
                access: Default::default(),
            },
            &Actor::cli("test"),
            Utc::now(),
        )
        .await
        .expect("person");
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let opened = app.opened_view(0).await;
    let shown = input_ids(&opened);
    for field in NEW_PERSON_FIELDS {
        assert!(
            !shown.iter().any(|f| f == field),
            "{field} shown before a new person: {shown:?}"
        );
    }
    assert!(
        opened["blocks"].as_array().expect("blocks").len() <= 12,
        "{shown:?}"
    );

    // The user types a description, then chooses “New person: …”.
    let typed = [
        ("description", v::text("Shouted at me twice")),
        ("category", v::select("aggressive_abusive")),
        ("person", v::external("new:Jane Doe")),
    ];
    let with_fields = app
        .choose_in_view(STAFF, &opened, state_values(&typed), "person")
        .await
        .expect("the new person's fields are shown");
    let shown = input_ids(&with_fields);
    let picker = shown.iter().position(|f| f == "person").expect("picker");
    assert_eq!(
        shown[picker + 1..picker + 1 + NEW_PERSON_FIELDS.len()],
        NEW_PERSON_FIELDS.map(str::to_owned),
        "the new person's fields come just below the picker: {shown:?}"
    );
    let block = |view: &Value, id: &str| -> Value {
        view["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .find(|b| b["block_id"] == id)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        block(&with_fields, "description")["element"]["initial_value"],
        "Shouted at me twice",
        "what was typed is kept"
    );
    assert_eq!(
        block(&with_fields, "category")["element"]["initial_option"]["value"],
        "aggressive_abusive"
    );
    assert_eq!(
        block(&with_fields, "person")["element"]["initial_option"]["value"],
        "new:Jane Doe"
    );
    assert_eq!(with_fields["callback_id"], "report");
    assert_eq!(with_fields["private_metadata"], opened["private_metadata"]);

    // Choosing the same kind again changes nothing; choosing someone on record takes the
    // fields away.
    let again = [
        ("description", v::text("Shouted at me twice")),
        ("person", v::external("new:Jane Q Doe")),
        ("new_phone", v::text("07700 900123")),
    ];
    assert!(app
        .choose_in_view(STAFF, &with_fields, state_values(&again), "person")
        .await
        .is_none());
    let existing = [
        ("description", v::text("Shouted at me twice")),
        ("person", v::external(&format!("p:{known}"))),
    ];
    let without = app
        .choose_in_view(STAFF, &with_fields, state_values(&existing), "person")
        .await
        .expect("the fields are taken away");
    let shown = input_ids(&without);
    for field in NEW_PERSON_FIELDS {
        assert!(
            !shown.iter().any(|f| f == field),
            "{field} still shown: {shown:?}"
        );
    }
    assert_eq!(
        block(&without, "description")["element"]["initial_value"],
        "Shouted at me twice"
    );

    // And the report on someone on record goes in from that form.
    let mut values = report_values(
        &format!("p:{known}"),
        "aggressive_abusive",
        &["verbal_abuse"],
        "Shouted at me twice",
        Utc::now().timestamp() - 60,
    );
    for field in NEW_PERSON_FIELDS {
        values.as_object_mut().expect("values").remove(field);
    }
    let answer = app.submit_modal(STAFF, &without, values).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.expect("body"), "");
    assert_eq!(
        app.store
            .incidents_of(known)
            .await
            .expect("incidents")
            .len(),
        1
    );

    // A form submitted with “New person: …” chosen but without their fields (the update
    // was lost) is shown again with them, not stored without them.
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let second = app.opened_view(1).await;
    let new_person = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["verbal_abuse"],
        "Shouted at me again",
        Utc::now().timestamp() - 60,
    );
    let answer: Value = app
        .submit_view(
            STAFF,
            &second,
            values_shown_in(&second, &new_person),
            "V0LOST",
        )
        .await
        .json()
        .await
        .expect("an answer");
    assert_eq!(answer["response_action"], "update", "{answer}");
    let again = &answer["view"];
    let shown = input_ids(again);
    for field in NEW_PERSON_FIELDS {
        assert!(
            shown.iter().any(|f| f == field),
            "{field} missing: {shown:?}"
        );
    }
    assert_eq!(
        block(again, "description")["element"]["initial_value"],
        "Shouted at me again"
    );
    let answer = app
        .submit_view(STAFF, again, values_shown_in(again, &new_person), "V0LOST")
        .await;
    assert_eq!(answer.text().await.expect("body"), "");
    jane(&app).await;

    // And the other way: someone on record chosen, but the update that took the new
    // person's fields away was lost: shown again without them, not refused over them.
    let on_record = values_shown_in(
        &with_fields,
        &state_values(&[
            ("person", v::external(&format!("p:{known}"))),
            ("new_phone", v::text("07700 900999")),
            ("description", v::text("Shouted at me twice")),
        ]),
    );
    let answer: Value = app
        .submit_view(STAFF, &with_fields, on_record, "V0LEFT")
        .await
        .json()
        .await
        .expect("an answer");
    assert_eq!(answer["response_action"], "update", "{answer}");
    let shown = input_ids(&answer["view"]);
    for field in NEW_PERSON_FIELDS {
        assert!(
            !shown.iter().any(|f| f == field),
            "{field} still shown: {shown:?}"
        );
    }
    app.slack.assert_no_refusals();
    app.stop().await.expect("stops cleanly");
}

/// The person the report created, found by phone number.
pub(crate) async fn jane(app: &TestApp) -> i64 {
    let people = app
        .store
        .find_people("", &normalize_query("07700 900123"), 5)
        .await
        .expect("find");
    assert_eq!(people.len(), 1, "exactly one person holds the number");
    people[0].id
}

fn dms_to(app: &TestApp, user: &str) -> Vec<Value> {
    app.slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.body["channel"] == user)
        .map(|c| c.body)
        .collect()
}

/// R-DP-3: nothing is ever posted to a channel, only to users' DMs.
fn assert_no_channel_posts(app: &TestApp) {
    for call in app.slack.calls_to("chat.postMessage") {
        let channel = call.body["channel"].as_str().unwrap_or_default();
        assert!(channel.starts_with('U'), "posted to a channel: {channel}");
    }
}

async fn r_rpt_1_report_records_incident_notifies_managers_and_confirms(backend: Backend) {
    let Some(app) = spawn_app(backend, "report").await else {
        return;
    };
    casework(&app).await;
    let response = app.slash_command(STAFF, "report").await;
    assert_eq!(response.status(), 200);
    let modal = app.opened_modal(0).await;
    assert_eq!(modal["callback_id"], "report");
    let shown = modal.to_string();
    assert!(
        shown.contains("Anger or frustration alone is not unacceptable behaviour"),
        "R-REC-2 reminder missing"
    );
    assert!(
        !shown.contains("\"block_id\":\"function\""),
        "a member of one function is not asked for it"
    );
    let occurred = Utc::now().timestamp() - 3600;
    let values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["verbal_abuse", "rudeness"],
        "Shouted abuse at me",
        occurred,
    );
    let form = report_form(&app, 0, &values).await;
    let submitted = app.submit_modal(STAFF, &form, values).await;
    assert_eq!(submitted.status(), 200);
    assert!(
        submitted.text().await.expect("body").is_empty(),
        "a good submission closes the modal"
    );

    let person = jane(&app).await;
    let history = app
        .store
        .history(person, Utc::now().date_naive())
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].reference.as_deref(), Some("INC-00001"));
    assert_eq!(history[0].by, STAFF);

    app.slack.wait_for_calls("chat.postMessage", 2, WAIT).await;
    let to_manager = dms_to(&app, MANAGER);
    assert_eq!(to_manager.len(), 1);
    let notice = to_manager[0].to_string();
    for expected in [
        "INC-00001",
        "<@U0STAFF>",
        "Jane Doe",
        "Aggressive or abusive behaviour",
        "verbal abuse",
        "Case file",
    ] {
        assert!(
            notice.contains(expected),
            "manager notice misses {expected}: {notice}"
        );
    }
    assert!(!notice.contains("Police report required"));
    let to_reporter = dms_to(&app, STAFF);
    assert!(to_reporter[0]["text"]
        .as_str()
        .unwrap_or_default()
        .contains("INC-00001"));
    assert!(
        dms_to(&app, HEAD).is_empty(),
        "the head is not told of every report when managers exist"
    );
    assert_no_channel_posts(&app);

    let actions: Vec<String> = app
        .store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"person_created".to_owned())
            && actions.contains(&"incident_reported".to_owned()),
        "{actions:?}"
    );
    // R-REC-4: the trail holds no personal values.
    let trail = format!("{:?}", app.store.all_audit_events().await.expect("audit"));
    assert!(
        !trail.contains("Jane") && !trail.contains("7700") && !trail.contains("Shouted"),
        "{trail}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_rpt_1_invalid_report_gets_inline_errors_and_writes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, "report_invalid").await else {
        return;
    };
    casework(&app).await;
    let tomorrow = Utc::now().timestamp() + 86_400;
    let values = report_values(
        "new:Jane Doe",
        "unreasonable_demands",
        &["rudeness"],
        "   ",
        tomorrow,
    );
    let response = report(&app, 0, values).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("errors JSON");
    assert_eq!(answer["response_action"], "errors");
    for field in ["kinds", "occurred_at", "description"] {
        assert!(
            answer["errors"][field].is_string(),
            "no inline error on {field}: {answer}"
        );
    }
    assert!(
        app.store
            .find_people("Jane", &[], 5)
            .await
            .expect("find")
            .is_empty(),
        "no person written"
    );
    assert!(app
        .store
        .all_audit_events()
        .await
        .expect("audit")
        .iter()
        .all(|e| e.action != "incident_reported"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        app.slack.calls_to("chat.postMessage").is_empty(),
        "nobody notified"
    );

    // No person chosen at all (chosen as new above, then cleared), and a bad phone
    // number: both inline.
    let modal = last_updated_view(&app);
    let mut values = report_values(
        "",
        "aggressive_abusive",
        &["verbal_abuse"],
        "Swore at me",
        Utc::now().timestamp(),
    );
    values["person"] = json!({ "person": { "type": "external_select" } });
    values["new_phone"] = json!({ "new_phone": v::text("call me maybe") });
    let answer: Value = app
        .submit_modal(STAFF, &modal, values)
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["person"].is_string(), "{answer}");
    assert!(answer["errors"]["new_phone"].is_string(), "{answer}");
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_phone_number_typed_three_ways_finds_one_person(backend: Backend) {
    let Some(app) = spawn_app(backend, "normalisation").await else {
        return;
    };
    casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "unreasonably_persistent",
        &["refusing_to_accept_decision"],
        "Calls daily",
        Utc::now().timestamp(),
    );
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;
    for typed in [
        "07700 900123",
        "+44 7700 900123",
        "447700900123",
        "CASE-77",
        "Jane",
    ] {
        let options = app.person_options(STAFF, typed).await;
        let values: Vec<&str> = options["options"]
            .as_array()
            .expect("options")
            .iter()
            .filter_map(|o| o["value"].as_str())
            .collect();
        assert_eq!(
            values[0],
            format!("p:{person}"),
            "{typed} did not find Jane first: {options}"
        );
        assert_eq!(
            values.iter().filter(|v| v.starts_with("p:")).count(),
            1,
            "{typed}: {options}"
        );
    }
    let reply: Value = app
        .slash_command(STAFF, "check 447700900123")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(reply["response_type"], "ephemeral");
    assert!(
        reply
            .to_string()
            .contains("No restrictions: handle as normal."),
        "{reply}"
    );

    // Creating a second "new" person with the same number is refused inline, never merged.
    let values = report_values(
        "new:J. Doe",
        "unreasonably_persistent",
        &["other"],
        "Again",
        Utc::now().timestamp(),
    );
    let answer: Value = report(&app, 1, values.clone())
        .await
        .json()
        .await
        .expect("errors");
    assert!(
        answer["errors"]["person"]
            .as_str()
            .unwrap_or_default()
            .contains("already has this phone number"),
        "{answer}"
    );
    // Staff confirm it is a different person: a second record, the first untouched.
    let mut confirmed = values;
    confirmed["different_person"] = json!({ "different_person": v::checkboxes(&["yes"]) });
    let modal = last_updated_view(&app);
    assert_eq!(
        app.submit_modal(STAFF, &modal, confirmed).await.status(),
        200
    );
    let holders = app
        .store
        .find_people("", &normalize_query("07700900123"), 5)
        .await
        .expect("find");
    assert_eq!(
        holders.len(),
        2,
        "two people share the number; neither was merged"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_rpt_3_violence_requires_a_police_report_until_recorded(backend: Backend) {
    let Some(app) = spawn_app(backend, "police").await else {
        return;
    };
    casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["physical_violence"],
        "Pushed a colleague",
        Utc::now().timestamp(),
    );
    report_ok(&app, 0, values).await;
    app.slack.wait_for_calls("chat.postMessage", 2, WAIT).await;
    let notice = &dms_to(&app, MANAGER)[0];
    let first_block = notice["blocks"][0].to_string();
    assert!(
        first_block.contains("Police report required"),
        "police must come first: {notice}"
    );
    assert!(notice.to_string().contains("record_police_report"));

    let open: Value = app
        .slash_command(MANAGER, "open")
        .await
        .json()
        .await
        .expect("json");
    assert!(open.to_string().contains("INC-00001"), "{open}");
    let staff_open: Value = app
        .slash_command(STAFF, "open")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        !staff_open.to_string().contains("INC-00001"),
        "staff have no open list: {staff_open}"
    );

    let incident_id = app
        .store
        .history(jane(&app).await, Utc::now().date_naive())
        .await
        .expect("history")
        .len();
    assert_eq!(incident_id, 1);
    // Staff cannot record it; the manager can, from the button.
    app.click(
        STAFF,
        "record_police_report",
        "1",
        &app.slack.response_url("staff"),
    )
    .await;
    app.slack
        .wait_for_calls("response_url:staff", 1, WAIT)
        .await;
    assert_eq!(
        app.slack.calls_to("views.open").len(),
        1,
        "no modal for staff"
    );
    app.click(
        MANAGER,
        "record_police_report",
        "1",
        &app.slack.response_url("mgr"),
    )
    .await;
    let modal = app.opened_modal(1).await;
    assert_eq!(modal["callback_id"], "police_report");
    let incomplete = state_values(&[("reported_on", v::date("2026-11-01"))]);
    let answer: Value = app
        .submit_modal(MANAGER, &modal, incomplete)
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["police_reference"].is_string(), "{answer}");
    let complete = state_values(&[
        ("reported_on", v::date(&Utc::now().date_naive().to_string())),
        ("police_reference", v::text("CAD-1234")),
    ]);
    assert_eq!(
        app.submit_modal(MANAGER, &modal, complete).await.status(),
        200
    );
    let open: Value = app
        .slash_command(MANAGER, "open")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        !open.to_string().contains("INC-00001"),
        "still listed after the report: {open}"
    );
    let history = app
        .store
        .history(jane(&app).await, Utc::now().date_naive())
        .await
        .expect("history");
    assert!(
        history.iter().any(|h| h.summary.contains("CAD-1234")),
        "{history:?}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn call_ended(app: &TestApp, nth: usize, person: &str) -> reqwest::Response {
    assert_eq!(app.slash_command(STAFF, "call-ended").await.status(), 200);
    let modal = app.opened_modal(nth).await;
    assert_eq!(modal["callback_id"], "call_ended");
    let values = state_values(&[
        ("person", v::external(person)),
        ("outcome", v::radio("ended")),
        ("reason", v::radio("abusive")),
        ("note", v::text("Swore repeatedly")),
    ]);
    app.submit_modal(STAFF, &modal, values).await
}

async fn r_rpt_2_ended_calls_are_logged_and_counted_per_week(backend: Backend) {
    let Some(app) = spawn_app(backend, "call_ended").await else {
        return;
    };
    casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["verbal_abuse"],
        "Abuse",
        Utc::now().timestamp(),
    );
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;
    for n in 1..=2 {
        assert_eq!(
            call_ended(&app, n, &format!("p:{person}")).await.status(),
            200
        );
    }
    // The reason is mandatory (§6).
    assert_eq!(app.slash_command(STAFF, "call-ended").await.status(), 200);
    let modal = app.opened_modal(3).await;
    let missing = state_values(&[
        ("person", v::external(&format!("p:{person}"))),
        ("note", v::text("x")),
    ]);
    let answer: Value = app
        .submit_modal(STAFF, &modal, missing)
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["reason"].is_string(), "{answer}");

    let calls = app.slack.wait_for_calls("chat.postMessage", 4, WAIT).await;
    let manager_texts: Vec<String> = calls
        .iter()
        .filter(|c| c.body["channel"] == MANAGER)
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_owned())
        .filter(|t| t.starts_with("*Call ended*"))
        .collect();
    assert_eq!(manager_texts.len(), 2, "{manager_texts:?}");
    assert!(
        manager_texts[1].contains("2 call(s) with this person ended or held this week"),
        "{manager_texts:?}"
    );
    let logged = app
        .store
        .all_audit_events()
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.action == "call_ended_logged")
        .count();
    assert_eq!(logged, 2);
    assert_no_channel_posts(&app);
    app.stop().await.expect("stops cleanly");
}

async fn r_rpt_4_and_r_rpt_5_breach_and_check_follow_the_restriction(backend: Backend) {
    let Some(app) = spawn_app(backend, "breach_check").await else {
        return;
    };
    let function = casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "unreasonable_demands",
        &["scattergun_contact"],
        "50 calls",
        Utc::now().timestamp(),
    );
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;

    // No restriction: a breach cannot be logged, a report is offered instead.
    let reply: Value = app
        .slash_command(STAFF, "breach Jane Doe")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        reply.to_string().contains("has no active restriction"),
        "{reply}"
    );
    assert!(reply.to_string().contains("report_instead"), "{reply}");

    let window = ContactWindow {
        weekday: Weekday::Tue,
        start: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        end: NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
    };
    let measures = [
        Measure::TimeLimitedContact {
            mode: ContactMode::Phone,
            windows: vec![window],
            max_minutes: None,
        },
        Measure::SingleContactMethod {
            method: ContactMethod::Email,
        },
        Measure::SinglePointOfContact {
            staff: UserId::from_slack(MANAGER),
        },
    ];
    let today = Utc::now().date_naive();
    let restriction = insert_restriction(
        app.db.url(),
        person,
        function,
        &measures,
        today - chrono::Duration::days(1),
        None,
    )
    .await;
    // One that ended yesterday no longer shows anywhere (R-REV-2).
    insert_restriction(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        today - chrono::Duration::days(30),
        Some(today - chrono::Duration::days(1)),
    )
    .await;

    let check: Value = app
        .slash_command(STAFF, "check jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = check.to_string();
    assert_eq!(check["response_type"], "ephemeral");
    for expected in [
        "Do not take calls except Tuesday 09:00–12:00.",
        "Ask them to write by email.",
        "Single point of contact",
        // A working mention: Slack shows the name.
        "<@U0MANAGER>",
    ] {
        assert!(shown.contains(expected), "check misses {expected}: {shown}");
    }
    assert!(
        !shown.contains("Read and file"),
        "an ended restriction still shows: {shown}"
    );
    assert!(!shown.contains("handle as normal"));

    let reply = app.slash_command(STAFF, "breach 07700900123").await;
    assert_eq!(reply.status(), 200);
    let modal = app.opened_modal(1).await;
    assert_eq!(modal["callback_id"], "breach");
    let values = state_values(&[
        ("restriction", v::select(&restriction.to_string())),
        ("channel", v::select("phone")),
        ("occurred_at", v::date_time(Utc::now().timestamp() - 60)),
        ("description", v::text("Rang on a Friday")),
    ]);
    assert_eq!(app.submit_modal(STAFF, &modal, values).await.status(), 200);
    let history = app
        .store
        .history(person, Utc::now().date_naive())
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|h| h.kind == "breach" && h.summary.contains("Rang on a Friday")),
        "{history:?}"
    );
    app.slack.wait_for_calls("chat.postMessage", 3, WAIT).await;
    assert!(dms_to(&app, MANAGER).iter().any(|m| m["text"]
        .as_str()
        .unwrap_or_default()
        .contains("Breach of restriction")));

    // Several matches are listed to choose from; no match is said plainly.
    let values = report_values(
        "new:Janet Doe",
        "unreasonably_persistent",
        &["other"],
        "x",
        Utc::now().timestamp(),
    );
    let mut values = values;
    values["new_phone"] = json!({ "new_phone": v::text("07700 900999") });
    values["new_case_ref"] = json!({ "new_case_ref": v::empty("plain_text_input") });
    report_ok(&app, 2, values).await;
    let several: Value = app
        .slash_command(STAFF, "check doe")
        .await
        .json()
        .await
        .expect("json");
    assert!(several.to_string().contains("2 people match"), "{several}");
    assert!(several.to_string().contains("check_person"), "{several}");
    let none: Value = app
        .slash_command(STAFF, "check nobody-at-all")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        none.to_string().contains("No one on record matches"),
        "{none}"
    );
    assert_no_channel_posts(&app);
    app.stop().await.expect("stops cleanly");
}

async fn r_rpt_6_history_is_for_managers_newest_first_and_paged(backend: Backend) {
    let Some(app) = spawn_app(backend, "history").await else {
        return;
    };
    casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["rudeness"],
        "Rude",
        Utc::now().timestamp() - 7200,
    );
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;
    for n in 1..=11 {
        assert_eq!(
            call_ended(&app, n, &format!("p:{person}")).await.status(),
            200
        );
    }
    let refused: Value = app
        .slash_command(STAFF, "history Jane")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        refused.to_string().contains("Case files are for managers"),
        "{refused}"
    );

    let page: Value = app
        .slash_command(MANAGER, "history Jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = page.to_string();
    assert!(shown.contains("12 entries"), "{shown}");
    assert!(shown.contains("Entries 1–10 of 12"), "{shown}");
    assert!(
        !shown.contains("INC-00001"),
        "the oldest entry is not on the first page: {shown}"
    );
    app.click(
        MANAGER,
        "history_person",
        &format!("{person}:10"),
        &app.slack.response_url("hist"),
    )
    .await;
    let next = app.slack.wait_for_calls("response_url:hist", 1, WAIT).await;
    let next = next[0].body.to_string();
    assert!(
        next.contains("INC-00001") && next.contains("Entries 11–12 of 12"),
        "{next}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_4_foi_refusal_is_recorded_by_managers_and_shows_in_history(backend: Backend) {
    let Some(app) = spawn_app(backend, "foi").await else {
        return;
    };
    casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "unreasonably_persistent",
        &["repeated_requests_to_reverse_decision"],
        "Again",
        Utc::now().timestamp(),
    );
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;
    let refused: Value = app
        .slash_command(STAFF, "foi Jane")
        .await
        .json()
        .await
        .expect("json");
    assert!(refused.to_string().contains("Only a manager"), "{refused}");
    assert_eq!(app.slash_command(MANAGER, "foi Jane").await.status(), 200);
    let modal = app.opened_modal(1).await;
    assert_eq!(modal["callback_id"], "foi");
    let values = state_values(&[
        ("reference", v::text("FOI-2026-0042")),
        ("refused_on", v::date(&Utc::now().date_naive().to_string())),
        ("ground", v::radio("repeated")),
        ("note", v::empty("plain_text_input")),
    ]);
    assert_eq!(
        app.submit_modal(MANAGER, &modal, values).await.status(),
        200
    );
    let history = app
        .store
        .history(person, Utc::now().date_naive())
        .await
        .expect("history");
    let entry = history
        .iter()
        .find(|h| h.kind == "foi_refusal")
        .expect("FOI entry in history");
    assert_eq!(entry.reference.as_deref(), Some("FOI-2026-0042"));
    assert!(entry.summary.contains("section 14 (repeated)"), "{entry:?}");
    app.stop().await.expect("stops cleanly");
}

async fn reporter_in_no_function_is_asked_to_pick_one(backend: Backend) {
    let Some(app) = spawn_app(backend, "no_function").await else {
        return;
    };
    let function = casework(&app).await;
    assert_eq!(
        app.slash_command("U0NEWSTARTER", "report").await.status(),
        200
    );
    let modal = app.opened_modal(0).await;
    assert!(
        modal.to_string().contains("\"block_id\":\"function\""),
        "asked to pick a function: {modal}"
    );
    let mut values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["verbal_abuse"],
        "Swore at me",
        Utc::now().timestamp(),
    );
    let modal = report_form(&app, 0, &values).await;
    let answer: Value = app
        .submit_modal("U0NEWSTARTER", &modal, values.clone())
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["function"].is_string(), "{answer}");
    values["function"] = json!({ "function": v::select(&function.to_string()) });
    assert_eq!(
        app.submit_modal("U0NEWSTARTER", &modal, values)
            .await
            .status(),
        200
    );
    app.slack.wait_for_calls("chat.postMessage", 2, WAIT).await;
    assert_eq!(dms_to(&app, MANAGER).len(), 1);
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_names_are_found_whatever_their_case_on_both_backends(backend: Backend) {
    use contact_policy_bot::domain::person::{AccessRequirements, PersonName};
    use contact_policy_bot::store::records::NewPerson;
    let Some(app) = spawn_app(backend, "name_case").await else {
        return;
    };
    for name in ["ÉMILE Ŵyn", "Siân Ap Dafydd"] {
        let person = NewPerson {
            name: PersonName::parse(name).expect("name"),
            identifiers: vec![],
            access: AccessRequirements::default(),
        };
        app.store
            .create_person(&person, &Actor::cli("t"), Utc::now())
            .await
            .expect("person");
    }
    for typed in ["émile", "ŵYN", "SIÂN", "ap dafydd"] {
        let found = app.store.find_people(typed, &[], 5).await.expect("find");
        assert_eq!(found.len(), 1, "{typed} found {found:?}");
    }
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_access_requirements_are_recorded_and_shown_to_staff(backend: Backend) {
    let Some(app) = spawn_app(backend, "access").await else {
        return;
    };
    casework(&app).await;
    let mut values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["rudeness"],
        "Rude",
        Utc::now().timestamp(),
    );
    values["access_language"] = json!({ "access_language": v::select("cy") });
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;
    assert_eq!(
        app.store
            .person(person)
            .await
            .expect("p")
            .expect("p")
            .access
            .language
            .as_str(),
        "cy",
        "new person's language kept"
    );
    assert_eq!(
        app.slash_command(MANAGER, "access Jane").await.status(),
        200
    );
    let modal = app.opened_modal(1).await;
    assert_eq!(modal["callback_id"], "access");
    let values = state_values(&[
        ("access_format", v::select("large_print")),
        ("access_language", v::select("cy")),
        ("access_needs", v::text("Speak slowly; hearing loss")),
        ("new_phone", v::text("020 7946 0000")),
    ]);
    assert_eq!(
        app.submit_modal(MANAGER, &modal, values).await.status(),
        200
    );
    let stored = app.store.person(person).await.expect("p").expect("p");
    assert_eq!(stored.access.format.as_str(), "large_print");
    // R-REC-1: any number of identifiers; the one added finds her however typed.
    let found = app
        .store
        .find_people("", &normalize_query("+44 20 7946 0000"), 5)
        .await
        .expect("find");
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![person]);
    let check: Value = app
        .slash_command(STAFF, "check Jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = check.to_string();
    assert!(
        shown.contains("Access requirements to respect") && shown.contains("hearing loss"),
        "{shown}"
    );
    let trail = format!("{:?}", app.store.all_audit_events().await.expect("audit"));
    assert!(
        trail.contains("access_requirements_updated") && !trail.contains("hearing loss"),
        "{trail}"
    );
    app.stop().await.expect("stops cleanly");
}

/// A person created straight in the store, with a phone number ending in `n`.
async fn someone(app: &TestApp, name: &str, n: u32) -> i64 {
    let person = NewPerson {
        name: PersonName::parse(name).expect("name"),
        identifiers: vec![Identifier::phone(&format!("07700 8{n:05}")).expect("phone")],
        access: AccessRequirements::default(),
    };
    app.store
        .create_person(&person, &Actor::cli("test"), Utc::now())
        .await
        .expect("person")
}

/// Issue 8 item 7: a NUL byte, an empty or an over-long search gets a plain answer from
/// every subcommand that looks a person up and from the person picker, never a failure or
/// a list of everyone.
async fn r_rpt_5_nul_empty_and_over_long_searches_get_a_clear_answer(backend: Backend) {
    let Some(app) = spawn_app(backend, "bad_queries").await else {
        return;
    };
    casework(&app).await;
    someone(&app, "Jane Doe", 1).await;
    someone(&app, "John Roe", 2).await;
    let over_long = "a".repeat(201);
    for command in [
        "check", "history", "breach", "foi", "access", "warn", "restrict", "dispute", "review",
    ] {
        for (query, expected) in [
            ("Ja\u{0}ne", "control character"),
            ("\u{0}", "control character"),
            (over_long.as_str(), "too long"),
        ] {
            let response = app
                .slash_command(MANAGER, &format!("{command} {query}"))
                .await;
            assert_eq!(response.status(), 200, "{command}");
            let shown = response.text().await.expect("body");
            assert!(shown.contains(expected), "{command}: {shown}");
            assert!(
                !shown.contains("Jane Doe") && !shown.contains("John Roe"),
                "{command} listed people: {shown}"
            );
        }
        let usage = app.slash_command(MANAGER, command).await;
        let shown = usage.text().await.expect("body");
        assert!(shown.contains("Usage"), "{command}: {shown}");
    }
    for typed in ["\u{0}", "Ja\u{0}ne", over_long.as_str(), "  "] {
        let options = app.person_options(STAFF, typed).await;
        assert_eq!(options["options"], json!([]), "{typed:?}: {options}");
    }
    let options = app.person_options(STAFF, "jane").await;
    assert_eq!(
        options["options"].as_array().map(Vec::len),
        Some(2),
        "Jane Doe and “New person: jane”: {options}"
    );
    app.stop().await.expect("stops cleanly");
}

/// R-RPT-5: when more people match than are listed, staff are told the true count.
async fn r_rpt_5_check_says_how_many_match_when_more_are_listed(backend: Backend) {
    let Some(app) = spawn_app(backend, "twelve_smiths").await else {
        return;
    };
    casework(&app).await;
    for n in 0..12 {
        someone(
            &app,
            &format!("Sam Smith {}", char::from(b'a' + n as u8)),
            n,
        )
        .await;
    }
    let shown = app
        .slash_command(STAFF, "check smith")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        shown.contains("12 people match") && shown.contains("showing the first 10"),
        "{shown}"
    );
    assert_eq!(shown.matches("check_person").count(), 10, "{shown}");
    app.stop().await.expect("stops cleanly");
}

/// A NUL byte typed into a form is dropped, so the report is stored on both backends.
async fn r_rpt_1_a_nul_byte_in_a_description_is_dropped(backend: Backend) {
    let Some(app) = spawn_app(backend, "nul_description").await else {
        return;
    };
    casework(&app).await;
    let values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["rudeness"],
        "Shouted\u{0} at staff",
        Utc::now().timestamp() - 60,
    );
    report_ok(&app, 0, values).await;
    let person = jane(&app).await;
    let history = app
        .store
        .history(person, Utc::now().date_naive())
        .await
        .expect("history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert!(
        history[0].summary.contains("Shouted at staff"),
        "{history:?}"
    );
    app.stop().await.expect("stops cleanly");
}

/// R-RPT-3: `/contact open` lists outstanding police reports 20 a page with the true total.
async fn r_rpt_3_open_items_are_paged_with_the_true_total(backend: Backend) {
    let Some(app) = spawn_app(backend, "open_paged").await else {
        return;
    };
    let function = casework(&app).await;
    let person = someone(&app, "Jane Doe", 1).await;
    for _ in 0..25 {
        let report = IncidentReport {
            category: Category::AggressiveAbusive,
            kinds: vec![BehaviourKind::PhysicalViolence],
            channel: Channel::InPerson,
            occurred_at: Utc::now() - chrono::Duration::hours(1),
            description: "Pushed a member of staff".to_owned(),
            impact_staff_minutes: None,
            impact_contacts: None,
            impact_note: String::new(),
            threat_of_violence: None,
        }
        .validate(Utc::now())
        .expect("valid incident");
        let new = NewIncident {
            person: PersonChoice::Existing(person),
            function_id: function,
            incident: report,
        };
        crate::helpers::seed::incident(&*app.store, MANAGER, &new, Utc::now()).await;
    }
    let first: Value = app
        .slash_command(MANAGER, "open")
        .await
        .json()
        .await
        .expect("json");
    let shown = first.to_string();
    assert!(
        shown.contains("(25)") && shown.contains("Incidents 1–20 of 25"),
        "{shown}"
    );
    assert_eq!(shown.matches("record_police_report").count(), 20, "{shown}");
    assert!(shown.contains("open_items_next") && !shown.contains("open_items_previous"));
    app.click(
        MANAGER,
        "open_items_next",
        "20",
        &app.slack.response_url("open2"),
    )
    .await;
    let next = app
        .slack
        .wait_for_calls("response_url:open2", 1, WAIT)
        .await;
    let next = next[0].body.to_string();
    assert!(next.contains("Incidents 21–25 of 25"), "{next}");
    assert_eq!(next.matches("record_police_report").count(), 5, "{next}");
    assert!(next.contains("open_items_previous") && !next.contains("open_items_next"));
    app.stop().await.expect("stops cleanly");
}

/// Outbox rows about a person, as `(id, status, payload)`, and those naming nobody.
async fn outbox_rows(app: &TestApp, person: Option<i64>) -> Vec<String> {
    let filter = match person {
        Some(id) => format!("service_user_id = {id}"),
        None => "service_user_id IS NULL".to_owned(),
    };
    sql_texts(
        app.db.url(),
        &format!(
            "SELECT CAST(id AS TEXT) || ' ' || status || ' ' || CAST(payload AS TEXT) FROM outbox WHERE {filter} ORDER BY id"
        ),
    )
    .await
}

/// R-DP-2 (issue 10 review): every message the bot queues about a person is linked to
/// them when it is queued, so erasure finds it by that link and never by searching text.
/// Ann's name is a substring of Annabel's (and of the word "channel" in every payload):
/// erasing Ann clears and deletes Ann's messages and leaves Annabel's as they were.
async fn r_dp_2_messages_are_linked_to_their_person_and_erasing_one_leaves_another_alone(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_dp_2_linked_messages").await else {
        return;
    };
    casework(&app).await;
    let mut people = Vec::new();
    for (name, phone) in [("Ann", "07700 900111"), ("Annabel Ward", "07700 900222")] {
        let id = app
            .store
            .create_person(
                &NewPerson {
                    name: PersonName::parse(name).expect("name"),
                    identifiers: vec![Identifier::phone(phone).expect("phone")],
                    access: AccessRequirements::default(),
                },
                &Actor::cli("test"),
                Utc::now(),
            )
            .await
            .expect("person");
        people.push(id);
    }
    let (ann, annabel) = (people[0], people[1]);
    for (nth, person) in [ann, annabel].into_iter().enumerate() {
        let values = report_values(
            &format!("p:{person}"),
            "aggressive_abusive",
            &["verbal_abuse"],
            "Shouted",
            Utc::now().timestamp(),
        );
        report_ok(&app, nth * 2, values).await;
        assert_eq!(
            call_ended(&app, nth * 2 + 1, &format!("p:{person}"))
                .await
                .status(),
            200
        );
    }
    // Every message has left before Annabel's are read.
    let deadline = std::time::Instant::now() + WAIT;
    while !sql_texts(
        app.db.url(),
        "SELECT CAST(id AS TEXT) FROM outbox WHERE status = 'pending'",
    )
    .await
    .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the outbox did not drain"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut sent_for_annabel = Vec::new();
    for (person, name) in [(ann, "Ann"), (annabel, "Annabel Ward")] {
        let linked = outbox_rows(&app, Some(person)).await;
        assert!(
            linked.iter().any(|r| r.contains(name)),
            "{name}'s messages are linked to them: {linked:?}"
        );
        if person == annabel {
            sent_for_annabel = linked;
        }
    }
    for row in outbox_rows(&app, None).await {
        assert!(
            !row.contains("Ann"),
            "a message naming a person is linked to nobody: {row}"
        );
    }
    let slack_ts_of_annabel = sql_texts(
        app.db.url(),
        &format!("SELECT slack_ts FROM outbox WHERE service_user_id = {annabel} AND slack_ts IS NOT NULL"),
    )
    .await;
    assert!(
        !slack_ts_of_annabel.is_empty(),
        "Annabel's messages were sent"
    );

    use clap::Parser as _;
    let argv = [
        "contact-policy-bot",
        "admin",
        "--actor",
        "U0ADMIN",
        "erase",
        &ann.to_string(),
        "--reason",
        "request by letter",
    ];
    let cli = contact_policy_bot::cli::Cli::try_parse_from(argv).expect("parses");
    let Some(contact_policy_bot::cli::Command::Admin { actor, command }) = cli.command else {
        panic!("not an admin command");
    };
    let clock = contact_policy_bot::clock::SystemClock;
    contact_policy_bot::admin::run(app.store.as_ref(), &clock, &Actor::cli(&actor), command)
        .await
        .expect("Ann is erased");

    let ann_rows = outbox_rows(&app, Some(ann)).await;
    assert!(
        ann_rows
            .iter()
            .all(|r| !r.contains("Ann") && !r.contains("900111")),
        "Ann's messages are cleared: {ann_rows:?}"
    );
    assert_eq!(
        outbox_rows(&app, Some(annabel)).await,
        sent_for_annabel,
        "Annabel's messages are untouched"
    );
    let deletes = app.slack.wait_for_calls("chat.delete", 1, WAIT).await;
    for call in &deletes {
        let ts = call.body["ts"].as_str().unwrap_or_default();
        assert!(
            !slack_ts_of_annabel.iter().any(|t| t == ts),
            "one of Annabel's messages was deleted: {ts}"
        );
    }
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_rec_1_names_are_found_whatever_their_case_on_both_backends,
    r_rec_1_access_requirements_are_recorded_and_shown_to_staff,
    r_rpt_1_report_records_incident_notifies_managers_and_confirms,
    r_rpt_1_invalid_report_gets_inline_errors_and_writes_nothing,
    r_rec_1_phone_number_typed_three_ways_finds_one_person,
    r_rpt_3_violence_requires_a_police_report_until_recorded,
    r_rpt_2_ended_calls_are_logged_and_counted_per_week,
    r_rpt_4_and_r_rpt_5_breach_and_check_follow_the_restriction,
    r_rpt_6_history_is_for_managers_newest_first_and_paged,
    r_dp_4_foi_refusal_is_recorded_by_managers_and_shows_in_history,
    reporter_in_no_function_is_asked_to_pick_one,
    r_rpt_5_nul_empty_and_over_long_searches_get_a_clear_answer,
    r_rpt_5_check_says_how_many_match_when_more_are_listed,
    r_rpt_1_a_nul_byte_in_a_description_is_dropped,
    r_rpt_3_open_items_are_paged_with_the_true_total,
    r_rpt_2_the_call_ended_form_asks_at_most_four_things,
    r_rpt_1_new_person_fields_appear_only_for_a_new_person,
    r_dp_2_messages_are_linked_to_their_person_and_erasing_one_leaves_another_alone,
);

/// Logging a call takes under 30 seconds (R-RPT-2): for a member of one function the form
/// asks for the caller, what was done, why, and a note, and nothing more.
async fn r_rpt_2_the_call_ended_form_asks_at_most_four_things(backend: Backend) {
    let Some(app) = spawn_app(backend, "call_ended_inputs").await else {
        return;
    };
    casework(&app).await;
    assert_eq!(app.slash_command(STAFF, "call-ended").await.status(), 200);
    let modal = app.opened_modal(0).await;
    let inputs: Vec<&str> = modal["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "input")
        .filter_map(|b| b["block_id"].as_str())
        .collect();
    assert_eq!(
        inputs,
        vec!["person", "outcome", "reason", "note"],
        "{inputs:?}"
    );
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (R-DP-3): a report form's function is checked again at submission — a form
/// whose metadata names a function the reporter is not in (stale, or forged) files
/// nothing and notifies no one, and an unknown function id is an inline error, not a 500.
async fn r_dp_3_a_report_can_only_be_filed_into_the_reporters_own_function(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_report_function").await else {
        return;
    };
    casework(&app).await;
    let other = app
        .store
        .add_function(
            &FunctionName::parse("Enquiries").expect("name"),
            &Actor::cli("test"),
            Utc::now(),
        )
        .await
        .expect("function");
    app.store
        .grant_role(
            &FunctionName::parse("Enquiries").expect("name"),
            &UserId::from_slack("U0OTHERMGR"),
            Role::Manager,
            &Actor::cli("test"),
            Utc::now(),
        )
        .await
        .expect("role");
    let jane = someone(&app, "Jane Doe", 1).await;
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let opened = app.opened_view(0).await;
    for function in [other, 999_999] {
        let mut forged = opened.clone();
        forged["private_metadata"] = json!(json!({ "function_id": function }).to_string());
        let values = values_shown_in(
            &forged,
            &report_values(
                &format!("p:{jane}"),
                "aggressive_abusive",
                &["verbal_abuse"],
                "Shouted",
                Utc::now().timestamp() - 60,
            ),
        );
        let answer: Value = app
            .submit_modal(STAFF, &forged, values)
            .await
            .json()
            .await
            .expect("errors");
        assert_eq!(answer["response_action"], "errors", "{answer}");
        assert!(
            answer.to_string().contains("not a member of now"),
            "{answer}"
        );
    }
    assert!(app
        .store
        .incidents_of(jane)
        .await
        .expect("incidents")
        .is_empty());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !app.slack
            .calls_to("chat.postMessage")
            .iter()
            .any(|c| c.body.to_string().contains("U0OTHERMGR")),
        "the other function's manager heard nothing"
    );
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (R-DP-3): a name search needs at least three characters (shorter text is
/// matched only as a whole identifier), and `/contact check` shows the name with only the
/// identifier the search matched.
async fn r_dp_3_check_needs_three_letters_and_shows_only_the_identifier_matched(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_check_minimal").await else {
        return;
    };
    casework(&app).await;
    let person = NewPerson {
        name: PersonName::parse("Jane Doe").expect("name"),
        identifiers: vec![
            Identifier::phone("07700 900555").expect("phone"),
            Identifier::email("jane.doe@example.org").expect("email"),
        ],
        access: AccessRequirements::default(),
    };
    app.store
        .create_person(&person, &Actor::cli("test"), Utc::now())
        .await
        .expect("person");
    let short: Value = app
        .slash_command(STAFF, "check Ja")
        .await
        .json()
        .await
        .expect("json");
    assert!(short.to_string().contains("at least 3 letters"), "{short}");
    assert!(!short.to_string().contains("Jane"), "{short}");
    let by_phone: Value = app
        .slash_command(STAFF, "check 07700 900555")
        .await
        .json()
        .await
        .expect("json");
    let shown = by_phone.to_string();
    assert!(
        shown.contains("Jane Doe") && shown.contains("07700 900555"),
        "{shown}"
    );
    assert!(
        !shown.contains("jane.doe@example.org"),
        "only the identifier matched: {shown}"
    );
    let options = app.person_options(STAFF, "Ja").await;
    assert!(
        !options.to_string().contains("p:"),
        "two letters list nobody: {options}"
    );
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (R-DP-3): a search by name, in the person picker or as several matches to
/// choose from, shows each person's name and register number, never their phone, email
/// or address; a search by phone shows that phone only.
async fn r_dp_3_a_name_search_never_shows_contact_details(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_search_minimal").await else {
        return;
    };
    casework(&app).await;
    for (phone, email) in [
        ("07700 900661", "jane.one@example.org"),
        ("07700 900662", "jane.two@example.org"),
    ] {
        let person = NewPerson {
            name: PersonName::parse("Jane Doe").expect("name"),
            identifiers: vec![
                Identifier::phone(phone).expect("phone"),
                Identifier::email(email).expect("email"),
            ],
            access: AccessRequirements::default(),
        };
        app.store
            .create_person(&person, &Actor::cli("test"), Utc::now())
            .await
            .expect("person");
    }
    let secrets = ["900661", "900662", "jane.one", "jane.two"];
    let options = app.person_options(STAFF, "Jane").await.to_string();
    assert_eq!(options.matches("Jane Doe · no. ").count(), 2, "{options}");
    for secret in secrets {
        assert!(
            !options.contains(secret),
            "the picker shows {secret}: {options}"
        );
    }
    let several: Value = app
        .slash_command(STAFF, "check Jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = several.to_string();
    assert!(shown.contains("2 people match"), "{shown}");
    for secret in secrets {
        assert!(!shown.contains(secret), "the list shows {secret}: {shown}");
    }
    let by_phone = app.person_options(STAFF, "07700 900661").await.to_string();
    assert!(by_phone.contains("07700 900661"), "{by_phone}");
    assert!(
        !by_phone.contains("jane.one") && !by_phone.contains("900662"),
        "{by_phone}"
    );
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (R-DP-3): a case file is open to the managers, heads and deputies of the
/// functions holding records on the person, and admins; a manager of another function is
/// refused and told who may; every page read is an audit event (who, whose), and the
/// access-requirements audit says that they changed, not to what.
async fn r_dp_3_case_files_are_for_the_functions_holding_records_and_every_read_is_audited(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_case_file").await else {
        return;
    };
    let function = casework(&app).await;
    app.store
        .add_function(
            &FunctionName::parse("Enquiries").expect("name"),
            &Actor::cli("test"),
            Utc::now(),
        )
        .await
        .expect("function");
    app.store
        .grant_role(
            &FunctionName::parse("Enquiries").expect("name"),
            &UserId::from_slack("U0OTHERMGR"),
            Role::Manager,
            &Actor::cli("test"),
            Utc::now(),
        )
        .await
        .expect("role");
    let incident = IncidentReport {
        category: Category::AggressiveAbusive,
        kinds: vec![BehaviourKind::VerbalAbuse],
        channel: Channel::Phone,
        occurred_at: Utc::now() - chrono::Duration::hours(1),
        description: "Shouted".to_owned(),
        impact_staff_minutes: None,
        impact_contacts: None,
        impact_note: String::new(),
        threat_of_violence: None,
    }
    .validate(Utc::now())
    .expect("incident");
    let jane = someone(&app, "Jane Doe", 1).await;
    crate::helpers::seed::incident(
        &*app.store,
        STAFF,
        &NewIncident {
            person: PersonChoice::Existing(jane),
            function_id: function,
            incident,
        },
        Utc::now(),
    )
    .await;
    let refused: Value = app
        .slash_command("U0OTHERMGR", "history Jane")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        refused
            .to_string()
            .contains("functions that hold records on this person"),
        "{refused}"
    );
    let read: Value = app
        .slash_command(MANAGER, "history Jane")
        .await
        .json()
        .await
        .expect("json");
    assert!(read.to_string().contains("Case file"), "{read}");
    let readings: Vec<_> = app
        .store
        .audit_events("service_user", &jane.to_string())
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "case_file_read")
        .collect();
    assert_eq!(
        readings.len(),
        1,
        "one reading, by the manager: {readings:?}"
    );
    assert_eq!(readings[0].actor, MANAGER);

    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_dp_3_a_name_search_never_shows_contact_details,
    r_dp_3_a_report_can_only_be_filed_into_the_reporters_own_function,
    r_dp_3_check_needs_three_letters_and_shows_only_the_identifier_matched,
    r_dp_3_case_files_are_for_the_functions_holding_records_and_every_read_is_audited,
);
