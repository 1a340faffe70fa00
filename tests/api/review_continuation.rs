//! Issue 9, finding 10: only a head of function authorises restricting contact (§6), at
//! review too. A manager's "continue" is a proposal the head or a deputy (never the
//! proposer) authorises with the six §6 criteria ticked, or rejects; until authorised the
//! review stays open, and a rejection sends it back to the manager.

use std::time::Duration;

use chrono::{Months, NaiveDate, Utc};
use contact_policy_bot::domain::incident::{BehaviourKind, Category, Channel, IncidentReport};
use contact_policy_bot::domain::measures::Measure;
use contact_policy_bot::domain::person::{AccessRequirements, Identifier, PersonName};
use contact_policy_bot::domain::restriction::Criterion;
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
const DEPUTY: &str = "U0DEPUTY";

struct Case {
    person: i64,
    restriction: i64,
}

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// Casework (head, deputy, manager, staff), Jane Doe with one restriction in force.
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
    crate::helpers::seed::incident(store.as_ref(), STAFF, &new, Utc::now()).await;
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
        person,
        restriction,
    }
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

/// The DMs (chat.postMessage) sent to `user` so far.
fn dms_to(app: &TestApp, user: &str) -> Vec<Value> {
    app.slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.body["channel"] == user)
        .map(|c| c.body)
        .collect()
}

/// The value of the first button with `action` in a DM to `user`, waiting for it.
async fn button_value(app: &TestApp, user: &str, action: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = dms_to(app, user).into_iter().find_map(|body| {
            body["blocks"].as_array()?.iter().find_map(|b| {
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

/// `user` records the review of the case's restriction as "continue" to `next`.
async fn propose_continue(app: &TestApp, user: &str, next: NaiveDate, nth_modal: usize) {
    assert_eq!(app.slash_command(user, "review Jane").await.status(), 200);
    let modal = app.opened_modal(nth_modal).await;
    assert_eq!(modal["callback_id"], "review");
    let answer = app
        .submit_modal(
            user,
            &modal,
            review_values("continue", Some(next), "Still calling fifty times a day"),
        )
        .await;
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.expect("body").is_empty());
}

/// Clicks Authorise as `user` with `ticks` ticked; returns what the bot answered.
async fn authorise(app: &TestApp, user: &str, id: &str, ticks: &[Criterion]) -> String {
    let options: Vec<Value> = ticks
        .iter()
        .map(|c| json!({ "text": { "type": "plain_text", "text": c.as_str() }, "value": c.as_str() }))
        .collect();
    let answer_to = format!("authorise-{}", rand::random::<u32>());
    let payload = json!({
        "type": "block_actions",
        "team": { "id": TEAM_ID, "domain": "testteam" },
        "user": { "id": user, "username": "u", "name": "u", "team_id": TEAM_ID },
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "DHEAD", "is_ephemeral": false },
        "trigger_id": app.slack.new_trigger(),
        "channel": { "id": "DHEAD", "name": "directmessage" },
        "response_url": app.slack.response_url(&answer_to),
        "state": { "values": { format!("continuation_criteria:{id}"): { "continuation_criteria": { "type": "checkboxes", "selected_options": options } } } },
        "actions": [{ "type": "button", "action_id": "authorise_continuation", "block_id": "decide", "value": id,
                      "text": { "type": "plain_text", "text": "Authorise" }, "action_ts": "1700000000.1" }]
    });
    assert_eq!(app.post_interaction(&payload).await.status(), 200);
    let said = app
        .slack
        .wait_for_calls(&format!("response_url:{answer_to}"), 1, WAIT)
        .await;
    said[0].body["text"].as_str().unwrap_or_default().to_owned()
}

async fn review_row(app: &TestApp, restriction: i64) -> (String, Option<String>, Option<String>) {
    let status = sql_texts(
        app.db.url(),
        &format!("SELECT status FROM reviews WHERE restriction_id = {restriction}"),
    )
    .await;
    let outcome = sql_texts(
        app.db.url(),
        &format!("SELECT COALESCE(outcome, '') FROM reviews WHERE restriction_id = {restriction}"),
    )
    .await;
    let next = sql_texts(
        app.db.url(),
        &format!("SELECT COALESCE(CAST(next_review_on AS TEXT), '') FROM reviews WHERE restriction_id = {restriction}"),
    )
    .await;
    let some = |v: &[String]| v.first().filter(|s| !s.is_empty()).cloned();
    (status[0].clone(), some(&outcome), some(&next))
}

async fn restriction_next_review(app: &TestApp, id: i64) -> NaiveDate {
    app.store
        .restriction(id)
        .await
        .expect("restriction")
        .expect("on record")
        .next_review_on
}

async fn i9_f10_a_managers_continue_leaves_the_review_open_and_sends_the_head_a_checklist(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_f10_proposal").await else {
        return;
    };
    let case = case(&app).await;
    let before = restriction_next_review(&app, case.restriction).await;
    let next = today() + Months::new(6);
    propose_continue(&app, MANAGER, next, 0).await;
    // The head and the deputy get the checklist with Authorise and Reject.
    let id = button_value(&app, HEAD, "authorise_continuation").await;
    assert_eq!(
        button_value(&app, DEPUTY, "authorise_continuation").await,
        id
    );
    let asked = dms_to(&app, HEAD)
        .into_iter()
        .find(|b| b.to_string().contains("authorise_continuation"))
        .expect("asked");
    let blocks = asked["blocks"].as_array().expect("blocks");
    let checklist = blocks
        .iter()
        .find(|b| b["block_id"] == format!("continuation_criteria:{id}"))
        .expect("checklist");
    assert_eq!(
        checklist["elements"][0]["options"].as_array().map(Vec::len),
        Some(6),
        "{checklist}"
    );
    assert!(asked.to_string().contains("reject_continuation"), "{asked}");
    assert!(
        asked
            .to_string()
            .contains("Still calling fifty times a day"),
        "{asked}"
    );
    // The proposer is told, and is not asked to authorise.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !dms_to(&app, MANAGER).iter().any(|b| {
        b.to_string()
            .contains("sent to the head of function to authorise")
    }) {
        assert!(tokio::time::Instant::now() < deadline, "proposer not told");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!dms_to(&app, MANAGER)
        .iter()
        .any(|b| b.to_string().contains("authorise_continuation")));
    // The review is open; nothing about the restriction has changed; no letter yet.
    assert_eq!(
        review_row(&app, case.restriction).await,
        ("open".to_owned(), None, None)
    );
    assert_eq!(
        restriction_next_review(&app, case.restriction).await,
        before
    );
    let held = sql_texts(app.db.url(), "SELECT CAST(id AS TEXT) FROM letters").await;
    assert!(held.is_empty(), "no letter before authorisation: {held:?}");
    // It is still an open review: the manager cannot decide it otherwise meanwhile.
    app.slash_command(MANAGER, "review Jane").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        app.slack.calls_to("views.open").len(),
        1,
        "no second review form while the head decides"
    );
    let pending = sql_texts(app.db.url(), "SELECT status FROM review_continuations").await;
    assert_eq!(pending, vec!["pending".to_owned()]);
    let audit: Vec<String> = app
        .store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        audit.iter().any(|a| a == "continuation_proposed"),
        "{audit:?}"
    );
    assert!(!audit.iter().any(|a| a == "review_decided"), "{audit:?}");
    app.stop().await.expect("stops cleanly");
}

