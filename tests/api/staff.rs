//! Who may see and change the register (R-DP-3): staff are the workspace's full members
//! (Slack's `users.info`), optionally only those enrolled in a function (`STAFF=enrolled`);
//! `/contact access` is for managers, and adding an identifier someone else holds asks
//! "different person?".

use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::config::StaffScope;
use contact_policy_bot::domain::person::{AccessRequirements, Identifier, PersonName};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::records::NewPerson;
use serde_json::{json, Value};

use crate::fake_slack::{FakeSlack, Scripted, BOT_USER_ID};
use crate::helpers::slack_values as v;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);
const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";
/// A full member of the workspace enrolled in no function.
const NOBODY: &str = "U0NOROLE";
/// A multi-channel guest (`is_restricted`).
const GUEST: &str = "U0GUEST";
/// A single-channel guest (`is_ultra_restricted`).
const SINGLE_CHANNEL_GUEST: &str = "U0SCGUEST";
/// A deactivated account.
const LEFT: &str = "U0LEFT";
const JANE_PHONE: &str = "07700 900123";
const JOHN_PHONE: &str = "07700 900456";

/// Casework (head, manager, member) and Jane Doe and John Roe on record.
async fn casework(app: &TestApp) -> (i64, i64) {
    let store = &app.store;
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    store
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
    let person = |name: &str, phone: &str| NewPerson {
        name: PersonName::parse(name).expect("name"),
        identifiers: vec![Identifier::phone(phone).expect("phone")],
        access: AccessRequirements::default(),
    };
    let jane = store
        .create_person(&person("Jane Doe", JANE_PHONE), &actor, Utc::now())
        .await
        .expect("jane");
    let john = store
        .create_person(&person("John Roe", JOHN_PHONE), &actor, Utc::now())
        .await
        .expect("john");
    (jane, john)
}

fn seed_outsiders(slack: &FakeSlack) {
    let mut guest = FakeSlack::user_json(GUEST, "Gus Guest");
    guest["is_restricted"] = json!(true);
    slack.seed_user_json(guest);
    let mut single = FakeSlack::user_json(SINGLE_CHANNEL_GUEST, "Sue Single");
    single["is_restricted"] = json!(true);
    single["is_ultra_restricted"] = json!(true);
    slack.seed_user_json(single);
    let mut left = FakeSlack::user_json(LEFT, "Lee Left");
    left["deleted"] = json!(true);
    slack.seed_user_json(left);
}

/// What the register holds that a request could change: audit trail and outbox.
async fn recorded(app: &TestApp) -> (usize, usize) {
    (
        app.store.all_audit_events().await.expect("audit").len(),
        app.store.outbox_messages().await.expect("outbox").len(),
    )
}

async fn command_text(app: &TestApp, user: &str, text: &str) -> String {
    let response = app.slash_command(user, text).await;
    assert_eq!(response.status(), 200, "{text}");
    response.text().await.expect("body")
}

/// A report as a member of staff would file it about Jane.
fn report_values(jane: i64) -> Value {
    state_values(&[
        ("person", v::external(&format!("p:{jane}"))),
        ("category", v::select("aggressive_abusive")),
        ("kinds", v::multi(&["rudeness"])),
        ("channel", v::select("phone")),
        ("occurred_at", v::date_time(Utc::now().timestamp() - 3600)),
        ("description", v::text("Shouted at staff")),
    ])
}

