//! Disputes and reviews end to end (R-DIS-1, R-DIS-2, R-REV-1, R-REV-2, R-LET-3, R-REC-4):
//! a dispute recorded and handed to its handler, resolved exactly once with its outcome
//! letter; reviews that continue, lift or vary a restriction, the variation approved by
//! the head of function; and `/contact check` following every change at once.

use std::time::Duration;

use chrono::{Months, NaiveDate, Utc};
use contact_policy_bot::domain::dispute::{default_due_on, DisputeOutcome, DisputeStatus};
use contact_policy_bot::domain::incident::{BehaviourKind, Category, Channel, IncidentReport};
use contact_policy_bot::domain::measures::Measure;
use contact_policy_bot::domain::person::{AccessRequirements, Identifier, PersonName};
use contact_policy_bot::domain::restriction::{Criterion, RestrictionStatus};
use contact_policy_bot::domain::review::{ReviewOutcome, ReviewStatus};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::records::{
    NewDispute, NewIncident, NewPerson, PersonChoice, VariationOf,
};
use serde_json::{json, Value};

use crate::helpers::slack_values as v;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);
const STAFF: &str = "U0STAFF";
/// Requested the restriction (as `insert_restriction` records it).
const MANAGER: &str = "U0MANAGER";
/// Another manager of the function: the independent handler.
const HANDLER: &str = "U0HANDLER";
const HEAD: &str = "U0HEAD";
const DEPUTY: &str = "U0DEPUTY";

struct Case {
    function: i64,
    person: i64,
    incident: i64,
    restriction: i64,
}

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// Casework (head, deputy, two managers, staff), Jane Doe with one incident and one
/// restriction in force: calls recorded, requested by MANAGER.
async fn case(app: &TestApp) -> Case {
    let store = &app.store;
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    let function = store
        .add_function(&name, &actor, Utc::now())
        .await
        .expect("function");
    for (user, role) in [
        (HEAD, Role::Head),
        (DEPUTY, Role::Deputy),
        (MANAGER, Role::Manager),
        (HANDLER, Role::Manager),
        (STAFF, Role::Member),
    ] {
        store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, Utc::now())
            .await
            .expect("role");
    }
    let incident = IncidentReport {
        category: Category::UnreasonablyPersistent,
        kinds: vec![BehaviourKind::RefusingToAcceptDecision],
        channel: Channel::Phone,
        occurred_at: Utc::now() - chrono::Duration::days(30),
        description: "Called 50 times a day about the decision".to_owned(),
        impact_staff_minutes: Some(300),
        impact_contacts: Some(50),
        impact_note: String::new(),
        threat_of_violence: None,
    }
    .validate(Utc::now())
    .expect("valid incident");
    let new = NewIncident {
        person: PersonChoice::New(NewPerson {
            name: PersonName::parse("Jane Doe").expect("name"),
            identifiers: vec![Identifier::phone("07700 900123").expect("phone")],
            access: AccessRequirements::default(),
        }),
        function_id: function,
        incident,
    };
    let recorded = crate::helpers::seed::incident(store.as_ref(), STAFF, &new, Utc::now()).await;
    let person = store.find_people("Jane", &[], 1).await.expect("find")[0].id;
    let restriction = insert_restriction(
        app.db.url(),
        person,
        function,
        &[Measure::CallsRecorded],
        today(),
        None,
    )
    .await;
    Case {
        function,
        person,
        incident: recorded.id,
        restriction,
    }
}

fn user_select(user: &str) -> Value {
    json!({ "type": "users_select", "selected_user": user })
}

/// The input block `id` of a modal.
fn block<'a>(modal: &'a Value, id: &str) -> &'a Value {
    modal["blocks"]
        .as_array()
        .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == id))
        .unwrap_or_else(|| panic!("no block {id} in {modal}"))
}