async fn i9_f10_authorising_without_six_ticks_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f10_five_ticks").await else {
        return;
    };
    let case = case(&app).await;
    propose_continue(&app, MANAGER, today() + Months::new(6), 0).await;
    let id = button_value(&app, HEAD, "authorise_continuation").await;
    let five = &Criterion::ALL[..5];
    let said = authorise(&app, HEAD, &id, five).await;
    assert!(
        said.contains("Nothing was changed") && said.contains("All six criteria"),
        "{said}"
    );
    assert_eq!(review_row(&app, case.restriction).await.0, "open");
    let status = sql_texts(app.db.url(), "SELECT status FROM review_continuations").await;
    assert_eq!(status, vec!["pending".to_owned()]);
    app.stop().await.expect("stops cleanly");
}

async fn i9_f10_the_proposer_cannot_authorise_and_a_deputy_can(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f10_proposer").await else {
        return;
    };
    let case = case(&app).await;
    let next = today() + Months::new(9);
    // The head reviews and proposes continuing: the deputy is asked, not the head.
    propose_continue(&app, HEAD, next, 0).await;
    let id = button_value(&app, DEPUTY, "authorise_continuation").await;
    assert!(
        !dms_to(&app, HEAD)
            .iter()
            .any(|b| b.to_string().contains("authorise_continuation")),
        "the proposer is not asked to authorise"
    );
    let said = authorise(&app, HEAD, &id, &Criterion::ALL).await;
    assert!(said.contains("You proposed continuing"), "{said}");
    // A manager is no head or deputy.
    let said = authorise(&app, MANAGER, &id, &Criterion::ALL).await;
    assert!(
        said.contains("Only the head of this function or a deputy"),
        "{said}"
    );
    assert_eq!(review_row(&app, case.restriction).await.0, "open");
    let said = authorise(&app, DEPUTY, &id, &Criterion::ALL).await;
    assert!(said.contains("Authorised"), "{said}");
    assert_eq!(
        review_row(&app, case.restriction).await,
        (
            "decided".to_owned(),
            Some("continue".to_owned()),
            Some(next.to_string())
        )
    );
    let by = sql_texts(app.db.url(), "SELECT decided_by FROM review_continuations").await;
    assert_eq!(by, vec![DEPUTY.to_owned()]);
    // A second click changes nothing.
    let said = authorise(&app, DEPUTY, &id, &Criterion::ALL).await;
    assert!(said.contains("already authorised"), "{said}");
    app.stop().await.expect("stops cleanly");
}

