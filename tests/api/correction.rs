//! Correcting the record end to end (issue 10 item 4, R-REC-1): `/contact access` renames
//! a person, adds and removes identifiers (a postal address too) and changes access
//! requirements; `/contact correct` adds a correction note to a record of what happened,
//! shown in the case file and in a letter drafted later. Every change is an audit event
//! naming fields, never values; stale forms and other functions' managers are refused.

use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::domain::correction::{CorrectedRecord, CorrectionText, RecordRef};
use contact_policy_bot::domain::incident::{BehaviourKind, Category, Channel, IncidentReport};
use contact_policy_bot::domain::person::{AccessRequirements, Identifier, PersonName};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::corrections::NewCorrectionNote;
use contact_policy_bot::store::records::{NewIncident, NewPerson, PersonChoice};
use contact_policy_bot::store::StoreError;
use serde_json::Value;

use crate::helpers::slack_values as v;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);
const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";
const OTHER_MANAGER: &str = "U0OTHERMGR";

const NEW_NAME: &str = "Janet Smith-Jones";
const PHONE: &str = "07700 900123";
const EMAIL: &str = "janet.sj@example.org";
const ADDRESS: &str = "Flat 2, 10 High Street\nCardiff\nCF10 1AA";
const NEEDS: &str = "Hard of hearing: speak slowly";
const NOTE: &str = "The call was on the Tuesday, not the Monday; no swearing was heard.";

struct Case {
    casework: i64,
    housing: i64,
    person: i64,
    incident: i64,
}

/// Casework (head, manager, staff), Housing (another manager) and Jane Doe, with a phone
/// number and communication needs, and one incident in Casework.
async fn case(app: &TestApp) -> Case {
    let store = &app.store;
    let actor = Actor::cli("test");
    let mut ids = Vec::new();
    for (function, roles) in [
        (
            "Casework",
            vec![
                (HEAD, Role::Head),
                (MANAGER, Role::Manager),
                (STAFF, Role::Member),
            ],
        ),
        ("Housing", vec![(OTHER_MANAGER, Role::Manager)]),
    ] {
        let name = FunctionName::parse(function).expect("name");
        ids.push(
            store
                .add_function(&name, &actor, Utc::now())
                .await
                .expect("function"),
        );
        for (user, role) in roles {
            store
                .grant_role(&name, &UserId::from_slack(user), role, &actor, Utc::now())
                .await
                .expect("role");
        }
    }
    let person = NewPerson {
        name: PersonName::parse("Jane Doe").expect("name"),
        identifiers: vec![Identifier::phone(PHONE).expect("phone")],
        access: AccessRequirements {
            communication_needs: NEEDS.to_owned(),
            ..AccessRequirements::default()
        },
    };
    let incident = IncidentReport {
        category: Category::AggressiveAbusive,
        kinds: vec![BehaviourKind::VerbalAbuse],
        channel: Channel::Phone,
        occurred_at: Utc::now() - chrono::Duration::days(3),
        description: "Swore at staff on the phone".to_owned(),
        impact_staff_minutes: None,
        impact_contacts: None,
        impact_note: String::new(),
        threat_of_violence: None,
    }
    .validate(Utc::now())
    .expect("valid incident");
    let new = NewIncident {
        person: PersonChoice::New(person),
        function_id: ids[0],
        incident,
    };
    let recorded = seed::incident(store.as_ref(), STAFF, &new, Utc::now()).await;
    let person = store.find_people("Jane", &[], 1).await.expect("find")[0].id;
    Case {
        casework: ids[0],
        housing: ids[1],
        person,
        incident: recorded.id,
    }
}

/// `user` opens `/contact <command> Jane` and gets the `nth` modal opened.
async fn open(app: &TestApp, user: &str, command: &str, nth: usize) -> Value {
    let reply = app.slash_command(user, &format!("{command} Jane")).await;
    assert_eq!(reply.status(), 200);
    app.opened_modal(nth).await
}

/// The value of the option of `block`'s element whose text starts with `text`.
fn option_value(modal: &Value, block: &str, text: &str) -> String {
    modal["blocks"]
        .as_array()
        .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == block))
        .and_then(|b| b["element"]["options"].as_array())
        .and_then(|options| {
            options.iter().find(|o| {
                o["text"]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(text))
            })
        })
        .and_then(|o| o["value"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no option {text:?} in {block}: {modal}"))
}

/// Submits and returns the answer as JSON (`Null` when the modal just closed).
async fn submit(app: &TestApp, user: &str, modal: &Value, values: Value) -> Value {
    let answer = app.submit_modal(user, modal, values).await;
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.expect("body");
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).expect("json answer")
    }
}