/// The value of the first button with `action` in a DM to `user`.
async fn button_value(app: &TestApp, user: &str, action: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = app
            .slack
            .calls_to("chat.postMessage")
            .into_iter()
            .filter(|c| c.body["channel"] == user)
            .find_map(|c| {
                c.body["blocks"].as_array()?.iter().find_map(|b| {
                    b["elements"]
                        .as_array()?
                        .iter()
                        .find(|e| e["action_id"] == action)
                        .and_then(|e| e["value"].as_str().map(str::to_owned))
                })
            });
        if let Some(value) = found {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {action} button sent to {user}: {:?}",
            app.slack.calls_to("chat.postMessage")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn check(app: &TestApp) -> String {
    let reply: Value = app
        .slash_command(STAFF, "check Jane")
        .await
        .json()
        .await
        .expect("check JSON");
    reply.to_string()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// The letters uploaded so far, as their text.
async fn letters(app: &TestApp, n: usize) -> Vec<String> {
    app.slack
        .wait_for_calls("upload", n, WAIT)
        .await
        .iter()
        .map(|u| u.body["pdf_text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Records a dispute straight in the store, handled by HANDLER.
async fn dispute_in_store(app: &TestApp, case: &Case) -> i64 {
    let new = NewDispute {
        restriction_id: case.restriction,
        today: today(),
        received_on: today(),
        summary: "Says the restriction is unfair".to_owned(),
        handler: UserId::from_slack(HANDLER),
        complaint_reference: "CMP-1".to_owned(),
        due_on: default_due_on(today()),
    };
    record_dispute_as(app.store.as_ref(), MANAGER, &new, Utc::now()).await
}

/// Opens the resolve modal as `user` (the `nth` modal opened) and submits `values`.
async fn resolve(app: &TestApp, user: &str, dispute: i64, nth: usize, values: Value) -> String {
    let response = app
        .click(
            user,
            "resolve_dispute",
            &dispute.to_string(),
            &app.slack.response_url(&format!("resolve{nth}")),
        )
        .await;
    assert_eq!(response.status(), 200);
    let modal = app.opened_modal(nth).await;
    assert_eq!(modal["callback_id"], "resolve");
    app.submit_modal(user, &modal, values)
        .await
        .text()
        .await
        .expect("body")
}

fn outcome(outcome: &str, reasons: &str) -> Value {
    state_values(&[
        ("outcome", v::radio(outcome)),
        ("reasons", v::text(reasons)),
    ])
}

async fn r_dis_1_dispute_goes_to_its_handler_and_resolves_with_a_letter(backend: Backend) {
    let Some(app) = spawn_app(backend, "dispute_still_applies").await else {
        return;
    };
    let case = case(&app).await;
    assert_eq!(
        app.slash_command(MANAGER, "dispute Jane").await.status(),
        200
    );
    let modal = app.opened_modal(0).await;
    assert_eq!(modal["callback_id"], "dispute");
    // The default handler is a manager who neither requested nor approved the
    // restriction, and the form says who may handle it (§7).
    let handler = block(&modal, "handler");
    assert_eq!(handler["element"]["initial_user"], HANDLER, "{handler}");
    assert!(modal.to_string().contains("neither requested"), "{modal}");
    // The due date offered is 20 working days on (bank holidays skipped, unit-tested).
    assert_eq!(
        block(&modal, "due_on")["element"]["initial_date"],
        default_due_on(today()).to_string()
    );
    let mut fields = vec![
        ("restriction", v::select(&case.restriction.to_string())),
        ("received_on", v::date(&today().to_string())),
        ("summary", v::text("Says the restriction is unfair")),
        ("handler", user_select(STAFF)),
        ("complaint_reference", v::text("CMP-2026-0042")),
        ("due_on", v::date(&default_due_on(today()).to_string())),
    ];
    // A handler must be a manager of the function.
    let answer: Value = app
        .submit_modal(MANAGER, &modal, state_values(&fields))
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["handler"].is_string(), "{answer}");
    fields[3] = ("handler", user_select(HANDLER));
    let answer = app
        .submit_modal(MANAGER, &modal, state_values(&fields))
        .await;
    assert!(
        answer.text().await.expect("body").is_empty(),
        "dispute refused"
    );

    // R-DIS-1: the handler is told, with a button to resolve it.
    let dispute: i64 = button_value(&app, HANDLER, "resolve_dispute")
        .await
        .parse()
        .expect("dispute id");
    let stored = app
        .store
        .dispute(dispute)
        .await
        .expect("dispute")
        .expect("exists");
    assert_eq!(
        (
            stored.status.as_str(),
            stored.handler.as_str(),
            stored.due_on
        ),
        ("awaiting_resolution", HANDLER, default_due_on(today()))
    );
    let shown = check(&app).await;
    assert!(
        shown.contains("Open disputes") && shown.contains("DSP-00001"),
        "{shown}"
    );
    // What the scheduler will remind: due on the due date, not the day before.
    let due = app
        .store
        .disputes_due(default_due_on(today()))
        .await
        .expect("due");
    assert_eq!(
        due.iter()
            .map(|d| (d.id, d.handler.as_str()))
            .collect::<Vec<_>>(),
        vec![(dispute, HANDLER)]
    );
    assert!(app
        .store
        .disputes_due(default_due_on(today()) - chrono::Duration::days(1))
        .await
        .expect("due")
        .is_empty());

    // Staff cannot resolve it; the handler must give reasons.
    app.click(
        STAFF,
        "resolve_dispute",
        &dispute.to_string(),
        &app.slack.response_url("staff"),
    )
    .await;
    let said = app
        .slack
        .wait_for_calls("response_url:staff", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("You cannot resolve dispute"),
        "{:?}",
        said[0].body
    );
    let answer: Value = serde_json::from_str(
        &resolve(&app, HANDLER, dispute, 1, outcome("still_applies", " ")).await,
    )
    .expect("errors");
    assert!(answer["errors"]["reasons"].is_string(), "{answer}");
    let modal = app.opened_modal(1).await;
    let answer = app
        .submit_modal(
            HANDLER,
            &modal,
            outcome(
                "still_applies",
                "The calls still stop the team helping others",
            ),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());

    // R-DIS-2, R-LET-3: resolved, the restriction stands, the letter is drafted for the
    // handler with Mark as sent.
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(stored.outcome, Some(DisputeOutcome::StillApplies));
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("DSP-00001") && letter.contains("still apply"),
        "{letter}"
    );
    assert!(letter.contains("The calls still stop the team"), "{letter}");
    let letter_id: i64 = button_value(&app, HANDLER, "mark_letter_sent")
        .await
        .parse()
        .expect("letter id");
    let stored_letter = app
        .store
        .letter(letter_id)
        .await
        .expect("letter")
        .expect("exists");
    assert_eq!(
        (
            stored_letter.kind.as_str(),
            stored_letter.subject_reference.as_str()
        ),
        ("dispute_outcome", "DSP-00001")
    );
    let shown = check(&app).await;
    assert!(!shown.contains("Open disputes"), "{shown}");
    assert!(shown.contains("Calls must be recorded"), "{shown}");
    // R-REC-4.
    let actions = audit_actions(&app).await;
    for expected in ["dispute_recorded", "dispute_resolved", "letter_drafted"] {
        assert!(
            actions.iter().any(|a| a == expected),
            "no {expected} in {actions:?}"
        );
    }
    app.stop().await.expect("stops cleanly");
}

async fn r_dis_2_lifting_after_a_dispute_ends_the_restriction_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend, "dispute_lift").await else {
        return;
    };
    let case = case(&app).await;
    let dispute = dispute_in_store(&app, &case).await;
    let body = resolve(
        &app,
        HANDLER,
        dispute,
        0,
        outcome("lifted", "The decision relied on a misunderstanding"),
    )
    .await;
    assert!(body.is_empty(), "{body}");
    // R-REV-2: lifted restrictions no longer show as active anywhere.
    let shown = check(&app).await;
    assert!(shown.contains("No restrictions"), "{shown}");
    assert!(app
        .store
        .active_restrictions(case.person, today())
        .await
        .expect("active")
        .is_empty());
    let restriction = app
        .store
        .restriction(case.restriction)
        .await
        .expect("r")
        .expect("r");
    assert_eq!(restriction.status, RestrictionStatus::Lifted);
    let letter = letters(&app, 1).await.remove(0);
    assert!(letter.contains("lifted the restrictions"), "{letter}");
    let actions = audit_actions(&app).await;
    assert!(
        actions.iter().any(|a| a == "restriction_lifted"),
        "{actions:?}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_dis_2_a_dispute_is_resolved_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend, "dispute_twice").await else {
        return;
    };
    let case = case(&app).await;
    let dispute = dispute_in_store(&app, &case).await;
    app.click(
        HANDLER,
        "resolve_dispute",
        &dispute.to_string(),
        &app.slack.response_url("first"),
    )
    .await;
    let modal = app.opened_modal(0).await;
    // Two submissions race (two open copies of the modal, or a double click).
    let (a, b) = tokio::join!(
        app.submit_modal(HANDLER, &modal, outcome("still_applies", "Still needed")),
        app.submit_modal(HANDLER, &modal, outcome("lifted", "No longer needed")),
    );
    let bodies = [a.text().await.expect("a"), b.text().await.expect("b")];
    assert_eq!(
        bodies.iter().filter(|b| b.is_empty()).count(),
        1,
        "{bodies:?}"
    );
    assert!(
        bodies.iter().any(|b| b.contains("already resolved")),
        "{bodies:?}"
    );
    let events = app.store.all_audit_events().await.expect("audit");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "dispute_resolved")
            .count(),
        1
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "letter_drafted")
            .count(),
        1
    );
    // A later click says who resolved it.
    app.click(
        HANDLER,
        "resolve_dispute",
        &dispute.to_string(),
        &app.slack.response_url("late"),
    )
    .await;
    let said = app.slack.wait_for_calls("response_url:late", 1, WAIT).await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("already resolved"),
        "{:?}",
        said[0].body
    );
    app.stop().await.expect("stops cleanly");
}

