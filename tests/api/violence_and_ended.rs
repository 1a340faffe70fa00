//! Issue 9, findings 4 and 13, end to end on both backends.
//!
//! Finding 4 (§4 "This will always be the case if physical violence is used or
//! threatened"): an incident of physical violence, or of a threat the reporter says was of
//! physical violence, stays on the managers' open items until a police report's date and
//! reference are recorded; "not reported" does not close it. A threat not of violence does
//! not go through the police route.
//!
//! Finding 13: a restriction past its end date is not in force anywhere — `/contact check`,
//! App Home, the case file, the review opener — before the nightly sweep records it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use contact_policy_bot::clock::ManualClock;
use contact_policy_bot::domain::measures::{ContactMethod, Measure};
use contact_policy_bot::domain::person::{normalize_query, Identifier, PersonName};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::records::NewPerson;
use serde_json::Value;

use crate::fake_slack::FakeSlack;
use crate::helpers::slack_values as v;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);
const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";

/// Casework with a head, a manager and a member of staff; returns its id.
async fn casework(app: &TestApp, at: DateTime<Utc>) -> i64 {
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    let id = app
        .store
        .add_function(&name, &actor, at)
        .await
        .expect("function");
    for (user, role) in [
        (HEAD, Role::Head),
        (MANAGER, Role::Manager),
        (STAFF, Role::Member),
    ] {
        app.store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, at)
            .await
            .expect("role");
    }
    id
}

/// The report form's answers about `person` (“new:Jane Doe” for a new person, with her
/// phone number, or `p:<id>`), with these kinds.
fn report_values(person: &str, kinds: &[&str], threat_of_violence: Option<&str>) -> Value {
    let mut fields = vec![
        ("person", v::external(person)),
        ("new_phone", v::text("07700 900123")),
        ("new_email", v::empty("plain_text_input")),
        ("new_case_ref", v::empty("plain_text_input")),
        ("different_person", v::checkboxes(&[])),
        ("category", v::select("aggressive_abusive")),
        ("kinds", v::multi(kinds)),
        ("channel", v::select("phone")),
        ("occurred_at", v::date_time(Utc::now().timestamp() - 60)),
        ("description", v::text("At the front desk")),
    ];
    if let Some(answer) = threat_of_violence {
        fields.push(("threat_of_violence", v::radio(answer)));
    }
    state_values(&fields)
}