async fn i9_f10_the_head_authorises_with_six_ticks_and_the_review_closes_with_its_letter(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_f10_authorised").await else {
        return;
    };
    let case = case(&app).await;
    let next = today() + Months::new(6);
    propose_continue(&app, MANAGER, next, 0).await;
    let id = button_value(&app, HEAD, "authorise_continuation").await;
    let said = authorise(&app, HEAD, &id, &Criterion::ALL).await;
    assert!(
        said.contains("Authorised") && said.contains("REV-00001"),
        "{said}"
    );
    assert_eq!(
        review_row(&app, case.restriction).await,
        (
            "decided".to_owned(),
            Some("continue".to_owned()),
            Some(next.to_string())
        )
    );
    assert_eq!(restriction_next_review(&app, case.restriction).await, next);
    // The outcome letter, held by the manager who reviewed, says it continues.
    let letter = app.slack.wait_for_calls("upload", 1, WAIT).await[0].body["pdf_text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        letter.contains("REV-00001") && letter.contains("will continue"),
        "{letter}"
    );
    let held = sql_texts(app.db.url(), "SELECT held_by FROM letters").await;
    assert_eq!(held, vec![MANAGER.to_owned()]);
    // Both copies of the checklist are settled.
    let settled = app.slack.wait_for_calls("chat.update", 2, WAIT).await;
    assert!(
        settled
            .iter()
            .all(|c| c.body.to_string().contains("Authorised")),
        "{settled:?}"
    );
    let due = app.store.reviews_due(today(), next).await.expect("due");
    assert_eq!(
        due.iter()
            .map(|d| (d.restriction_id, d.open_review_id))
            .collect::<Vec<_>>(),
        vec![(case.restriction, None)]
    );
    let audit: Vec<String> = app
        .store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "continuation_proposed",
        "continuation_authorised",
        "review_decided",
        "restriction_review_date_set",
        "letter_drafted",
    ] {
        assert!(
            audit.iter().any(|a| a == expected),
            "no {expected} in {audit:?}"
        );
    }
    let _ = case.person;
    app.stop().await.expect("stops cleanly");
}

async fn i9_f10_a_rejection_sends_the_review_back_to_the_manager(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f10_rejected").await else {
        return;
    };
    let case = case(&app).await;
    let before = restriction_next_review(&app, case.restriction).await;
    propose_continue(&app, MANAGER, today() + Months::new(6), 0).await;
    let id = button_value(&app, HEAD, "authorise_continuation").await;
    // The proposer cannot reject either.
    app.click(
        MANAGER,
        "reject_continuation",
        &id,
        &app.slack.response_url("manager-reject"),
    )
    .await;
    let said = app
        .slack
        .wait_for_calls("response_url:manager-reject", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("You proposed continuing"),
        "{:?}",
        said[0].body
    );
    app.click(
        HEAD,
        "reject_continuation",
        &id,
        &app.slack.response_url("reject"),
    )
    .await;
    let modal = app.opened_modal(1).await;
    assert_eq!(modal["callback_id"], "reject_continuation");
    let answer = app
        .submit_modal(
            HEAD,
            &modal,
            state_values(&[("reason", v::text("Calls have dropped: consider lifting"))]),
        )
        .await;
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.expect("body").is_empty());
    // Back to the manager, with the reason and a way to decide it otherwise.
    let restriction = button_value(&app, MANAGER, "start_review").await;
    assert_eq!(restriction, case.restriction.to_string());
    assert!(
        dms_to(&app, MANAGER).iter().any(|b| b
            .to_string()
            .contains("Calls have dropped: consider lifting")),
        "the reason reaches the manager"
    );
    assert_eq!(
        review_row(&app, case.restriction).await,
        ("open".to_owned(), None, None)
    );
    assert_eq!(
        restriction_next_review(&app, case.restriction).await,
        before
    );
    let settled = app.slack.wait_for_calls("chat.update", 2, WAIT).await;
    assert!(
        settled
            .iter()
            .all(|c| c.body.to_string().contains("Rejected")),
        "{settled:?}"
    );
    // Authorising after the rejection changes nothing.
    let said = authorise(&app, DEPUTY, &id, &Criterion::ALL).await;
    assert!(said.contains("already rejected"), "{said}");
    // The manager decides otherwise: lift.
    app.click(
        MANAGER,
        "start_review",
        &restriction,
        &app.slack.response_url("again"),
    )
    .await;
    let modal = app.opened_modal(2).await;
    assert_eq!(modal["callback_id"], "review");
    let answer = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("lift", None, "Calls have dropped to a reasonable level"),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    assert_eq!(
        review_row(&app, case.restriction).await,
        ("decided".to_owned(), Some("lift".to_owned()), None)
    );
    app.stop().await.expect("stops cleanly");
}