fn review_values(outcome: &str, next: Option<NaiveDate>, reasons: &str) -> Value {
    let mut fields = vec![
        ("outcome", v::radio(outcome)),
        ("reasons", v::text(reasons)),
    ];
    if let Some(next) = next {
        fields.push(("next_review_on", v::date(&next.to_string())));
    }
    state_values(&fields)
}

async fn r_rev_1_continuing_sets_the_next_review_at_most_twelve_months_on(backend: Backend) {
    let Some(app) = spawn_app(backend, "review_continue").await else {
        return;
    };
    let case = case(&app).await;
    assert_eq!(
        app.slash_command(MANAGER, "review Jane").await.status(),
        200
    );
    let modal = app.opened_modal(0).await;
    assert_eq!(modal["callback_id"], "review");
    let latest = today() + Months::new(12);
    assert_eq!(
        block(&modal, "next_review_on")["element"]["initial_date"],
        latest.to_string()
    );
    let review = app
        .store
        .open_review_for(case.restriction)
        .await
        .expect("review")
        .expect("started");
    assert_eq!(
        (review.status.as_str(), review.kind.as_str()),
        ("open", "early")
    );
    // §8: no more than twelve months on.
    let too_late = latest + chrono::Duration::days(1);
    let answer: Value = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("continue", Some(too_late), "Still calling daily"),
        )
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["next_review_on"].is_string(), "{answer}");
    let next = today() + Months::new(6);
    let answer = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("continue", Some(next), "Still calling daily"),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    // §6 at review (issue 9, finding 10): the head authorises continuing.
    let continuation = button_value(&app, HEAD, "authorise_continuation").await;
    authorise_continuation(&app, &continuation).await;
    let restriction = app
        .store
        .restriction(case.restriction)
        .await
        .expect("r")
        .expect("r");
    assert_eq!(
        (restriction.status.as_str(), restriction.next_review_on),
        ("active", next)
    );
    let due = app.store.reviews_due(today(), next).await.expect("due");
    assert_eq!(
        due.iter()
            .map(|d| (d.restriction_id, d.owner.as_str(), d.open_review_id))
            .collect::<Vec<_>>(),
        vec![(case.restriction, MANAGER, None)]
    );
    assert!(app
        .store
        .reviews_due(today(), next - chrono::Duration::days(1))
        .await
        .expect("due")
        .is_empty());
    let review = app.store.review(review.id).await.expect("r").expect("r");
    assert_eq!(
        (review.outcome, review.next_review_on),
        (Some(ReviewOutcome::Continue), Some(next))
    );
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("REV-00001") && letter.contains("will continue"),
        "{letter}"
    );
    let shown = check(&app).await;
    assert!(
        shown.contains(&next.format("%-d %b %Y").to_string()),
        "new review date shown: {shown}"
    );
    let actions = audit_actions(&app).await;
    for expected in [
        "review_started",
        "review_decided",
        "restriction_review_date_set",
        "letter_drafted",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "no {expected} in {actions:?}"
        );
    }
    app.stop().await.expect("stops cleanly");
}

async fn r_rev_1_start_review_button_lifts_and_check_says_no_restrictions(backend: Backend) {
    let Some(app) = spawn_app(backend, "review_lift").await else {
        return;
    };
    let case = case(&app).await;
    // The scheduler's reminders carry this button: action start_review, value = restriction.
    app.click(
        HANDLER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("start"),
    )
    .await;
    let modal = app.opened_modal(0).await;
    assert_eq!(modal["callback_id"], "review");
    // Staff cannot review.
    app.click(
        STAFF,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("staff"),
    )
    .await;
    let said = app
        .slack
        .wait_for_calls("response_url:staff", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Only a manager"),
        "{:?}",
        said[0].body
    );
    let answer = app
        .submit_modal(
            HANDLER,
            &modal,
            review_values("lift", None, "A more acceptable approach for six months"),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    let shown = check(&app).await;
    assert!(shown.contains("No restrictions"), "{shown}");
    let letter = letters(&app, 1).await.remove(0);
    assert!(letter.contains("lift the restrictions"), "{letter}");
    // Once lifted there is nothing to review.
    app.click(
        HANDLER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("again"),
    )
    .await;
    let said = app
        .slack
        .wait_for_calls("response_url:again", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("no longer in force"),
        "{:?}",
        said[0].body
    );
    let actions = audit_actions(&app).await;
    assert!(
        actions.iter().any(|a| a == "restriction_lifted"),
        "{actions:?}"
    );
    app.stop().await.expect("stops cleanly");
}

/// Clicks Approve on the approval message with every criterion ticked.
async fn approve(app: &TestApp, request_id: i64) {
    let options: Vec<Value> = Criterion::ALL
        .iter()
        .map(|c| json!({ "text": { "type": "plain_text", "text": c.as_str() }, "value": c.as_str() }))
        .collect();
    let payload = json!({
        "type": "block_actions",
        "team": { "id": TEAM_ID, "domain": "testteam" },
        "user": { "id": HEAD, "username": "u", "name": "u", "team_id": TEAM_ID },
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "DHEAD", "is_ephemeral": false },
        "trigger_id": app.slack.new_trigger(),
        "channel": { "id": "DHEAD", "name": "directmessage" },
        "response_url": app.slack.response_url("approve"),
        "state": { "values": { format!("criteria:{request_id}"): { "criteria": { "type": "checkboxes", "selected_options": options } } } },
        "actions": [{ "type": "button", "action_id": "approve_request", "block_id": "decide", "value": request_id.to_string(),
                      "text": { "type": "plain_text", "text": "Approve" }, "action_ts": "1700000000.1" }]
    });
    assert_eq!(app.post_interaction(&payload).await.status(), 200);
    let said = app
        .slack
        .wait_for_calls("response_url:approve", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("approved"),
        "{:?}",
        said[0].body
    );
}