/// The block ids of a view's inputs, in order.
fn input_ids(view: &Value) -> Vec<String> {
    view["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "input")
        .filter_map(|b| b["block_id"].as_str().map(str::to_owned))
        .collect()
}

/// Fills in the `nth` report form as staff would: chooses `person` (see
/// [`report_values`]), then the kinds (which shows the threat question when threats are
/// among them), then submits.
async fn report(
    app: &TestApp,
    nth: usize,
    person: &str,
    kinds: &[&str],
    threat: Option<&str>,
) -> Value {
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let opened = app.opened_view(nth).await;
    let values = report_values(person, kinds, threat);
    let chosen_person = state_values(&[("person", v::external(person))]);
    let form = app
        .choose_in_view(STAFF, &opened, chosen_person, "person")
        .await
        .unwrap_or(opened);
    let chosen = state_values(&[("person", v::external(person)), ("kinds", v::multi(kinds))]);
    let form = app
        .choose_in_view(STAFF, &form, chosen, "kinds")
        .await
        .unwrap_or(form);
    let answer = app
        .submit_modal(STAFF, &form, values_shown_in(&form, &values))
        .await;
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.expect("body");
    assert!(body.is_empty(), "report refused: {body}");
    form
}

async fn jane(app: &TestApp) -> i64 {
    let people = app
        .store
        .find_people("", &normalize_query("07700 900123"), 5)
        .await
        .expect("find");
    assert_eq!(people.len(), 1, "exactly one person holds the number");
    people[0].id
}

async fn open_items(app: &TestApp) -> String {
    let open: Value = app
        .slash_command(MANAGER, "open")
        .await
        .json()
        .await
        .expect("json");
    open.to_string()
}

/// The manager clicks "Record police report" on incident `id`; returns the modal.
async fn police_modal(app: &TestApp, nth_modal: usize, id: i64) -> Value {
    app.click(
        MANAGER,
        "record_police_report",
        &id.to_string(),
        &app.slack.response_url("police"),
    )
    .await;
    let modal = app.opened_modal(nth_modal).await;
    assert_eq!(modal["callback_id"], "police_report");
    modal
}

async fn i9_f4_violence_stays_open_until_a_police_report_date_and_reference_are_recorded(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "i9_f4_violence").await else {
        return;
    };
    casework(&app, Utc::now()).await;
    report(&app, 0, "new:Jane Doe", &["physical_violence"], None).await;
    let incident = app
        .store
        .incident(1)
        .await
        .expect("read")
        .expect("incident");
    assert!(incident.police_report_required);
    assert!(open_items(&app).await.contains("INC-00001"));

    // The police report modal for violence asks for the date and the reference; "not
    // reported" is not among its choices.
    let modal = police_modal(&app, 1, 1).await;
    assert_eq!(
        input_ids(&modal),
        ["reported_on", "police_reference", "note"],
        "{modal}"
    );
    assert!(
        modal.to_string().contains("always reported to the police"),
        "{modal}"
    );
    let without_reference =
        state_values(&[("reported_on", v::date(&Utc::now().date_naive().to_string()))]);
    let answer: Value = app
        .submit_modal(MANAGER, &modal, without_reference)
        .await
        .json()
        .await
        .expect("errors");
    assert!(answer["errors"]["police_reference"].is_string(), "{answer}");
    assert!(open_items(&app).await.contains("INC-00001"));

    // A form as it was offered before (with "not reported") cannot close it either.
    let jane_id = format!("p:{}", jane(&app).await);
    report(&app, 2, &jane_id, &["verbal_abuse"], None).await;
    let optional = police_modal(&app, 3, 2).await;
    assert!(
        input_ids(&optional).contains(&"not_reported_reason".to_owned()),
        "{optional}"
    );
    let mut stale = optional.clone();
    stale["private_metadata"] = modal["private_metadata"].clone();
    let not_reported = state_values(&[
        ("reported", v::radio("no")),
        (
            "not_reported_reason",
            v::text("The colleague did not want to"),
        ),
    ]);
    let answer: Value = app
        .submit_modal(MANAGER, &stale, not_reported)
        .await
        .json()
        .await
        .expect("errors");
    assert!(
        answer["errors"]["reported"]
            .as_str()
            .unwrap_or_default()
            .contains("always reported to the police (§4)"),
        "{answer}"
    );
    let listed = open_items(&app).await;
    assert!(
        listed.contains("INC-00001"),
        "closed as not reported: {listed}"
    );
    let incident = app
        .store
        .incident(1)
        .await
        .expect("read")
        .expect("incident");
    assert!(!incident.police_report_recorded);

    // The date and the reference close it.
    let complete = state_values(&[
        ("reported_on", v::date(&Utc::now().date_naive().to_string())),
        ("police_reference", v::text("CAD-1234")),
    ]);
    let answer = app.submit_modal(MANAGER, &modal, complete).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.expect("body"), "");
    let listed = open_items(&app).await;
    assert!(!listed.contains("INC-00001"), "still listed: {listed}");
    let history = app
        .store
        .history(jane(&app).await, Utc::now().date_naive())
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|h| h.kind == "police_report" && h.summary.contains("CAD-1234")),
        "{history:?}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn i9_f4_only_a_threat_of_violence_goes_through_the_police_route(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_f4_threats").await else {
        return;
    };
    casework(&app, Utc::now()).await;

    // The question shows, just below the kinds, once threats are chosen, and goes again
    // when they are not.
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let opened = app.opened_view(0).await;
    assert!(!input_ids(&opened).contains(&"threat_of_violence".to_owned()));
    let threats = state_values(&[("kinds", v::multi(&["rudeness", "threats"]))]);
    let asked = app
        .choose_in_view(STAFF, &opened, threats, "kinds")
        .await
        .expect("the threat question is shown");
    let shown = input_ids(&asked);
    let kinds = shown.iter().position(|f| f == "kinds").expect("kinds");
    assert_eq!(shown[kinds + 1], "threat_of_violence", "{shown:?}");
    let rudeness = state_values(&[("kinds", v::multi(&["rudeness"]))]);
    let unasked = app
        .choose_in_view(STAFF, &asked, rudeness, "kinds")
        .await
        .expect("the threat question is taken away");
    assert!(!input_ids(&unasked).contains(&"threat_of_violence".to_owned()));

    // Submitted with threats chosen but without the question (its update was lost), the
    // form is shown again with it rather than stored without an answer.
    let lost = report_values("new:Jane Doe", &["threats"], None);
    let person = state_values(&[("person", v::external("new:Jane Doe"))]);
    let with_person = app
        .choose_in_view(STAFF, &unasked, person, "person")
        .await
        .expect("the new person's fields");
    let answer: Value = app
        .submit_modal(STAFF, &with_person, values_shown_in(&with_person, &lost))
        .await
        .json()
        .await
        .expect("an answer");
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert!(input_ids(&answer["view"]).contains(&"threat_of_violence".to_owned()));
    assert!(app.store.incident(1).await.expect("read").is_none());

    // A threat not of violence: no police report is required.
    report(&app, 1, "new:Jane Doe", &["threats"], Some("no")).await;
    let incident = app
        .store
        .incident(1)
        .await
        .expect("read")
        .expect("incident");
    assert_eq!(incident.threat_of_violence, Some(false));
    assert!(!incident.police_report_required);
    let listed = open_items(&app).await;
    assert!(!listed.contains("INC-00001"), "{listed}");

    // A threat of violence: it is, and it stays open until recorded.
    let jane_id = format!("p:{}", jane(&app).await);
    report(&app, 2, &jane_id, &["threats"], Some("yes")).await;
    let incident = app
        .store
        .incident(2)
        .await
        .expect("read")
        .expect("incident");
    assert_eq!(incident.threat_of_violence, Some(true));
    assert!(incident.police_report_required);
    let listed = open_items(&app).await;
    assert!(listed.contains("INC-00002"), "{listed}");
    assert!(!listed.contains("INC-00001"), "{listed}");
    let modal = police_modal(&app, 3, 2).await;
    assert!(
        !input_ids(&modal).contains(&"reported".to_owned()),
        "{modal}"
    );

    // The managers are told which it was, and the case file says so.
    app.slack.wait_for_calls("chat.postMessage", 4, WAIT).await;
    let notices: Vec<String> = app
        .slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.body["channel"] == MANAGER)
        .map(|c| c.body.to_string())
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("Threats (not of physical violence)")
                && !n.contains("Police report required")),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.contains("Threats (of physical violence)")
                && n.contains("Police report required")),
        "{notices:?}"
    );
    let history = app
        .store
        .history(jane(&app).await, Utc::now().date_naive())
        .await
        .expect("history");
    let of = |reference: &str| -> String {
        history
            .iter()
            .find(|h| h.kind == "incident" && h.reference.as_deref() == Some(reference))
            .map(|h| h.summary.clone())
            .unwrap_or_default()
    };
    assert!(
        of("INC-00001").contains("a threat not of physical violence")
            && !of("INC-00001").contains("police report required"),
        "{history:?}"
    );
    assert!(
        of("INC-00002").contains("a threat of physical violence (police report required)"),
        "{history:?}"
    );
    app.stop().await.expect("stops cleanly");
}