/// Every audit event on record, as text.
async fn trail(app: &TestApp) -> String {
    format!("{:?}", app.store.all_audit_events().await.expect("audit"))
}

async fn actions_on(app: &TestApp, person: i64) -> Vec<String> {
    app.store
        .audit_events("service_user", &person.to_string())
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn r_rec_1_a_manager_renames_adds_and_removes_identifiers_and_changes_access(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_rec_1_correct_details").await else {
        return;
    };
    let case = case(&app).await;
    run_sql(
        app.db.url(),
        &format!(
            "UPDATE service_users SET last_activity_at = '2020-01-01T00:00:00Z' WHERE id = {}",
            case.person
        ),
    )
    .await;
    let modal = open(&app, MANAGER, "access", 0).await;
    assert_eq!(modal["callback_id"], "access");
    let shown = modal.to_string();
    assert!(shown.contains("\"initial_value\":\"Jane Doe\""), "{shown}");
    assert!(shown.contains("new_postal_address"), "{shown}");
    let phone = option_value(&modal, "remove_identifiers", "Phone number");
    let values = state_values(&[
        ("person_name", v::text(NEW_NAME)),
        ("access_format", v::select("large_print")),
        ("access_language", v::select("cy")),
        ("access_needs", v::empty("plain_text_input")),
        ("new_email", v::text(EMAIL)),
        ("new_postal_address", v::text(ADDRESS)),
        ("remove_identifiers", v::multi(&[&phone])),
    ]);
    assert_eq!(submit(&app, MANAGER, &modal, values).await, Value::Null);
    let stored = app.store.person(case.person).await.expect("p").expect("p");
    assert_eq!(stored.name, NEW_NAME);
    assert_eq!(stored.access.format.as_str(), "large_print");
    assert_eq!(stored.access.language.as_str(), "cy");
    assert_eq!(stored.access.communication_needs, "", "needs cleared");
    let kept: Vec<(&str, &str)> = stored
        .identifiers
        .iter()
        .map(|i| (i.kind().as_str(), i.value()))
        .collect();
    assert_eq!(
        kept,
        vec![("email", EMAIL), ("postal_address", ADDRESS)],
        "the phone removed; the address kept with its lines for the envelope"
    );
    let found = app
        .store
        .find_people("smith-jones", &[], 5)
        .await
        .expect("find");
    assert_eq!(found.len(), 1, "found by the new name");
    let actions = actions_on(&app, case.person).await;
    for action in [
        "person_renamed",
        "access_requirements_updated",
        "identifiers_added",
        "identifiers_removed",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    let trail = trail(&app).await;
    for personal in [
        NEW_NAME,
        "Jane Doe",
        EMAIL,
        "High Street",
        "CF10",
        "07700",
        "+447700",
        NEEDS,
        "large_print",
    ] {
        assert!(
            !trail.contains(personal),
            "{personal} in the trail: {trail}"
        );
    }
    assert!(
        trail.contains("postal_address") && trail.contains("\"phone\""),
        "{trail}"
    );
    let activity = sql_texts(
        app.db.url(),
        &format!(
            "SELECT CAST(last_activity_at AS TEXT) FROM service_users WHERE id = {}",
            case.person
        ),
    )
    .await;
    assert!(
        !activity[0].starts_with("2020"),
        "last activity moved on: {activity:?}"
    );
    app.slack.assert_no_refusals();
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_a_user_error_is_an_inline_error_and_nothing_is_written(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_rec_1_correct_errors").await else {
        return;
    };
    let case = case(&app).await;
    let modal = open(&app, MANAGER, "access", 0).await;
    let before = actions_on(&app, case.person).await;
    let values = state_values(&[
        ("person_name", v::text("   ")),
        ("access_language", v::select("cy")),
        ("new_phone", v::text("call me maybe")),
        ("new_email", v::text("jane@")),
        ("new_postal_address", v::text(&"x".repeat(501))),
    ]);
    let answer = submit(&app, MANAGER, &modal, values).await;
    assert_eq!(answer["response_action"], "errors", "{answer}");
    for field in [
        "person_name",
        "new_phone",
        "new_email",
        "new_postal_address",
    ] {
        assert!(answer["errors"][field].is_string(), "{field}: {answer}");
    }
    assert!(
        !answer.to_string().contains("call me maybe"),
        "errors do not repeat values"
    );
    let stored = app.store.person(case.person).await.expect("p").expect("p");
    assert_eq!(stored.name, "Jane Doe");
    assert_eq!(
        stored.access.language.as_str(),
        "en",
        "nothing partly written"
    );
    assert_eq!(actions_on(&app, case.person).await, before);
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_an_identifier_already_removed_by_someone_else_is_an_inline_error(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_rec_1_removed_twice").await else {
        return;
    };
    let case = case(&app).await;
    let first = open(&app, MANAGER, "access", 0).await;
    let second = open(&app, HEAD, "access", 1).await;
    let phone = option_value(&first, "remove_identifiers", "Phone number");
    let remove = state_values(&[("remove_identifiers", v::multi(&[&phone]))]);
    assert_eq!(submit(&app, MANAGER, &first, remove).await, Value::Null);
    let values = state_values(&[
        ("new_email", v::text(EMAIL)),
        ("remove_identifiers", v::multi(&[&phone])),
    ]);
    let answer = submit(&app, HEAD, &second, values).await;
    assert_eq!(answer["response_action"], "errors", "{answer}");
    assert!(
        answer["errors"]["remove_identifiers"]
            .as_str()
            .is_some_and(|e| e.contains("Someone else removed")),
        "{answer}"
    );
    let stored = app.store.person(case.person).await.expect("p").expect("p");
    assert!(
        stored.identifiers.is_empty(),
        "the email was not added: {stored:?}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_a_form_opened_before_another_change_does_not_undo_it(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_rec_1_stale_form").await else {
        return;
    };
    let case = case(&app).await;
    let first = open(&app, MANAGER, "access", 0).await;
    let second = open(&app, HEAD, "access", 1).await;
    let rename = state_values(&[("person_name", v::text(NEW_NAME))]);
    assert_eq!(submit(&app, MANAGER, &first, rename).await, Value::Null);
    // The head's form still shows the old name; saving it would put it back.
    let values = state_values(&[
        ("person_name", v::text("Jane Doe")),
        ("access_language", v::select("cy")),
    ]);
    let answer = submit(&app, HEAD, &second, values).await;
    assert_eq!(answer["response_action"], "errors", "{answer}");
    assert!(
        answer["errors"]["person_name"]
            .as_str()
            .is_some_and(|e| e.contains("Someone else changed")),
        "{answer}"
    );
    let stored = app.store.person(case.person).await.expect("p").expect("p");
    assert_eq!(stored.name, NEW_NAME, "the first change kept");
    assert_eq!(
        stored.access.language.as_str(),
        "en",
        "nothing of the stale form saved"
    );
    // Adding an identifier from a stale form loses nothing, so it is saved.
    let third = open(&app, HEAD, "access", 2).await;
    let values = state_values(&[
        ("person_name", v::text(NEW_NAME)),
        ("new_email", v::text(EMAIL)),
    ]);
    assert_eq!(submit(&app, HEAD, &third, values).await, Value::Null);
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_staff_cannot_correct_and_are_told_who_may(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_rec_1_staff_refused").await else {
        return;
    };
    case(&app).await;
    for command in ["access Jane", "correct Jane"] {
        let shown = app
            .slash_command(STAFF, command)
            .await
            .text()
            .await
            .expect("body");
        assert!(
            shown.contains("Only a manager, head or deputy"),
            "{command}: {shown}"
        );
        assert!(!shown.contains("Jane Doe"), "{shown}");
    }
    assert!(app.slack.calls_to("views.open").is_empty());
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_a_correction_note_is_shown_in_the_case_file_and_a_later_letter(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_rec_1_correction_note").await else {
        return;
    };
    let case = case(&app).await;
    let modal = open(&app, MANAGER, "correct", 0).await;
    assert_eq!(modal["callback_id"], "correction_note");
    let incident = option_value(&modal, "corrected_record", "INC-");
    assert_eq!(incident, format!("incident:{}", case.incident));
    // An empty note is an inline error.
    let answer = submit(
        &app,
        MANAGER,
        &modal,
        state_values(&[
            ("corrected_record", v::select(&incident)),
            ("correction_note", v::text("  ")),
        ]),
    )
    .await;
    assert!(answer["errors"]["correction_note"].is_string(), "{answer}");
    let values = state_values(&[
        ("corrected_record", v::select(&incident)),
        ("correction_note", v::text(NOTE)),
    ]);
    assert_eq!(submit(&app, MANAGER, &modal, values).await, Value::Null);
    let notes = app
        .store
        .correction_notes_of(case.person)
        .await
        .expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].record,
        RecordRef::new(CorrectedRecord::Incident, case.incident)
    );
    assert_eq!(notes[0].function_id, case.casework);
    assert!(actions_on(&app, case.person)
        .await
        .contains(&"correction_note_added".to_owned()));
    assert!(
        !trail(&app).await.contains("Tuesday"),
        "the note is not in the trail"
    );
    // The incident itself is kept as it was made.
    let incident_row = app
        .store
        .incident(case.incident)
        .await
        .expect("read")
        .expect("incident");
    assert_eq!(incident_row.description, "Swore at staff on the phone");

    let history: Value = app
        .slash_command(MANAGER, "history Jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = history.to_string();
    assert!(
        shown.contains("Correction notes") && shown.contains("not the Monday"),
        "{shown}"
    );
    assert!(history["blocks"].as_array().is_some_and(|b| b.len() <= 50));
    // The case file's button opens the same form.
    assert!(shown.contains("correct_person"), "{shown}");
    let url = app.slack.response_url("correct-button");
    assert_eq!(
        app.click(MANAGER, "correct_person", &case.person.to_string(), &url)
            .await
            .status(),
        200
    );
    let again = app.opened_modal(1).await;
    assert_eq!(again["callback_id"], "correction_note");

    // A warning letter drafted now cites the incident, so it repeats the note.
    assert_eq!(app.slash_command(MANAGER, "warn Jane").await.status(), 200);
    let warn = app.opened_modal(2).await;
    assert_eq!(warn["callback_id"], "warn");
    let adapt = (Utc::now().date_naive() + chrono::Duration::days(28)).to_string();
    let values = state_values(&[
        ("incidents", v::multi(&[&case.incident.to_string()])),
        ("behaviour", v::text("Swearing at staff on the phone")),
        ("adapt_until", v::date(&adapt)),
    ]);
    assert_eq!(submit(&app, MANAGER, &warn, values).await, Value::Null);
    app.slack
        .wait_for_calls("files.completeUploadExternal", 1, WAIT)
        .await;
    let bodies = sql_texts(app.db.url(), "SELECT body FROM letters").await;
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].contains("Corrections to our records") && bodies[0].contains("not the Monday"),
        "{}",
        bodies[0]
    );
    app.slack.assert_no_refusals();
    app.stop().await.expect("stops cleanly");
}