/// Clicks Authorise on a review's proposal to continue, as HEAD, every criterion ticked.
async fn authorise_continuation(app: &TestApp, continuation_id: &str) {
    let options: Vec<Value> = Criterion::ALL
        .iter()
        .map(|c| json!({ "text": { "type": "plain_text", "text": c.as_str() }, "value": c.as_str() }))
        .collect();
    let payload = json!({
        "type": "block_actions",
        "team": { "id": TEAM_ID, "domain": "testteam" },
        "user": { "id": HEAD, "username": "u", "name": "u", "team_id": TEAM_ID },
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "DHEAD", "is_ephemeral": false },
        "trigger_id": app.slack.new_trigger(),
        "channel": { "id": "DHEAD", "name": "directmessage" },
        "response_url": app.slack.response_url("authorise"),
        "state": { "values": { format!("continuation_criteria:{continuation_id}"): { "continuation_criteria": { "type": "checkboxes", "selected_options": options } } } },
        "actions": [{ "type": "button", "action_id": "authorise_continuation", "block_id": "decide", "value": continuation_id,
                      "text": { "type": "plain_text", "text": "Authorise" }, "action_ts": "1700000000.1" }]
    });
    assert_eq!(app.post_interaction(&payload).await.status(), 200);
    let said = app
        .slack
        .wait_for_calls("response_url:authorise", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Authorised"),
        "{:?}",
        said[0].body
    );
}

/// Clicks "Request varied measures" as `user` and submits new measures: email only.
async fn request_variation(app: &TestApp, case: &Case, user: &str, nth: usize) -> i64 {
    let restriction = button_value(app, user, "request_variation").await;
    assert_eq!(restriction, case.restriction.to_string());
    app.click(
        user,
        "request_variation",
        &restriction,
        &app.slack.response_url("vary"),
    )
    .await;
    let opened = app.opened_view(nth).await;
    assert_eq!(opened["callback_id"], "restrict");
    let values = state_values(&[
        ("incidents", v::multi(&[&case.incident.to_string()])),
        ("measures", v::checkboxes(&["single_contact_method"])),
        ("contact_method", v::select("email")),
        (
            "justification",
            v::text("Calls have stopped; email keeps contact open"),
        ),
        (
            "proportionality",
            v::text("Less restrictive than recorded calls"),
        ),
        ("internal_review", v::radio("yes")),
        (
            "first_review_on",
            v::date(&(today() + chrono::Duration::days(180)).to_string()),
        ),
    ]);
    let modal = app.restrict_form(user, &opened, &values).await;
    let body = app
        .submit_modal(user, &modal, values)
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "variation refused: {body}");
    app.store
        .pending_request_for(case.person, case.function)
        .await
        .expect("pending")
        .expect("a pending variation request")
}

async fn r_rev_1_varying_goes_to_the_head_and_approval_replaces_the_restriction(backend: Backend) {
    let Some(app) = spawn_app(backend, "review_vary").await else {
        return;
    };
    let case = case(&app).await;
    assert_eq!(
        app.slash_command(MANAGER, "review Jane").await.status(),
        200
    );
    let modal = app.opened_modal(0).await;
    assert!(
        modal.to_string().contains("head of function for approval"),
        "the modal says the new measures need approval: {modal}"
    );
    let answer = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("vary", None, "Calls have stopped; emails are reasonable"),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    // Decided "vary"; the restriction stays in force until the head approves.
    let shown = check(&app).await;
    assert!(shown.contains("Calls must be recorded"), "{shown}");
    let request = request_variation(&app, &case, MANAGER, 1).await;
    let stored = app.store.request(request).await.expect("r").expect("r");
    assert_eq!(stored.varies_restriction_id, Some(case.restriction));
    let origin = app
        .store
        .variation_origin(request)
        .await
        .expect("origin")
        .expect("linked to the review");
    assert_eq!(
        (origin.of, origin.reference.as_str()),
        (VariationOf::Review, "REV-00001")
    );
    // R-RES-4: the head gets the checklist. The approved variation waits for its
    // outcome letter (issue 9, finding 15): the old restriction stays in force until the
    // letter is marked sent, and is superseded then.
    button_value(&app, HEAD, "approve_request").await;
    approve(&app, request).await;
    let old = app
        .store
        .restriction(case.restriction)
        .await
        .expect("r")
        .expect("r");
    assert_eq!(old.status, RestrictionStatus::Active);
    let shown = check(&app).await;
    assert!(
        shown.contains("Calls must be recorded") && shown.contains("not yet in force"),
        "{shown}"
    );
    mark_notice_sent(&app, MANAGER, "REV-00001", today()).await;
    let old = app
        .store
        .restriction(case.restriction)
        .await
        .expect("r")
        .expect("r");
    assert_eq!(old.status, RestrictionStatus::Superseded);
    let shown = check(&app).await;
    assert!(!shown.contains("Calls must be recorded"), "{shown}");
    assert!(
        shown.contains("RES-00001") && shown.contains("email"),
        "{shown}"
    );
    // R-LET-3: the review outcome letter sets out the new arrangements.
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("REV-00001") && letter.contains("change the arrangements"),
        "{letter}"
    );
    let actions = audit_actions(&app).await;
    for expected in [
        "review_decided",
        "variation_linked",
        "restriction_superseded",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "no {expected} in {actions:?}"
        );
    }
    app.stop().await.expect("stops cleanly");
}