async fn i9_f13_a_restriction_past_its_end_date_is_in_force_nowhere_before_the_sweep(
    backend: Backend,
) {
    let Some(db) = fresh_db(backend, "i9_f13_ended").await else {
        return;
    };
    // A clock the test holds: the reminder sweep (which records ended restrictions) does
    // not run in the background.
    let now = Utc::now();
    let slack = Arc::new(FakeSlack::start().await);
    let app = spawn_app_with(Arc::new(db), slack, Some(ManualClock::new(now))).await;
    let today = now.with_timezone(&chrono_tz::Europe::London).date_naive();
    let function = casework(&app, now).await;
    let person = app
        .store
        .create_person(
            &NewPerson {
                name: PersonName::parse("Jane Doe").expect("name"),
                identifiers: vec![Identifier::phone("07700 900123").expect("phone")],
                access: Default::default(),
            },
            &Actor::cli("test"),
            now,
        )
        .await
        .expect("person");
    let days = |n: i64| today + chrono::Duration::days(n);
    // Due for review within App Home's horizon, and set (as time would) to have ended
    // yesterday; another ends today and still applies.
    let ended = insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        days(-30),
        Some(days(10)),
        days(3),
    )
    .await;
    run_sql(
        app.db.url(),
        &format!(
            "UPDATE restrictions SET ends_on = '{}' WHERE id = {ended}",
            days(-1)
        ),
    )
    .await;
    let standing = insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::SingleContactMethod {
            method: ContactMethod::Email,
        }],
        days(-30),
        Some(today),
        days(3),
    )
    .await;
    let reference = |id: i64| {
        let store = app.store.clone();
        async move {
            store
                .restriction(id)
                .await
                .expect("read")
                .expect("restriction")
                .reference
        }
    };
    let (ended_ref, standing_ref) = (reference(ended).await, reference(standing).await);

    // `/contact check`.
    let check: Value = app
        .slash_command(STAFF, "check jane doe")
        .await
        .json()
        .await
        .expect("json");
    let check = check.to_string();
    assert!(check.contains(&standing_ref), "{check}");
    assert!(!check.contains(&ended_ref), "ended, still shown: {check}");

    // App Home: its review is no longer due.
    app.post_event(&app_home_opened("EvI9F13", MANAGER, TEAM_ID))
        .await;
    let published = app.slack.wait_for_calls("views.publish", 1, WAIT).await;
    let home = published[0].body["view"].to_string();
    assert!(home.contains(&standing_ref), "{home}");
    assert!(!home.contains(&ended_ref), "ended, still due: {home}");

    // The case file says it ended; the one ending today is still active.
    let history: Value = app
        .slash_command(MANAGER, "history jane doe")
        .await
        .json()
        .await
        .expect("json");
    let history = history.to_string();
    assert!(
        history.contains(&format!("Restriction {ended_ref}")),
        "{history}"
    );
    let entries = app.store.history(person, today).await.expect("history");
    let summary = |r: &str| -> String {
        entries
            .iter()
            .find(|h| h.kind == "restriction" && h.reference.as_deref() == Some(r))
            .map(|h| h.summary.clone())
            .unwrap_or_default()
    };
    assert!(
        summary(&ended_ref).starts_with("Restriction ended from"),
        "{entries:?}"
    );
    assert!(
        summary(&standing_ref).starts_with("Restriction active from"),
        "{entries:?}"
    );
    assert!(
        history.contains("Restriction ended from"),
        "the case file shows it as ended: {history}"
    );

    // Nor can it be reviewed or varied as if it stood.
    app.click(
        MANAGER,
        "start_review",
        &ended.to_string(),
        &app.slack.response_url("review"),
    )
    .await;
    let replies = app
        .slack
        .wait_for_calls("response_url:review", 1, WAIT)
        .await;
    let reply = replies[0].body.to_string();
    assert!(reply.contains("is no longer in force (ended)"), "{reply}");
    assert!(app.slack.calls_to("views.open").is_empty());

    // All this before any sweep: it is still stored as active.
    let stored = app
        .store
        .restriction(ended)
        .await
        .expect("read")
        .expect("restriction");
    assert_eq!(
        stored.status,
        contact_policy_bot::domain::restriction::RestrictionStatus::Active
    );
    assert_eq!(stored.ends_on, Some(days(-1)));
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_f4_violence_stays_open_until_a_police_report_date_and_reference_are_recorded,
    i9_f4_only_a_threat_of_violence_goes_through_the_police_route,
    i9_f13_a_restriction_past_its_end_date_is_in_force_nowhere_before_the_sweep,
);