async fn r_rec_1_a_manager_of_another_function_cannot_add_a_note_and_is_told_who_may(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_rec_1_note_other_function").await else {
        return;
    };
    let case = case(&app).await;
    let shown = app
        .slash_command(OTHER_MANAGER, "correct Jane")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        shown.contains("Casework: ask <@U0MANAGER>") && shown.contains("<@U0HEAD>"),
        "{shown}"
    );
    // Nor by submitting the form a manager of Casework opened.
    let modal = open(&app, MANAGER, "correct", 0).await;
    let values = state_values(&[
        (
            "corrected_record",
            v::select(&format!("incident:{}", case.incident)),
        ),
        ("correction_note", v::text(NOTE)),
    ]);
    let answer = submit(&app, OTHER_MANAGER, &modal, values).await;
    assert!(
        answer["errors"]["corrected_record"]
            .as_str()
            .is_some_and(|e| e.contains("<@U0MANAGER>")),
        "{answer}"
    );
    // Nor through the store with their own function's proof.
    let housing = seed::manager(app.store.as_ref(), OTHER_MANAGER, case.housing).await;
    let note = NewCorrectionNote {
        person_id: case.person,
        record: RecordRef::new(CorrectedRecord::Incident, case.incident),
        note: CorrectionText::parse(NOTE).expect("note"),
    };
    let mut tx = app.store.begin_write().await.expect("begin");
    let refused = tx.add_correction_note(&note, &housing, Utc::now()).await;
    assert!(
        matches!(refused, Err(StoreError::WrongFunction { .. })),
        "{refused:?}"
    );
    drop(tx);
    assert!(app
        .store
        .correction_notes_of(case.person)
        .await
        .expect("notes")
        .is_empty());
    app.stop().await.expect("stops cleanly");
}