async fn r_dis_2_varied_after_a_dispute_sends_the_dispute_outcome_on_approval(backend: Backend) {
    let Some(app) = spawn_app(backend, "dispute_vary").await else {
        return;
    };
    let case = case(&app).await;
    let dispute = dispute_in_store(&app, &case).await;
    let body = resolve(
        &app,
        HANDLER,
        dispute,
        0,
        outcome("varied", "Email only is enough now"),
    )
    .await;
    assert!(body.is_empty(), "{body}");
    let request = request_variation(&app, &case, HANDLER, 1).await;
    approve(&app, request).await;
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("DSP-00001") && letter.contains("changed the arrangements"),
        "{letter}"
    );
    // The variation takes effect once the outcome letter is sent (issue 9, finding 15).
    assert!(
        letter.contains("apply from the day this letter is sent to you"),
        "{letter}"
    );
    let shown = check(&app).await;
    assert!(shown.contains("Calls must be recorded"), "{shown}");
    mark_notice_sent(&app, HANDLER, "DSP-00001", today()).await;
    let shown = check(&app).await;
    assert!(
        shown.contains("email") && !shown.contains("Calls must be recorded"),
        "{shown}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_rev_2_a_restriction_past_its_end_date_no_longer_shows(backend: Backend) {
    let Some(app) = spawn_app(backend, "review_ended").await else {
        return;
    };
    let case = case(&app).await;
    let ten_days_ago = today() - chrono::Duration::days(10);
    let yesterday = today() - chrono::Duration::days(1);
    insert_restriction(
        app.db.url(),
        case.person,
        case.function,
        &[Measure::ReadAndFile],
        ten_days_ago,
        Some(yesterday),
    )
    .await;
    let shown = check(&app).await;
    assert!(!shown.contains("Read and file"), "{shown}");
    assert!(shown.contains("Calls must be recorded"), "{shown}");
    // Neither can it be disputed any more: only the one in force is offered.
    app.slash_command(MANAGER, "dispute Jane").await;
    let modal = app.opened_modal(0).await;
    let offered = block(&modal, "restriction")["element"]["options"]
        .as_array()
        .map(Vec::len);
    assert_eq!(offered, Some(1), "{modal}");
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_rev_2_a_restriction_past_its_end_date_no_longer_shows,
    r_dis_1_dispute_goes_to_its_handler_and_resolves_with_a_letter,
    r_dis_2_lifting_after_a_dispute_ends_the_restriction_at_once,
    r_dis_2_a_dispute_is_resolved_exactly_once,
    r_rev_1_continuing_sets_the_next_review_at_most_twelve_months_on,
    r_rev_1_start_review_button_lifts_and_check_says_no_restrictions,
    r_rev_1_varying_goes_to_the_head_and_approval_replaces_the_restriction,
    r_dis_2_varied_after_a_dispute_sends_the_dispute_outcome_on_approval,
);

/// Named a complaints handler by an admin; holds no role in any function.
const COMPLAINTS: &str = "U0COMPLAINTS";

async fn name_complaints_handler(app: &TestApp) {
    app.store
        .add_complaints_handler(
            &UserId::from_slack(COMPLAINTS),
            &Actor::cli("test"),
            Utc::now(),
        )
        .await
        .expect("complaints handler");
}

/// What the response_url named `name` was told, once.
async fn told(app: &TestApp, name: &str) -> String {
    let said = app
        .slack
        .wait_for_calls(&format!("response_url:{name}"), 1, WAIT)
        .await;
    said[0].body["text"].as_str().unwrap_or_default().to_owned()
}

/// §7: the dispute is handled through the internal complaints procedure, so neither the
/// manager who requested the restriction, nor the head who approved it, nor a deputy may
/// resolve it; each is told who may.
async fn i9_f9_the_requester_and_approver_cannot_resolve_a_dispute_and_are_told_who_may(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_f9_not_involved").await else {
        return;
    };
    let case = case(&app).await;
    name_complaints_handler(&app).await;
    let dispute = dispute_in_store(&app, &case).await;
    for (user, why) in [
        (MANAGER, "they requested the restriction"),
        (HEAD, "they approved the restriction"),
        (DEPUTY, "head or deputy"),
    ] {
        app.click(
            user,
            "resolve_dispute",
            &dispute.to_string(),
            &app.slack.response_url(user),
        )
        .await;
        let said = told(&app, user).await;
        assert!(
            said.contains("You cannot resolve dispute")
                && said.contains(why)
                && said.contains(&format!("<@{HANDLER}>"))
                && said.contains(&format!("<@{COMPLAINTS}>")),
            "{user}: {said}"
        );
        assert!(!said.contains(&format!("<@{user}>,")), "{said}");
    }
    assert!(
        app.slack.calls_to("views.open").is_empty(),
        "no resolve form opened for them"
    );
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(stored.status, DisputeStatus::AwaitingResolution);
    // Nor may the requester be named its handler when the dispute is recorded.
    app.slash_command(MANAGER, "dispute Jane").await;
    let modal = app.opened_modal(0).await;
    let answer: Value = app
        .submit_modal(
            MANAGER,
            &modal,
            state_values(&[
                ("restriction", v::select(&case.restriction.to_string())),
                ("received_on", v::date(&today().to_string())),
                ("summary", v::text("Says it is unfair")),
                ("handler", user_select(MANAGER)),
                ("complaint_reference", v::text("CMP-7")),
                ("due_on", v::date(&default_due_on(today()).to_string())),
            ]),
        )
        .await
        .json()
        .await
        .expect("errors");
    let error = answer["errors"]["handler"].as_str().unwrap_or_default();
    assert!(
        error.contains("requested the restriction") && error.contains(&format!("<@{COMPLAINTS}>")),
        "{answer}"
    );
    app.stop().await.expect("stops cleanly");
}

/// §7: a complaints handler, named by an admin and outside the functions, is offered as the
/// handler first and resolves the dispute; the complaint reference is stored and shown in
/// the case file and the outcome letter.
async fn i9_f9_a_complaints_handler_resolves_and_the_complaint_reference_is_shown(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_f9_complaints_handler").await else {
        return;
    };
    let case = case(&app).await;
    name_complaints_handler(&app).await;
    app.slash_command(MANAGER, "dispute Jane").await;
    let modal = app.opened_modal(0).await;
    let handler = block(&modal, "handler");
    assert_eq!(handler["element"]["initial_user"], COMPLAINTS, "{handler}");
    let fields = [
        ("restriction", v::select(&case.restriction.to_string())),
        ("received_on", v::date(&today().to_string())),
        ("summary", v::text("Says the restriction is unfair")),
        ("handler", user_select(COMPLAINTS)),
        ("complaint_reference", v::text("  ")),
        ("due_on", v::date(&default_due_on(today()).to_string())),
    ];
    // The complaints system's reference is required.
    let answer: Value = app
        .submit_modal(MANAGER, &modal, state_values(&fields))
        .await
        .json()
        .await
        .expect("errors");
    assert!(
        answer["errors"]["complaint_reference"].is_string(),
        "{answer}"
    );
    let mut fields = fields.to_vec();
    fields[4] = ("complaint_reference", v::text("CMP-2026-0042"));
    let body = app
        .submit_modal(MANAGER, &modal, state_values(&fields))
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "{body}");
    let dispute: i64 = button_value(&app, COMPLAINTS, "resolve_dispute")
        .await
        .parse()
        .expect("dispute id");
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(
        (
            stored.handler.as_str(),
            stored.complaint_reference.as_deref()
        ),
        (COMPLAINTS, Some("CMP-2026-0042"))
    );
    assert!(
        app.slack.calls_to("chat.postMessage").iter().any(
            |c| c.body["channel"] == COMPLAINTS && c.body.to_string().contains("CMP-2026-0042")
        ),
        "the handler is told the complaint reference"
    );
    let case_file = app
        .store
        .history(case.person, today())
        .await
        .expect("history");
    assert!(
        case_file
            .iter()
            .any(|h| h.kind == "dispute" && h.summary.contains("complaint reference CMP-2026-0042")),
        "{case_file:?}"
    );
    let body = resolve(
        &app,
        COMPLAINTS,
        dispute,
        1,
        outcome(
            "still_applies",
            "The calls still stop the team helping others",
        ),
    )
    .await;
    assert!(body.is_empty(), "{body}");
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("Your complaint reference: CMP-2026-0042"),
        "{letter}"
    );
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(stored.resolved_by.as_deref(), Some(COMPLAINTS));
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_f9_the_requester_and_approver_cannot_resolve_a_dispute_and_are_told_who_may,
    i9_f9_a_complaints_handler_resolves_and_the_complaint_reference_is_shown,
);