async fn r_dp_3_guests_bots_and_departed_accounts_are_told_the_bot_is_not_available(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend, "r_dp_3_outsiders").await else {
        return;
    };
    seed_outsiders(&app.slack);
    let (jane, _) = casework(&app).await;
    // A report form, as a member of staff opened it (a guest never gets one).
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let form = app.opened_modal(0).await;
    let before = recorded(&app).await;

    for outsider in [GUEST, SINGLE_CHANNEL_GUEST, BOT_USER_ID, LEFT] {
        for text in [
            "report",
            "check Jane",
            "check 07700 900123",
            "access Jane",
            "help",
        ] {
            let shown = command_text(&app, outsider, text).await;
            assert!(
                shown.contains("not available to you"),
                "{outsider} {text}: {shown}"
            );
            assert!(!shown.contains("Jane"), "{outsider} {text}: {shown}");
        }
        let options = app.person_options(outsider, "Jane").await;
        assert_eq!(options, json!({ "options": [] }), "{outsider}");

        let answer: Value = app
            .submit_modal(outsider, &form, report_values(jane))
            .await
            .json()
            .await
            .expect("inline errors");
        assert_eq!(answer["response_action"], "errors", "{answer}");
        assert!(
            answer.to_string().contains("not available to you"),
            "{outsider}: {answer}"
        );

        let url = app.slack.response_url(&format!("button-{outsider}"));
        assert_eq!(
            app.click(outsider, "check_person", &jane.to_string(), &url)
                .await
                .status(),
            200
        );
        let replies = app
            .slack
            .wait_for_calls(&format!("response_url:button-{outsider}"), 1, WAIT)
            .await;
        let reply = replies[0].body.to_string();
        assert!(
            reply.contains("not available to you"),
            "{outsider}: {reply}"
        );
        assert!(!reply.contains("Jane"), "{outsider}: {reply}");
    }
    assert_eq!(recorded(&app).await, before, "something was recorded");
    assert_eq!(app.slack.calls_to("views.open").len(), 1, "a form opened");
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_3_someone_slack_does_not_know_is_not_staff(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_3_unknown").await else {
        return;
    };
    casework(&app).await;
    let shown = command_text(&app, "U0STRANGER", "check Jane").await;
    assert!(shown.contains("not available to you"), "{shown}");
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_3_with_staff_enrolled_a_full_member_in_no_function_is_refused(backend: Backend) {
    let Some(app) = spawn_app_configured(backend, "r_dp_3_enrolled", |config| {
        config.staff = StaffScope::Enrolled;
    })
    .await
    else {
        return;
    };
    casework(&app).await;
    let before = recorded(&app).await;
    let shown = command_text(&app, NOBODY, "check Jane").await;
    assert!(
        shown.contains("enrolled in a function") && shown.contains("admin"),
        "{shown}"
    );
    assert!(!shown.contains("Jane Doe"), "{shown}");
    assert_eq!(
        app.person_options(NOBODY, "Jane").await,
        json!({ "options": [] })
    );
    assert_eq!(recorded(&app).await, before, "something was recorded");
    // An enrolled member of staff is served as ever.
    let shown = command_text(&app, STAFF, "check Jane").await;
    assert!(shown.contains("Jane Doe"), "{shown}");
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_3_every_full_member_is_staff_by_default(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_3_members").await else {
        return;
    };
    casework(&app).await;
    let shown = command_text(&app, NOBODY, "check Jane").await;
    assert!(shown.contains("Jane Doe"), "{shown}");
    app.stop().await.expect("stops cleanly");
}