/// R-REC-1, R-OPS-5: a case file page of ten records, each with three notes as long as
/// the form allows, stays within Slack's limits (the fake refuses what Slack refuses) and
/// says where notes were shortened; the correction form offers ended calls as well as
/// incidents, each option within 75 characters.
async fn r_rec_1_notes_at_their_maxima_fit_the_case_file_and_calls_are_offered(backend: Backend) {
    use contact_policy_bot::domain::correction::MAX_NOTE_CHARS;
    use contact_policy_bot::domain::incident::{CallEndReason, CallOutcome};
    use contact_policy_bot::store::records::NewEndedCall;
    let Some(app) = spawn_app(backend, "r_rec_1_notes_maxima").await else {
        return;
    };
    let case = case(&app).await;
    let store = app.store.as_ref();
    let reporter = seed::reporter(store, STAFF, case.casework).await;
    let mut tx = store.begin_write().await.expect("begin");
    let call = tx
        .record_ended_call(
            &NewEndedCall {
                person: Some(PersonChoice::Existing(case.person)),
                function_id: case.casework,
                outcome: CallOutcome::Ended,
                reason: CallEndReason::Abusive,
                note: "Ended after repeated abuse".to_owned(),
                occurred_at: Utc::now() - chrono::Duration::days(1),
            },
            &reporter,
            Utc::now(),
        )
        .await
        .expect("call");
    tx.commit().await.expect("commit");
    let mut records = vec![RecordRef::new(CorrectedRecord::EndedCall, call.id)];
    for n in 0..11 {
        let report = IncidentReport {
            category: Category::UnreasonablyPersistent,
            kinds: vec![BehaviourKind::Other],
            channel: Channel::Email,
            occurred_at: Utc::now() - chrono::Duration::hours(n + 1),
            description: format!("Email number {n}"),
            impact_staff_minutes: None,
            impact_contacts: None,
            impact_note: String::new(),
            threat_of_violence: None,
        }
        .validate(Utc::now())
        .expect("valid");
        let new = NewIncident {
            person: PersonChoice::Existing(case.person),
            function_id: case.casework,
            incident: report,
        };
        let recorded = seed::incident(store, STAFF, &new, Utc::now()).await;
        records.push(RecordRef::new(CorrectedRecord::Incident, recorded.id));
    }
    let manager = seed::manager(store, MANAGER, case.casework).await;
    let long = "<&> ".repeat(MAX_NOTE_CHARS / 4);
    let mut tx = store.begin_write().await.expect("begin");
    for record in &records {
        for _ in 0..3 {
            let note = NewCorrectionNote {
                person_id: case.person,
                record: *record,
                note: CorrectionText::parse(&long).expect("a note at its maximum"),
            };
            tx.add_correction_note(&note, &manager, Utc::now())
                .await
                .expect("note");
        }
    }
    tx.commit().await.expect("commit");
    let page: Value = app
        .slash_command(MANAGER, "history Jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = page.to_string();
    assert!(shown.contains("Correction notes"), "{shown}");
    assert!(shown.contains("shortened here"), "{shown}");
    let modal = open(&app, MANAGER, "correct", 0).await;
    let call_option = option_value(&modal, "corrected_record", "CALL-");
    assert_eq!(call_option, format!("ended_call:{}", call.id));
    app.slack.assert_no_refusals();
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_rec_1_notes_at_their_maxima_fit_the_case_file_and_calls_are_offered,
    r_rec_1_a_manager_renames_adds_and_removes_identifiers_and_changes_access,
    r_rec_1_a_user_error_is_an_inline_error_and_nothing_is_written,
    r_rec_1_an_identifier_already_removed_by_someone_else_is_an_inline_error,
    r_rec_1_a_form_opened_before_another_change_does_not_undo_it,
    r_rec_1_staff_cannot_correct_and_are_told_who_may,
    r_rec_1_a_correction_note_is_shown_in_the_case_file_and_a_later_letter,
    r_rec_1_a_manager_of_another_function_cannot_add_a_note_and_is_told_who_may,
);