/// Sends the variation form opened `nth` (the one "vary" opened at once) with new
/// measures, email only, as `user`; returns the pending request.
async fn send_variation_form(app: &TestApp, case: &Case, user: &str, nth: usize) -> i64 {
    let opened = app.opened_view(nth).await;
    assert_eq!(opened["callback_id"], "restrict", "{opened}");
    let values = state_values(&[
        ("incidents", v::multi(&[&case.incident.to_string()])),
        ("measures", v::checkboxes(&["single_contact_method"])),
        ("contact_method", v::select("email")),
        (
            "justification",
            v::text("Calls have stopped; email keeps contact open"),
        ),
        (
            "proportionality",
            v::text("Less restrictive than recorded calls"),
        ),
        ("internal_review", v::radio("yes")),
        (
            "first_review_on",
            v::date(&(today() + chrono::Duration::days(180)).to_string()),
        ),
    ]);
    let modal = app.restrict_form(user, &opened, &values).await;
    let body = app
        .submit_modal(user, &modal, values)
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "variation refused: {body}");
    app.store
        .pending_request_for(case.person, case.function)
        .await
        .expect("pending")
        .expect("a pending variation request")
}

/// §7: "vary" always ends in a letter. Resolving a dispute "vary" opens the variation
/// request at once; the dispute stays open (and due for reminders) while the head decides,
/// the handler cannot record another outcome meanwhile, and the head's approval resolves
/// it with the outcome letter.
async fn i9_f7_a_dispute_resolved_vary_opens_the_variation_and_stays_open_until_the_head_approves(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_f7_vary_approved").await else {
        return;
    };
    let case = case(&app).await;
    let dispute = dispute_in_store(&app, &case).await;
    let body = resolve(
        &app,
        HANDLER,
        dispute,
        0,
        outcome("varied", "Email only is enough now"),
    )
    .await;
    assert!(body.is_empty(), "{body}");
    // The variation form is open at once, without another click.
    let request = send_variation_form(&app, &case, HANDLER, 1).await;
    let origin = app
        .store
        .variation_origin(request)
        .await
        .expect("origin")
        .expect("the variation answers the dispute");
    assert_eq!(
        (origin.of, origin.id, origin.reasons.as_str()),
        (VariationOf::Dispute, dispute, "Email only is enough now")
    );
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(
        (stored.status, stored.outcome),
        (DisputeStatus::AwaitingResolution, None)
    );
    assert!(check(&app).await.contains("Open disputes"));
    let due = app.store.disputes_due(stored.due_on).await.expect("due");
    assert!(due.iter().any(|d| d.id == dispute), "still reminded");
    // Nothing else can be recorded while the head decides.
    app.click(
        HANDLER,
        "resolve_dispute",
        &dispute.to_string(),
        &app.slack.response_url("again"),
    )
    .await;
    assert!(
        told(&app, "again")
            .await
            .contains("waits on the head's decision"),
        "told to wait"
    );
    approve(&app, request).await;
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(
        (
            stored.status,
            stored.outcome,
            stored.outcome_reasons.as_deref(),
            stored.resolved_by.as_deref()
        ),
        (
            DisputeStatus::Resolved,
            Some(DisputeOutcome::Varied),
            Some("Email only is enough now"),
            Some(HANDLER)
        )
    );
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("DSP-00001")
            && letter.contains("changed the arrangements")
            && letter.contains("Email only is enough now")
            && letter.contains("Your complaint reference: CMP-1"),
        "{letter}"
    );
    let actions = audit_actions(&app).await;
    for expected in ["dispute_variation_proposed", "dispute_resolved"] {
        assert!(actions.iter().any(|a| a == expected), "{actions:?}");
    }
    app.stop().await.expect("stops cleanly");
}