/// Slack's 3 seconds: a member of staff Slack vouched for is served from memory, and one
/// Slack is slow about is answered in time (enrolled staff let through, others asked to
/// try again).
async fn r_dp_3_a_slow_slack_does_not_hold_up_the_answer(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_3_slow_slack").await else {
        return;
    };
    casework(&app).await;
    for user in [STAFF, NOBODY] {
        app.slack
            .push_user_info_response(user, Scripted::Delay(Duration::from_millis(1200)));
    }
    let started = std::time::Instant::now();
    let shown = command_text(&app, STAFF, "check Jane").await;
    assert!(
        shown.contains("Jane Doe"),
        "enrolled staff let through: {shown}"
    );
    let shown = command_text(&app, NOBODY, "check Jane").await;
    assert!(
        shown.contains("did not confirm") && shown.contains("try again"),
        "{shown}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    // Once Slack has answered, they are known: no further lookup, however slow Slack is.
    app.slack.wait_for_calls("users.info", 2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let lookups = app.slack.calls_to("users.info").len();
    let shown = command_text(&app, NOBODY, "check Jane").await;
    assert!(shown.contains("Jane Doe"), "{shown}");
    assert_eq!(app.slack.calls_to("users.info").len(), lookups);
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_3_a_member_of_staff_cannot_open_access_and_is_told_who_may(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_3_access_staff").await else {
        return;
    };
    let (jane, _) = casework(&app).await;
    let before = recorded(&app).await;
    let shown = command_text(&app, STAFF, "access Jane").await;
    assert!(
        shown.contains("Only a manager, head or deputy") && shown.contains("Ask your manager"),
        "{shown}"
    );
    assert!(!shown.contains("Jane Doe"), "{shown}");
    // Nor through the button.
    let url = app.slack.response_url("access-button");
    assert_eq!(
        app.click(STAFF, "access_person", &jane.to_string(), &url)
            .await
            .status(),
        200
    );
    let replies = app
        .slack
        .wait_for_calls("response_url:access-button", 1, WAIT)
        .await;
    assert!(
        replies[0]
            .body
            .to_string()
            .contains("Only a manager, head or deputy"),
        "{:?}",
        replies[0].body
    );
    // Nor by submitting a form a manager opened.
    assert_eq!(
        app.slash_command(MANAGER, "access Jane").await.status(),
        200
    );
    let form = app.opened_modal(0).await;
    assert_eq!(form["callback_id"], "access");
    let answer: Value = app
        .submit_modal(
            STAFF,
            &form,
            state_values(&[("access_needs", v::text("Speak slowly"))]),
        )
        .await
        .json()
        .await
        .expect("inline errors");
    assert!(
        answer
            .to_string()
            .contains("Only a manager, head or deputy"),
        "{answer}"
    );
    // Only the answer to the button went out; nothing was changed.
    assert_eq!(recorded(&app).await.0, before.0, "something was recorded");
    let jane_now = app.store.person(jane).await.expect("read").expect("jane");
    assert!(jane_now.access.communication_needs.is_empty());
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_3_a_manager_adding_another_persons_phone_is_asked_different_person(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_3_access_clash").await else {
        return;
    };
    let (jane, john) = casework(&app).await;
    assert_eq!(
        app.slash_command(MANAGER, "access Jane").await.status(),
        200
    );
    let form = app.opened_modal(0).await;
    assert_eq!(form["callback_id"], "access");
    assert!(
        form.to_string().contains("different_person"),
        "the form asks the question"
    );
    let before = recorded(&app).await;
    // John's number, typed otherwise.
    let values = state_values(&[
        ("new_phone", v::text("+44 7700 900456")),
        ("different_person", v::checkboxes(&[])),
    ]);
    let answer: Value = app
        .submit_modal(MANAGER, &form, values)
        .await
        .json()
        .await
        .expect("inline errors");
    let error = answer["errors"]["new_phone"].as_str().unwrap_or_default();
    assert!(
        error.contains("Someone else on record already has this phone number")
            && error.contains("different person"),
        "{answer}"
    );
    assert_eq!(recorded(&app).await, before, "something was recorded");
    let holders = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let mut ids: Vec<i64> = store
                .find_people(
                    "",
                    &contact_policy_bot::domain::person::normalize_query(JOHN_PHONE),
                    5,
                )
                .await
                .expect("find")
                .iter()
                .map(|p| p.id)
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    assert_eq!(holders(&app).await, [john]);
    // Confirmed as a different person, it is added to Jane as well.
    let values = state_values(&[
        ("new_phone", v::text("+44 7700 900456")),
        ("different_person", v::checkboxes(&["yes"])),
    ]);
    assert_eq!(app.submit_modal(MANAGER, &form, values).await.status(), 200);
    let mut both = vec![jane, john];
    both.sort_unstable();
    assert_eq!(
        holders(&app).await,
        both,
        "two people share it; none merged"
    );
    app.stop().await.expect("stops cleanly");
}

/// Issue 9 (R-DP-3): App Home is staff-only too. A guest opening the bot's Home tab sees
/// only why the register is not available; a member of staff sees their to-do list.
async fn i9_dp3_a_guest_opening_app_home_sees_only_that_it_is_not_available(backend: Backend) {
    let Some(app) = spawn_app(backend, "i9_home_guest").await else {
        return;
    };
    seed_outsiders(&app.slack);
    casework(&app).await;
    app.post_event(&app_home_opened("Ev0GUESTHOME", GUEST, TEAM_ID))
        .await;
    app.post_event(&app_home_opened("Ev0STAFFHOME", MANAGER, TEAM_ID))
        .await;
    let published = app.slack.wait_for_calls("views.publish", 2, WAIT).await;
    let to = |user: &str| {
        published
            .iter()
            .find(|c| c.body["user_id"] == user)
            .map(|c| c.body["view"].to_string())
            .unwrap_or_else(|| panic!("no Home published for {user}: {published:?}"))
    };
    let guest = to(GUEST);
    assert!(guest.contains("not available to you"), "{guest}");
    assert!(
        !guest.contains("Casework") && !guest.contains("Nothing is waiting"),
        "{guest}"
    );
    let manager = to(MANAGER);
    assert!(manager.contains("Manager of *Casework*"), "{manager}");
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    i9_dp3_a_guest_opening_app_home_sees_only_that_it_is_not_available,
    r_dp_3_guests_bots_and_departed_accounts_are_told_the_bot_is_not_available,
    r_dp_3_someone_slack_does_not_know_is_not_staff,
    r_dp_3_with_staff_enrolled_a_full_member_in_no_function_is_refused,
    r_dp_3_every_full_member_is_staff_by_default,
    r_dp_3_a_slow_slack_does_not_hold_up_the_answer,
    r_dp_3_a_member_of_staff_cannot_open_access_and_is_told_who_may,
    r_dp_3_a_manager_adding_another_persons_phone_is_asked_different_person,
);