async fn i9_f10_after_the_heads_rejection_only_the_head_authorises_continuing(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f10_head_reserved").await else {
        return;
    };
    let case = case(&app).await;
    let next = today() + Months::new(6);
    propose_continue(&app, MANAGER, next, 0).await;
    let first = button_value(&app, HEAD, "authorise_continuation").await;
    app.click(
        HEAD,
        "reject_continuation",
        &first,
        &app.slack.response_url("reject"),
    )
    .await;
    let modal = app.opened_modal(1).await;
    let answer = app
        .submit_modal(
            HEAD,
            &modal,
            state_values(&[("reason", v::text("Not convinced it is still needed"))]),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    button_value(&app, MANAGER, "start_review").await;
    let asked_deputy = dms_to(&app, DEPUTY).len();
    // The manager proposes continuing again: it goes to the head alone.
    app.click(
        MANAGER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("again"),
    )
    .await;
    let modal = app.opened_modal(2).await;
    let answer = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("continue", Some(next), "Calls resumed last week"),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    let second = sql_texts(
        app.db.url(),
        "SELECT CAST(id AS TEXT) FROM review_continuations WHERE status = 'pending'",
    )
    .await
    .remove(0);
    assert_ne!(second, first);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !dms_to(&app, HEAD).iter().any(|b| {
        b.to_string()
            .contains(&format!("continuation_criteria:{second}"))
    }) {
        assert!(tokio::time::Instant::now() < deadline, "the head is asked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        dms_to(&app, DEPUTY).len(),
        asked_deputy,
        "the deputy is not asked"
    );
    let said = authorise(&app, DEPUTY, &second, &Criterion::ALL).await;
    assert!(
        said.contains("cannot overturn the head's rejection"),
        "{said}"
    );
    assert_eq!(review_row(&app, case.restriction).await.0, "open");
    let said = authorise(&app, HEAD, &second, &Criterion::ALL).await;
    assert!(said.contains("Authorised"), "{said}");
    assert_eq!(restriction_next_review(&app, case.restriction).await, next);
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_f10_after_the_heads_rejection_only_the_head_authorises_continuing,
    i9_f10_a_managers_continue_leaves_the_review_open_and_sends_the_head_a_checklist,
    i9_f10_authorising_without_six_ticks_is_refused,
    i9_f10_the_proposer_cannot_authorise_and_a_deputy_can,
    i9_f10_the_head_authorises_with_six_ticks_and_the_review_closes_with_its_letter,
    i9_f10_a_rejection_sends_the_review_back_to_the_manager,
);

/// Issue 9, finding 12 (and 10): a proposal to continue that waits for authorisation is
/// nudged like a request: a fresh copy of the checklist to the head after two working
/// days, to the deputy after four, never to the proposer; the decision settles every copy.
async fn i9_f12_a_waiting_continuation_is_nudged_to_the_head_then_the_deputy(backend: Backend) {
    let Some(app) = spawn_app_on_manual_clock(backend, "i9_continuation_nudge").await else {
        return;
    };
    let case = case(&app).await;
    let next = today() + Months::new(6);
    propose_continue(&app, MANAGER, next, 0).await;
    let id = button_value(&app, HEAD, "authorise_continuation").await;
    assert!(sweep_after_days(&app, 10).await > 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let copies = reminder_copies_of(&app, &format!("continuation_criteria:{id}"));
    assert_eq!(copies, [HEAD, DEPUTY], "reminder copies went to {copies:?}");
    assert_eq!(sweep_after_days(&app, 0).await, 0, "each copy is sent once");
    let said = authorise(&app, HEAD, &id, &Criterion::ALL).await;
    assert!(said.contains("Authorised"), "{said}");
    let settled = sql_texts(
        app.db.url(),
        &format!("SELECT recipient_slack_user_id FROM review_continuation_messages WHERE continuation_id = {id} ORDER BY id"),
    )
    .await;
    assert_eq!(
        settled.len(),
        4,
        "two first copies and two reminder copies: {settled:?}"
    );
    // Settled: every copy is updated, and a decided proposal is not nudged again.
    let updates = app.slack.wait_for_calls("chat.update", 4, WAIT).await;
    assert!(updates.len() >= 4, "{updates:?}");
    assert_eq!(sweep_after_days(&app, 3).await, 0);
    let _ = case.person;
    app.stop().await.expect("stops cleanly");
}

/// After the head rejected a proposal, the next is the head's alone: the nudge never
/// escalates it to a deputy (finding 11).
async fn i9_f11_a_proposal_for_the_head_alone_is_never_escalated_to_a_deputy(backend: Backend) {
    let Some(app) = spawn_app_on_manual_clock(backend, "i9_continuation_head_only").await else {
        return;
    };
    let case = case(&app).await;
    let next = today() + Months::new(6);
    propose_continue(&app, MANAGER, next, 0).await;
    let first = button_value(&app, HEAD, "authorise_continuation").await;
    app.click(
        HEAD,
        "reject_continuation",
        &first,
        &app.slack.response_url("reject"),
    )
    .await;
    let modal = app.opened_modal(1).await;
    let answer = app
        .submit_modal(
            HEAD,
            &modal,
            state_values(&[("reason", v::text("Not convinced it is still needed"))]),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    app.click(
        MANAGER,
        "start_review",
        &case.restriction.to_string(),
        &app.slack.response_url("again"),
    )
    .await;
    let modal = app.opened_modal(2).await;
    let answer = app
        .submit_modal(
            MANAGER,
            &modal,
            review_values("continue", Some(next), "Calls resumed last week"),
        )
        .await;
    assert!(answer.text().await.expect("body").is_empty());
    let second = sql_texts(
        app.db.url(),
        "SELECT CAST(id AS TEXT) FROM review_continuations WHERE status = 'pending'",
    )
    .await
    .remove(0);
    assert!(sweep_after_days(&app, 10).await > 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let copies = reminder_copies_of(&app, &format!("continuation_criteria:{second}"));
    assert_eq!(copies, [HEAD], "reminder copies went to {copies:?}");
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (findings 10, 12): App Home shows a proposal to continue to those who may
/// authorise it, and to the proposer as waiting on the head; once authorised, neither.
async fn i9_f10_app_home_lists_a_proposal_for_the_deciders_and_as_waiting_for_the_proposer(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_home_continuation").await else {
        return;
    };
    case(&app).await;
    let next = today() + Months::new(6);
    propose_continue(&app, MANAGER, next, 0).await;
    let id = button_value(&app, HEAD, "authorise_continuation").await;
    let review = sql_texts(app.db.url(), "SELECT reference FROM reviews")
        .await
        .remove(0);
    let head = home_of(&app, HEAD).await;
    assert!(head.contains("waiting for your authorisation"), "{head}");
    assert!(head.contains(&format!("at review {review}")), "{head}");
    let deputy = home_of(&app, DEPUTY).await;
    assert!(
        deputy.contains("waiting for your authorisation"),
        "{deputy}"
    );
    let manager = home_of(&app, MANAGER).await;
    assert!(
        manager.contains("Waiting on the head of function"),
        "{manager}"
    );
    assert!(manager.contains(&review), "{manager}");
    assert!(
        !manager.contains("waiting for your authorisation"),
        "{manager}"
    );
    let said = authorise(&app, HEAD, &id, &Criterion::ALL).await;
    assert!(said.contains("Authorised"), "{said}");
    let head = home_of(&app, HEAD).await;
    assert!(!head.contains("waiting for your authorisation"), "{head}");
    let manager = home_of(&app, MANAGER).await;
    assert!(
        !manager.contains("Waiting on the head of function"),
        "{manager}"
    );
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_f10_app_home_lists_a_proposal_for_the_deciders_and_as_waiting_for_the_proposer,
    i9_f12_a_waiting_continuation_is_nudged_to_the_head_then_the_deputy,
    i9_f11_a_proposal_for_the_head_alone_is_never_escalated_to_a_deputy,
);