/// §7: a variation the head rejects sends the dispute back to its handler, told by DM with
/// the button to resolve it again, who then decides "still applies" and the person gets
/// the outcome letter.
async fn i9_f7_a_rejected_variation_sends_the_dispute_back_to_its_handler(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f7_vary_rejected").await else {
        return;
    };
    let case = case(&app).await;
    let dispute = dispute_in_store(&app, &case).await;
    let body = resolve(
        &app,
        HANDLER,
        dispute,
        0,
        outcome("varied", "Email only is enough now"),
    )
    .await;
    assert!(body.is_empty(), "{body}");
    let request = send_variation_form(&app, &case, HANDLER, 1).await;
    app.click(
        HEAD,
        "reject_request",
        &request.to_string(),
        &app.slack.response_url("reject"),
    )
    .await;
    let modal = app.opened_modal(2).await;
    assert_eq!(modal["callback_id"], "reject");
    let body = app
        .submit_modal(
            HEAD,
            &modal,
            state_values(&[("reason", v::text("Email alone would not be enough"))]),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "{body}");
    let stored = app.store.dispute(dispute).await.expect("d").expect("d");
    assert_eq!(
        (
            stored.status,
            stored.outcome,
            stored.variation_proposed_by.as_deref()
        ),
        (DisputeStatus::AwaitingResolution, None, None)
    );
    // The handler is told, with the button to resolve it again.
    let again: i64 = button_value(&app, HANDLER, "resolve_dispute")
        .await
        .parse()
        .expect("dispute id");
    assert_eq!(again, dispute);
    assert!(audit_actions(&app)
        .await
        .iter()
        .any(|a| a == "dispute_returned_to_handler"));
    let body = resolve(
        &app,
        HANDLER,
        dispute,
        3,
        outcome(
            "still_applies",
            "The calls still stop the team helping others",
        ),
    )
    .await;
    assert!(body.is_empty(), "{body}");
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("DSP-00001") && letter.contains("still apply"),
        "{letter}"
    );
    assert!(check(&app).await.contains("Calls must be recorded"));
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (core shape): a second outcome on a decided review (a stale copy of the review
/// form) asks the review's state machine, which refuses it: the manager is told in plain
/// words beside the outcome, and nothing is written.
async fn i9_core_a_decided_review_refuses_a_second_outcome_in_plain_words(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_review_twice").await else {
        return;
    };
    let case = case(&app).await;
    app.click(
        HANDLER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("start"),
    )
    .await;
    let modal = app.opened_modal(0).await;
    let review = app
        .store
        .open_review_for(case.restriction)
        .await
        .expect("read")
        .expect("started");
    let first = app
        .submit_modal(
            HANDLER,
            &modal,
            review_values("lift", None, "No contact for six months: lift it"),
        )
        .await;
    assert!(first.text().await.expect("body").is_empty());
    let audit_before = app.store.all_audit_events().await.expect("audit");

    let again: Value = app
        .submit_modal(
            HANDLER,
            &modal,
            review_values("lift", None, "Lift it again"),
        )
        .await
        .json()
        .await
        .expect("errors");
    let said = again["errors"]["outcome"].as_str().unwrap_or_default();
    assert!(
        said.starts_with(&format!(
            "Review {} was already decided (lift) by <@{HANDLER}> on ",
            review.reference
        )),
        "{again}"
    );
    let stored = app.store.review(review.id).await.expect("r").expect("r");
    assert_eq!(
        (stored.status, stored.outcome),
        (ReviewStatus::Decided, Some(ReviewOutcome::Lift))
    );
    assert_eq!(
        app.store.all_audit_events().await.expect("audit"),
        audit_before,
        "a refused transition writes nothing"
    );
    assert_eq!(
        app.store
            .restriction(case.restriction)
            .await
            .expect("r")
            .expect("r")
            .status,
        RestrictionStatus::Lifted,
        "lifted once, by the first outcome"
    );
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_core_a_decided_review_refuses_a_second_outcome_in_plain_words,
    i9_f7_a_dispute_resolved_vary_opens_the_variation_and_stays_open_until_the_head_approves,
    i9_f7_a_rejected_variation_sends_the_dispute_back_to_its_handler,
);

/// Decides the review of Jane's restriction "vary" as MANAGER (`/contact review`, the
/// `nth` modal opened); returns the review's id.
async fn review_vary(app: &TestApp, case: &Case, nth: usize) -> i64 {
    assert_eq!(
        app.slash_command(MANAGER, "review Jane").await.status(),
        200
    );
    let modal = app.opened_modal(nth).await;
    assert_eq!(modal["callback_id"], "review");
    let body = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("vary", None, "Calls have stopped; emails are reasonable"),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "{body}");
    app.store
        .open_review_for(case.restriction)
        .await
        .expect("review")
        .expect("still open")
        .id
}

/// `user` opens App Home: the first Home published for them after that showing `needle`,
/// as text (or the last one published, if none does in time).
async fn home(app: &TestApp, user: &str, needle: &str) -> String {
    let before = app.slack.calls_to("views.publish").len();
    let event = app_home_opened("EvHOME1", user, TEAM_ID);
    assert_eq!(app.post_event(&event).await.status(), 200);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let published: Vec<String> = app
            .slack
            .calls_to("views.publish")
            .into_iter()
            .skip(before)
            .filter(|c| c.body["user_id"] == user)
            .map(|c| c.body["view"].to_string())
            .collect();
        if let Some(found) = published.iter().find(|v| v.contains(needle)) {
            return found.clone();
        }
        if tokio::time::Instant::now() >= deadline {
            return published.last().cloned().unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// §7, §8: "vary" always ends in a letter, at review too. Deciding a review "vary" opens
/// the variation request at once; the review stays open (and due for reminders), the
/// manager cannot record another outcome meanwhile, and App Home and the case file say
/// it waits on the head.
async fn i9_f7_review_vary_opens_variation_and_stays_open_until_head_decides(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f7_review_vary_open").await else {
        return;
    };
    let case = case(&app).await;
    // Overdue for review, so the review is reminded and on App Home.
    let due_on = today() - chrono::Duration::days(3);
    run_sql(
        app.db.url(),
        &format!(
            "UPDATE restrictions SET next_review_on = '{due_on}' WHERE id = {}",
            case.restriction
        ),
    )
    .await;
    let review = review_vary(&app, &case, 0).await;
    // The variation form is open at once, without another click.
    let request = send_variation_form(&app, &case, MANAGER, 1).await;
    let origin = app
        .store
        .variation_origin(request)
        .await
        .expect("origin")
        .expect("the variation answers the review");
    assert_eq!(
        (origin.of, origin.id, origin.reasons.as_str()),
        (
            VariationOf::Review,
            review,
            "Calls have stopped; emails are reasonable"
        )
    );
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(
        (
            stored.status.as_str(),
            stored.outcome.map(|o| o.as_str()),
            stored.variation_proposed_by.as_deref()
        ),
        ("open", None, Some(MANAGER))
    );
    // The DM keeps the "Request varied measures" button as a way back.
    assert_eq!(
        button_value(&app, MANAGER, "request_variation").await,
        case.restriction.to_string()
    );
    // Still in force and still reminded: the restriction keeps its review date and the
    // review stays open.
    assert!(check(&app).await.contains("Calls must be recorded"));
    let due = app.store.reviews_due(today(), today()).await.expect("due");
    assert!(
        due.iter()
            .any(|d| d.restriction_id == case.restriction && d.open_review_id == Some(review)),
        "still reminded: {due:?}"
    );
    // Nothing else can be recorded while the head decides: neither from the command or
    // the reminder's button ...
    let said = app
        .slash_command(MANAGER, "review Jane")
        .await
        .text()
        .await
        .expect("body");
    assert!(said.contains("waits on the head's decision"), "{said}");
    app.click(
        MANAGER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("again"),
    )
    .await;
    assert!(
        told(&app, "again")
            .await
            .contains("waits on the head's decision"),
        "told to wait"
    );
    // ... nor by sending the old modal again.
    let modal = app.opened_modal(0).await;
    let answer = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("lift", None, "Changed my mind"),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(
        answer.contains("waiting for the head of function to decide the new measures"),
        "{answer}"
    );
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(stored.status.as_str(), "open");
    // App Home (the reviewer's, who owns the restriction) and the case file say it
    // waits on the head.
    let shown = home(&app, MANAGER, "waits on the head's decision").await;
    assert!(
        shown.contains("RES-") && shown.contains("waits on the head's decision"),
        "App Home: {shown}"
    );
    let history = app
        .slash_command(MANAGER, "history Jane")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        history.contains("waits on the head's decision on the variation"),
        "case file: {history}"
    );
    let actions = audit_actions(&app).await;
    assert!(
        actions.iter().any(|a| a == "review_variation_proposed")
            && !actions.iter().any(|a| a == "review_decided"),
        "{actions:?}"
    );
    app.stop().await.expect("stops cleanly");
}

/// §7, §8: the head's approval of the variation decides the review "vary", in the name
/// of the manager who chose it, with the outcome letter setting out the new measures.
async fn i9_f7_review_vary_approved_decides_review_with_outcome_letter(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f7_review_vary_approved").await else {
        return;
    };
    let case = case(&app).await;
    let review = review_vary(&app, &case, 0).await;
    let request = send_variation_form(&app, &case, MANAGER, 1).await;
    approve(&app, request).await;
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(
        (
            stored.status.as_str(),
            stored.outcome.map(|o| o.as_str()),
            stored.reasons.as_deref(),
            stored.decided_by.as_deref()
        ),
        (
            "decided",
            Some("vary"),
            Some("Calls have stopped; emails are reasonable"),
            Some(MANAGER)
        )
    );
    let letter = letters(&app, 1).await.remove(0);
    assert!(
        letter.contains("REV-00001")
            && letter.contains("change the arrangements")
            && letter.contains("Calls have stopped; emails are reasonable"),
        "{letter}"
    );
    // The new measures apply once the outcome letter is sent (issue 9, finding 15).
    mark_notice_sent(&app, MANAGER, "REV-00001", today()).await;
    let shown = check(&app).await;
    assert!(
        shown.contains("email") && !shown.contains("Calls must be recorded"),
        "{shown}"
    );
    let actions = audit_actions(&app).await;
    for expected in ["review_variation_proposed", "review_decided"] {
        assert!(actions.iter().any(|a| a == expected), "{actions:?}");
    }
    app.stop().await.expect("stops cleanly");
}

/// §7, §8: a variation the head rejects sends the review back to its reviewer, told by DM
/// with the button to decide it again; continuing then goes through the proposal to the
/// head (finding 10).
async fn i9_f7_review_vary_rejected_goes_back_to_reviewer(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f7_review_vary_rejected").await else {
        return;
    };
    let case = case(&app).await;
    let review = review_vary(&app, &case, 0).await;
    let request = send_variation_form(&app, &case, MANAGER, 1).await;
    app.click(
        HEAD,
        "reject_request",
        &request.to_string(),
        &app.slack.response_url("reject"),
    )
    .await;
    let modal = app.opened_modal(2).await;
    assert_eq!(modal["callback_id"], "reject");
    let body = app
        .submit_modal(
            HEAD,
            &modal,
            state_values(&[("reason", v::text("Email alone would not be enough"))]),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "{body}");
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(
        (
            stored.status.as_str(),
            stored.outcome.map(|o| o.as_str()),
            stored.variation_proposed_by.as_deref()
        ),
        ("open", None, None)
    );
    // The reviewer is told, with the button to decide again.
    let again = button_value(&app, MANAGER, "start_review").await;
    assert_eq!(again, case.restriction.to_string());
    assert!(audit_actions(&app)
        .await
        .iter()
        .any(|a| a == "review_returned_to_reviewer"));
    app.click(
        MANAGER,
        "start_review",
        &again,
        &app.slack.response_url("again"),
    )
    .await;
    let modal = app.opened_modal(3).await;
    assert_eq!(modal["callback_id"], "review");
    let next = today() + chrono::Duration::days(200);
    let body = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("continue", Some(next), "Still calling fifty times a day"),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "{body}");
    let proposal = app
        .store
        .pending_continuation(review)
        .await
        .expect("continuation")
        .expect("continuing is proposed to the head");
    assert_eq!(proposal.proposed_by, MANAGER);
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(stored.status.as_str(), "open");
    app.stop().await.expect("stops cleanly");
}

/// §7, §8: the reviewer withdrawing the variation sends the review back to them too, and
/// they may then lift it, with the outcome letter.
async fn i9_f7_review_vary_withdrawn_goes_back_to_reviewer(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f7_review_vary_withdrawn").await else {
        return;
    };
    let case = case(&app).await;
    let review = review_vary(&app, &case, 0).await;
    let request = send_variation_form(&app, &case, MANAGER, 1).await;
    app.click(
        MANAGER,
        "withdraw_request",
        &request.to_string(),
        &app.slack.response_url("wd"),
    )
    .await;
    let modal = app.opened_modal(2).await;
    assert_eq!(modal["callback_id"], "withdraw");
    let body = app
        .submit_modal(
            MANAGER,
            &modal,
            state_values(&[("reason", v::text("Wrong measures chosen"))]),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "withdrawal refused: {body}");
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(
        (
            stored.status.as_str(),
            stored.variation_proposed_by.as_deref()
        ),
        ("open", None)
    );
    assert_eq!(
        button_value(&app, MANAGER, "start_review").await,
        case.restriction.to_string()
    );
    app.click(
        MANAGER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("again"),
    )
    .await;
    let modal = app.opened_modal(3).await;
    assert_eq!(modal["callback_id"], "review");
    let body = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("lift", None, "Calls have stopped altogether"),
        )
        .await
        .text()
        .await
        .expect("body");
    assert!(body.is_empty(), "{body}");
    let stored = app.store.review(review).await.expect("r").expect("r");
    assert_eq!(
        (stored.status.as_str(), stored.outcome.map(|o| o.as_str())),
        ("decided", Some("lift"))
    );
    let letter = letters(&app, 1).await.remove(0);
    assert!(letter.contains("REV-00001"), "{letter}");
    assert!(!check(&app).await.contains("Calls must be recorded"));
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_f7_review_vary_withdrawn_goes_back_to_reviewer,
    i9_f7_review_vary_opens_variation_and_stays_open_until_head_decides,
    i9_f7_review_vary_approved_decides_review_with_outcome_letter,
    i9_f7_review_vary_rejected_goes_back_to_reviewer,
);
