//! Every surface at its maxima against the strict fake Slack (issue 8, item 3): each modal,
//! message kind, App Home, reminder, slash-command reply and the options endpoint, filled with
//! the longest inputs each form accepts, the most items each list can hold and 100-character
//! names. Each test ends by asserting that the fake refused nothing; a refusal lists the
//! method and Slack's own error with the JSON pointer of the field over its limit.
//!
//! SQLite only: the surfaces do not depend on the backend, and these walks are long.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use contact_policy_bot::clock::ManualClock;
use contact_policy_bot::domain::incident::{BehaviourKind, Category, Channel, IncidentReport};
use contact_policy_bot::domain::measures::{ContactMethod, ContactMode, ContactWindow, Measure};
use contact_policy_bot::domain::person::{
    AccessRequirements, Identifier, Language, PersonName, PreferredFormat,
};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::records::{NewIncident, NewPerson, PersonChoice};
use serde_json::{json, Map, Value};

use crate::fake_slack::FakeSlack;
use crate::helpers::slack_values as v;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(10);
const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";
const DEPUTY: &str = "U0DEPUTY";
const NOBODY: &str = "U0NOROLE";

/// The longest function name the bot accepts.
const FUNCTION_CHARS: usize = 80;
/// Names in these tests are 100 characters long.
const NAME_CHARS: usize = 100;

/// Text of exactly `n` characters, with a few two-byte ones so bytes and characters differ.
fn long_text(n: usize) -> String {
    "Shouted abuse at staff é, rang again — "
        .chars()
        .cycle()
        .take(n)
        .collect()
}

/// A 100-character person name that begins with `first` (letters and spaces only).
fn long_name(first: &str) -> String {
    let filler = " Montgomery Featherstonehaugh Abernathy";
    let name: String = first
        .chars()
        .chain(filler.chars().cycle())
        .take(NAME_CHARS - 1)
        .collect();
    // End on a letter, so trimming never shortens it.
    format!("{name}x")
}

fn function_name() -> FunctionName {
    let name: String = "Casework and Complaints Resolution Service "
        .chars()
        .cycle()
        .take(FUNCTION_CHARS)
        .collect();
    FunctionName::parse(name.trim_end()).expect("function name at its maximum")
}

/// A function with a head, a deputy, a manager and staff; returns its id.
async fn org(app: &TestApp, at: DateTime<Utc>) -> i64 {
    let actor = Actor::cli("limits");
    let name = function_name();
    let id = app
        .store
        .add_function(&name, &actor, at)
        .await
        .expect("function");
    for (user, role) in [
        (HEAD, Role::Head),
        (DEPUTY, Role::Deputy),
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

/// A person with a 100-character name, every identifier and every access requirement.
async fn person(app: &TestApp, first: &str, n: u32, at: DateTime<Utc>) -> i64 {
    let person = NewPerson {
        name: PersonName::parse(&long_name(first)).expect("100-character name"),
        identifiers: vec![
            Identifier::phone(&format!("07700 9{n:05}")).expect("phone"),
            Identifier::email(&format!(
                "{}{n}@example-domain-for-long-addresses.org",
                "a".repeat(40)
            ))
            .expect("email"),
            Identifier::case_ref(&format!("{}{n:04}", "C".repeat(60))).expect("case ref"),
        ],
        access: AccessRequirements {
            format: PreferredFormat::LargePrint,
            language: Language::Cy,
            communication_needs: long_text(500),
        },
    };
    app.store
        .create_person(&person, &Actor::cli("limits"), at)
        .await
        .expect("person")
}

/// Records an incident with the longest description the form accepts.
async fn incident(
    app: &TestApp,
    person: i64,
    function: i64,
    kind: BehaviourKind,
    at: DateTime<Utc>,
) -> i64 {
    let category = Category::ALL
        .iter()
        .copied()
        .find(|c| c.kinds().contains(&kind))
        .expect("a category for the kind");
    let report = IncidentReport {
        category,
        kinds: vec![kind],
        channel: Channel::Phone,
        occurred_at: at - chrono::Duration::hours(1),
        description: long_text(3000),
        impact_staff_minutes: Some(100_000),
        impact_contacts: Some(100_000),
        impact_note: long_text(500),
        threat_of_violence: None,
    }
    .validate(at)
    .expect("valid incident");
    let new = NewIncident {
        person: PersonChoice::Existing(person),
        function_id: function,
        incident: report,
    };
    crate::helpers::seed::incident(&*app.store, STAFF, &new, at)
        .await
        .id
}

/// Every measure, each with the most it can hold.
fn every_measure() -> Vec<Measure> {
    let windows = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .flat_map(|weekday| {
        [(9, 10), (11, 12), (14, 15), (16, 17)].map(|(start, end)| ContactWindow {
            weekday,
            start: NaiveTime::from_hms_opt(start, 0, 0).expect("time"),
            end: NaiveTime::from_hms_opt(end, 30, 0).expect("time"),
        })
    })
    .collect();
    vec![
        Measure::TimeLimitedContact {
            mode: ContactMode::Phone,
            windows,
            max_minutes: Some(600),
        },
        Measure::SingleContactMethod {
            method: ContactMethod::Email,
        },
        Measure::SinglePointOfContact {
            staff: UserId::from_slack(MANAGER),
        },
        Measure::CallsRecorded,
        Measure::ReadAndFile,
        Measure::RefuseReopen {
            case_reference: "R".repeat(64),
        },
        Measure::BlockContact {
            identifiers: (0..50)
                .map(|n| format!("{}{n:03}@blocked-example.org", "b".repeat(40)))
                .collect(),
        },
        Measure::Other {
            description: long_text(1000),
        },
    ]
}

/// Fields whose longest answer is not the longest text: identifiers must parse.
fn identifier_answers() -> Vec<(&'static str, Value)> {
    let email = format!("{}@example-domain.org", "j".repeat(50));
    vec![
        ("new_phone", v::text("07700 900123")),
        ("phone", v::text("07700 900123")),
        ("new_email", v::text(&email)),
        ("email", v::text(&email)),
        ("new_case_ref", v::text(&"K".repeat(64))),
        ("case_ref", v::text(&"K".repeat(64))),
        ("different_person", v::checkboxes(&[])),
    ]
}

/// Fills every input of `modal` with the longest or fullest answer it takes, except the
/// fields in `overrides` (block id → element value) and identifiers, which must parse.
fn fill(modal: &Value, overrides: &[(&str, Value)]) -> Value {
    let mut overrides = overrides.to_vec();
    overrides.extend(identifier_answers());
    let mut values = Map::new();
    for block in modal["blocks"].as_array().into_iter().flatten() {
        if block["type"] != "input" {
            continue;
        }
        let Some(block_id) = block["block_id"].as_str() else {
            continue;
        };
        let element = &block["element"];
        let action_id = element["action_id"].as_str().unwrap_or(block_id);
        let value = match overrides.iter().find(|(id, _)| *id == block_id) {
            Some((_, value)) => Some(value.clone()),
            None => fullest(element),
        };
        if let Some(value) = value {
            values.insert(block_id.to_owned(), json!({ action_id: value }));
        }
    }
    Value::Object(values)
}

fn options_of(element: &Value) -> Vec<Value> {
    let mut options: Vec<Value> = element["options"].as_array().cloned().unwrap_or_default();
    for group in element["option_groups"].as_array().into_iter().flatten() {
        options.extend(group["options"].as_array().cloned().unwrap_or_default());
    }
    options
}

fn fullest(element: &Value) -> Option<Value> {
    let kind = element["type"].as_str()?;
    let options = options_of(element);
    let today = Utc::now().date_naive();
    Some(match kind {
        "plain_text_input" => {
            let max = element["max_length"].as_u64().unwrap_or(3000);
            json!({ "type": kind, "value": long_text(usize::try_from(max).expect("fits")) })
        }
        "number_input" => v::number("1"),
        "static_select" | "radio_buttons" => {
            let chosen = element
                .get("initial_option")
                .filter(|o| o.is_object())
                .cloned()
                .or_else(|| options.first().cloned())?;
            json!({ "type": kind, "selected_option": chosen })
        }
        "multi_static_select" | "checkboxes" => {
            json!({ "type": kind, "selected_options": options })
        }
        "datepicker" => {
            let day = element["initial_date"].as_str().map_or_else(
                || (today + chrono::Duration::days(30)).to_string(),
                str::to_owned,
            );
            v::date(&day)
        }
        "datetimepicker" => v::date_time(Utc::now().timestamp() - 3600),
        _ => return None,
    })
}

/// Submits `modal` and asserts the bot accepted it (closed it or moved on).
async fn submit_ok(app: &TestApp, user: &str, modal: &Value, values: Value) -> String {
    let answer = app.submit_modal(user, modal, values).await;
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.expect("body");
    assert!(
        !body.contains("\"errors\""),
        "{} refused the longest inputs it offers: {body}",
        modal["callback_id"]
    );
    body
}

/// Opens a modal with a slash command (or click) already sent, and returns it.
async fn modal_named(app: &TestApp, callback_id: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(view) = app
            .slack
            .calls_to("views.open")
            .into_iter()
            .chain(app.slack.calls_to("views.push"))
            .rev()
            .map(|c| c.body["view"].clone())
            .find(|view| view["callback_id"] == callback_id)
        {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "no {callback_id} modal opened; calls:\n{:#?}",
            app.slack
                .calls()
                .iter()
                .map(|c| c.method.clone())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The latest modal opened with `callback_id`, as Slack answered it (with the id and hash a
/// choice inside it carries).
async fn answered_view_named(app: &TestApp, callback_id: &str) -> Value {
    modal_named(app, callback_id).await;
    app.slack
        .calls_to("views.open")
        .into_iter()
        .chain(app.slack.calls_to("views.push"))
        .rev()
        .filter_map(|c| c.response.map(|r| r["view"].clone()))
        .find(|view| view["callback_id"] == callback_id)
        .expect("answered view")
}

/// Makes the choice in `field` that shows the most fields (every option ticked, or the
/// given value) and returns the form the bot rebuilt.
async fn choose_fullest(
    app: &TestApp,
    user: &str,
    view: &Value,
    field: &str,
    value: Value,
) -> Value {
    let values = json!({ field: { field: value } });
    app.choose_in_view(user, view, values, field)
        .await
        .unwrap_or_else(|| panic!("choosing in {field} showed no more fields"))
}

/// Waits until the outbox has gone quiet: no new call to the fake for half a second.
async fn settle(slack: &FakeSlack) {
    let deadline = Instant::now() + WAIT;
    let mut seen = slack.calls().len();
    let mut quiet_since = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = slack.calls().len();
        if now != seen {
            seen = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > Duration::from_millis(500) {
            return;
        }
    }
}

/// The value of the first button with `action_id` in any message or reply so far.
fn button_value(slack: &FakeSlack, action_id: &str) -> Option<String> {
    slack
        .calls()
        .iter()
        .rev()
        .find_map(|call| find_button(&call.body, action_id))
}

fn find_button(value: &Value, action_id: &str) -> Option<String> {
    match value {
        Value::Object(map) => {
            if map.get("action_id").and_then(Value::as_str) == Some(action_id) {
                if let Some(value) = map.get("value").and_then(Value::as_str) {
                    return Some(value.to_owned());
                }
            }
            map.values().find_map(|v| find_button(v, action_id))
        }
        Value::Array(items) => items.iter().find_map(|v| find_button(v, action_id)),
        Value::String(text) if text.starts_with('[') || text.starts_with('{') => {
            serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| find_button(&v, action_id))
        }
        _ => None,
    }
}

/// Ends a walk: the outbox is drained, and the fake refused nothing.
async fn assert_slack_accepted_everything(app: TestApp) {
    settle(&app.slack).await;
    app.slack.assert_no_refusals();
    app.stop().await.expect("stops cleanly");
}

async fn app(test: &str) -> TestApp {
    let app = spawn_app(Backend::Sqlite, test).await.expect("sqlite app");
    // The point of contact every measure names, with a 100-character full name.
    app.slack.seed_user(MANAGER, &long_name("Sam"));
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rpt_1_report_modal_and_its_dms_at_maxima() {
    let app = app("limits_report").await;
    org(&app, Utc::now()).await;
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let opened = answered_view_named(&app, "report").await;
    // The new person's fields appear once “New person: …” is chosen.
    let new_person = v::external(&format!("new:{}", long_name("Jane")));
    let modal = choose_fullest(&app, STAFF, &opened, "person", new_person.clone()).await;
    // …and the threat question once threats are among the kinds (R-RPT-3, §4).
    let kinds = v::multi(&["threats", "verbal_abuse", "rudeness", "physical_violence"]);
    let chosen = state_values(&[("person", new_person), ("kinds", kinds.clone())]);
    let modal = app
        .choose_in_view(STAFF, &modal, chosen, "kinds")
        .await
        .expect("choosing threats shows the threat question");
    let values = fill(
        &modal,
        &[
            ("person", v::external(&format!("new:{}", long_name("Jane")))),
            ("new_phone", v::text("07700 900123")),
            (
                "new_email",
                v::text(&format!("{}@example-domain.org", "j".repeat(50))),
            ),
            ("new_case_ref", v::text(&"K".repeat(64))),
            ("different_person", v::checkboxes(&[])),
            ("category", v::select("aggressive_abusive")),
            ("kinds", kinds),
            ("threat_of_violence", v::radio("yes")),
            ("impact_staff_minutes", v::number("100000")),
            ("impact_contacts", v::number("100000")),
        ],
    );
    submit_ok(&app, STAFF, &modal, values).await;
    app.slack.wait_for_calls("chat.postMessage", 2, WAIT).await;
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rpt_2_call_ended_modal_and_dm_at_maxima() {
    let app = app("limits_call_ended").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    incident(&app, jane, function, BehaviourKind::VerbalAbuse, now).await;
    assert_eq!(app.slash_command(STAFF, "call-ended").await.status(), 200);
    let modal = modal_named(&app, "call_ended").await;
    let values = fill(&modal, &[("person", v::external(&format!("p:{jane}")))]);
    submit_ok(&app, STAFF, &modal, values).await;
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rpt_3_open_with_sixty_outstanding_police_reports_and_the_police_report_modal() {
    let app = app("limits_open").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    for n in 0..60 {
        let someone = person(&app, "Jane", n, now).await;
        incident(
            &app,
            someone,
            function,
            BehaviourKind::PhysicalViolence,
            now,
        )
        .await;
    }
    // The modal first: a refused list would end the walk before it.
    let incident_id = "1".to_owned();
    app.click(
        MANAGER,
        "record_police_report",
        &incident_id,
        &app.slack.response_url("police"),
    )
    .await;
    let modal = modal_named(&app, "police_report").await;
    let values = fill(
        &modal,
        &[("reported_on", v::date(&now.date_naive().to_string()))],
    );
    submit_ok(&app, MANAGER, &modal, values).await;
    // 59 still outstanding, after the one just recorded.
    assert_eq!(app.slash_command(MANAGER, "open").await.status(), 200);
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rpt_4_and_r_rpt_5_check_and_breach_with_every_measure_in_force() {
    let app = app("limits_breach").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    incident(&app, jane, function, BehaviourKind::VerbalAbuse, now).await;
    let today = now.date_naive();
    let restriction = insert_restriction(
        app.db.url(),
        jane,
        function,
        &every_measure(),
        today - chrono::Duration::days(1),
        None,
    )
    .await;
    assert_eq!(
        app.slash_command(STAFF, "check 07700 900001")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.slash_command(STAFF, "breach 07700 900001")
            .await
            .status(),
        200
    );
    let modal = modal_named(&app, "breach").await;
    let values = fill(
        &modal,
        &[("restriction", v::select(&restriction.to_string()))],
    );
    submit_ok(&app, STAFF, &modal, values).await;
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rpt_6_history_pages_with_newer_and_older_at_maxima() {
    let app = app("limits_history").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    for _ in 0..25 {
        incident(&app, jane, function, BehaviourKind::VerbalAbuse, now).await;
    }
    // The middle page has both Newer and Older (clicked first: a refused first page would
    // end the walk before it).
    app.click(
        MANAGER,
        "history_person",
        &format!("{jane}:10"),
        &app.slack.response_url("page2"),
    )
    .await;
    app.slack
        .wait_for_calls("response_url:page2", 1, WAIT)
        .await;
    assert_eq!(
        app.slash_command(MANAGER, "history 07700 900001")
            .await
            .status(),
        200
    );
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rpt_5_choose_from_lists_when_twelve_people_share_a_name() {
    let app = app("limits_twelve").await;
    let now = Utc::now();
    org(&app, now).await;
    for n in 0..12 {
        person(&app, "Jane", n, now).await;
    }
    let name = long_name("Jane");
    for command in [
        "check", "history", "breach", "warn", "restrict", "foi", "access",
    ] {
        let reply = app
            .slash_command(MANAGER, &format!("{command} {name}"))
            .await;
        assert_eq!(reply.status(), 200, "{command}");
    }
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_dp_4_and_r_rec_1_foi_and_access_modals_at_maxima() {
    let app = app("limits_foi_access").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    incident(&app, jane, function, BehaviourKind::VerbalAbuse, now).await;
    assert_eq!(
        app.slash_command(MANAGER, "foi 07700 900001")
            .await
            .status(),
        200
    );
    let modal = modal_named(&app, "foi").await;
    submit_ok(&app, MANAGER, &modal, fill(&modal, &[])).await;
    assert_eq!(
        app.slash_command(MANAGER, "access 07700 900001")
            .await
            .status(),
        200
    );
    let modal = modal_named(&app, "access").await;
    submit_ok(&app, MANAGER, &modal, fill(&modal, &[])).await;
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_and_unknown_subcommand_replies_fit() {
    let app = app("limits_help").await;
    org(&app, Utc::now()).await;
    for (user, text) in [
        (STAFF, "help"),
        (MANAGER, "help"),
        (HEAD, "help"),
        (NOBODY, "help"),
        (STAFF, &*long_text(3000)),
    ] {
        assert_eq!(app.slash_command(user, text).await.status(), 200);
    }
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rec_1_person_options_at_maxima() {
    let app = app("limits_options").await;
    let now = Utc::now();
    org(&app, now).await;
    for n in 0..120 {
        person(&app, "Jane", n, now).await;
    }
    // The helper checks every answer as Slack would (≤100 options, text ≤75, value ≤150).
    app.person_options(STAFF, "Jane").await;
    app.person_options(STAFF, &long_name("Jane")).await;
    app.person_options(STAFF, &long_name("Newcomer")).await;
    assert_slack_accepted_everything(app).await;
}

/// A request with the longest texts the restrict form takes, every measure and many
/// incidents, created through the modal; returns the request's pending id.
async fn restrict_at_maxima(app: &TestApp, jane: i64, function: i64) -> i64 {
    assert_eq!(
        app.slash_command(MANAGER, "restrict 07700 900001")
            .await
            .status(),
        200
    );
    let opened = answered_view_named(app, "restrict").await;
    // Every measure ticked: each one's fields appear.
    let measures = opened["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .find(|b| b["block_id"] == "measures")
        .expect("measures")
        .clone();
    let every = fullest(&measures["element"]).expect("measures options");
    let modal = choose_fullest(app, MANAGER, &opened, "measures", every).await;
    let windows = "Mon 09:00-10:30, Mon 11:00-12:30, Tue 09:00-10:30, Tue 14:00-15:30, \
                   Wed 09:00-10:30, Thu 09:00-10:30, Fri 09:00-10:30";
    let blocked: Vec<String> = (0..30).map(|n| format!("07700 9{n:05}")).collect();
    let values = fill(
        &modal,
        &[
            ("contact_mode", v::radio("phone")),
            ("windows", v::text(windows)),
            ("contact_method", v::select("email")),
            ("max_minutes", v::number("600")),
            (
                "spoc",
                json!({ "type": "users_select", "selected_user": MANAGER }),
            ),
            ("case_reference", v::text(&"R".repeat(64))),
            ("identifiers", v::text(&blocked.join("\n"))),
            ("internal_review", v::radio("yes")),
            (
                "no_warning_reason",
                v::select("violence_used_or_threatened"),
            ),
            (
                "first_review_on",
                v::date(&(Utc::now().date_naive() + chrono::Duration::days(180)).to_string()),
            ),
            ("ends_on", v::empty("datepicker")),
            // The form takes 3,000 characters; the policy allows 1,000 (said inline).
            ("other_description", v::text(&long_text(1000))),
        ],
    );
    submit_ok(app, MANAGER, &modal, values).await;
    app.store
        .pending_request_for(jane, function)
        .await
        .expect("pending")
        .expect("the request at its maxima is recorded")
}

fn decision_payload(app: &TestApp, user: &str, action: &str, request: i64) -> Value {
    use contact_policy_bot::domain::restriction::Criterion;
    let options: Vec<Value> = Criterion::ALL
        .iter()
        .map(|c| json!({ "text": { "type": "plain_text", "text": c.as_str() }, "value": c.as_str() }))
        .collect();
    json!({
        "type": "block_actions",
        "team": { "id": TEAM_ID, "domain": "testteam" },
        "user": { "id": user, "username": "u", "name": "u", "team_id": TEAM_ID },
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": format!("D{user}"), "is_ephemeral": false },
        "trigger_id": app.slack.new_trigger(),
        "channel": { "id": format!("D{user}"), "name": "directmessage" },
        "response_url": app.slack.response_url(action),
        "state": { "values": { format!("criteria:{request}"): { "criteria": { "type": "checkboxes", "selected_options": options } } } },
        "actions": [{ "type": "button", "action_id": action, "block_id": "decide", "value": request.to_string(),
                      "text": { "type": "plain_text", "text": "x" }, "action_ts": "1700000000.000200" }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_res_warn_letter_restrict_approval_reject_and_settled_at_maxima() {
    let app = app("limits_restrict").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    // More incidents than the restrict modal can list.
    for _ in 0..120 {
        incident(&app, jane, function, BehaviourKind::VerbalAbuse, now).await;
    }
    // The warning, its letter-ready DM and the "letter sent" modal.
    assert_eq!(
        app.slash_command(MANAGER, "warn 07700 900001")
            .await
            .status(),
        200
    );
    let modal = modal_named(&app, "warn").await;
    let adapt = (now.date_naive() + chrono::Duration::days(28)).to_string();
    submit_ok(
        &app,
        MANAGER,
        &modal,
        // The form takes 3,000 characters; the policy allows 2,000 (said inline).
        fill(
            &modal,
            &[
                ("adapt_until", v::date(&adapt)),
                ("behaviour", v::text(&long_text(2000))),
            ],
        ),
    )
    .await;
    app.slack
        .wait_for_calls("files.completeUploadExternal", 1, WAIT)
        .await;
    settle(&app.slack).await;
    let letter = button_value(&app.slack, "mark_letter_sent").expect("a letter-ready DM");
    // As if drafted two days ago: a letter cannot be sent before it was drafted (issue 9,
    // finding 1).
    run_sql(
        app.db.url(),
        &format!(
            "UPDATE letters SET created_at = '{}' WHERE id = {letter}",
            (now - chrono::Duration::days(2)).to_rfc3339()
        ),
    )
    .await;
    app.click(
        MANAGER,
        "mark_letter_sent",
        &letter,
        &app.slack.response_url("sent"),
    )
    .await;
    let modal = modal_named(&app, "letter_sent").await;
    let values = fill(
        &modal,
        &[
            // Sent yesterday, so the incidents reported today continue after it (§6).
            (
                "sent_on",
                v::date(&(now.date_naive() - chrono::Duration::days(1)).to_string()),
            ),
            ("method", v::radio("post")),
        ],
    );
    submit_ok(&app, MANAGER, &modal, values).await;
    // The chance to adapt has run, so the head may decide today.
    run_sql(
        app.db.url(),
        &format!(
            "UPDATE warnings SET adapt_until = '{}' WHERE service_user_id = {jane}",
            now.date_naive()
        ),
    )
    .await;

    // The request, its approval message to head and deputy, a rejection modal…
    let request = restrict_at_maxima(&app, jane, function).await;
    settle(&app.slack).await;
    let reject = decision_payload(&app, HEAD, "reject_request", request);
    assert_eq!(app.post_interaction(&reject).await.status(), 200);
    let modal = modal_named(&app, "reject").await;
    // …closed without submitting, then the head approves: every copy is settled.
    let approve = decision_payload(&app, HEAD, "approve_request", request);
    assert_eq!(app.post_interaction(&approve).await.status(), 200);
    let _ = modal;
    app.slack
        .wait_for_calls("response_url:approve_request", 1, WAIT)
        .await;
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_res_reject_modal_at_maxima() {
    let app = app("limits_reject").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    incident(&app, jane, function, BehaviourKind::PhysicalViolence, now).await;
    let request = restrict_at_maxima(&app, jane, function).await;
    let reject = decision_payload(&app, HEAD, "reject_request", request);
    assert_eq!(app.post_interaction(&reject).await.status(), 200);
    let modal = modal_named(&app, "reject").await;
    // The form takes 3,000 characters; the policy allows 2,000 (said inline).
    let values = fill(&modal, &[("reason", v::text(&long_text(2000)))]);
    submit_ok(&app, HEAD, &modal, values).await;
    assert_slack_accepted_everything(app).await;
}

/// Issue 9, finding 11: withdrawing needs a reason; the withdraw modal, the settled
/// approval copies and the requester's answer fit Slack at the longest reason allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i9_f11_withdraw_modal_and_settled_copies_at_maxima() {
    use contact_policy_bot::domain::restriction::MAX_REASON_CHARS;
    let app = app("limits_withdraw").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    incident(&app, jane, function, BehaviourKind::PhysicalViolence, now).await;
    let request = restrict_at_maxima(&app, jane, function).await;
    settle(&app.slack).await;
    let withdraw = button_value(&app.slack, "withdraw_request").expect("the requester's DM");
    assert_eq!(withdraw, request.to_string());
    app.click(
        MANAGER,
        "withdraw_request",
        &withdraw,
        &app.slack.response_url("withdraw"),
    )
    .await;
    let modal = modal_named(&app, "withdraw").await;
    let values = fill(&modal, &[("reason", v::text(&long_text(MAX_REASON_CHARS)))]);
    submit_ok(&app, MANAGER, &modal, values).await;
    let status = sql_texts(
        app.db.url(),
        &format!("SELECT status FROM restriction_requests WHERE id = {request}"),
    )
    .await;
    assert_eq!(status, ["withdrawn"]);
    settle(&app.slack).await;
    assert_slack_accepted_everything(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_dis_1_and_r_rev_1_dispute_resolve_and_review_at_maxima() {
    let app = app("limits_disputes").await;
    let now = Utc::now();
    let function = org(&app, now).await;
    let jane = person(&app, "Jane", 1, now).await;
    incident(&app, jane, function, BehaviourKind::VerbalAbuse, now).await;
    let today = now.date_naive();
    insert_restriction_reviewed(
        app.db.url(),
        jane,
        function,
        &every_measure(),
        today - chrono::Duration::days(30),
        None,
        today,
    )
    .await;
    // A complaints handler handles it (§7): the deputy decides restrictions, so may not.
    let complaints = UserId::from_slack("U0COMPLAINTS");
    app.store
        .add_complaints_handler(&complaints, &Actor::cli("test"), now)
        .await
        .expect("complaints handler");
    assert_eq!(
        app.slash_command(MANAGER, "dispute 07700 900001")
            .await
            .status(),
        200
    );
    let modal = modal_named(&app, "dispute").await;
    let values = fill(
        &modal,
        &[(
            "handler",
            json!({ "type": "users_select", "selected_user": complaints.as_str() }),
        )],
    );
    submit_ok(&app, MANAGER, &modal, values).await;
    settle(&app.slack).await;
    let dispute = button_value(&app.slack, "resolve_dispute").expect("a dispute DM to its handler");
    app.click(
        complaints.as_str(),
        "resolve_dispute",
        &dispute,
        &app.slack.response_url("resolve"),
    )
    .await;
    let modal = modal_named(&app, "resolve").await;
    submit_ok(&app, complaints.as_str(), &modal, fill(&modal, &[])).await;
    assert_eq!(
        app.slash_command(MANAGER, "review 07700 900001")
            .await
            .status(),
        200
    );
    let modal = modal_named(&app, "review").await;
    let next = (today + chrono::Duration::days(300)).to_string();
    let values = fill(&modal, &[("next_review_on", v::date(&next))]);
    submit_ok(&app, MANAGER, &modal, values).await;
    // Issue 9, finding 10: continuing goes to the head with every measure, the longest
    // reasons and the §6 checklist; the reject modal, then the authorisation, its settled
    // copies and the outcome letter.
    settle(&app.slack).await;
    let continuation = button_value(&app.slack, "authorise_continuation")
        .expect("an authorisation message to the head");
    app.click(
        HEAD,
        "reject_continuation",
        &continuation,
        &app.slack.response_url("reject_continuation"),
    )
    .await;
    modal_named(&app, "reject_continuation").await;
    let id: i64 = continuation.parse().expect("id");
    let mut payload = decision_payload(&app, HEAD, "authorise_continuation", id);
    payload["state"] = json!({ "values": { format!("continuation_criteria:{id}"): {
        "continuation_criteria": payload["state"]["values"][format!("criteria:{id}")]["criteria"].clone() } } });
    assert_eq!(app.post_interaction(&payload).await.status(), 200);
    settle(&app.slack).await;
    let said = app
        .slack
        .wait_for_calls("response_url:authorise_continuation", 1, WAIT)
        .await;
    assert!(
        said[0].body.to_string().contains("Authorised"),
        "{:?}",
        said[0].body
    );
    assert!(
        !app.slack.calls_to("chat.update").is_empty(),
        "the authorisation messages are settled"
    );
    assert_slack_accepted_everything(app).await;
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("valid time")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// App Home for every role and every reminder kind, with the most items each can list:
/// 60 reviews due, 60 overdue, 60 restrictions ending, 60 outstanding police reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_rem_1_every_reminder_kind_and_app_home_for_each_role_at_maxima() {
    // Requests asked on Thursday 5 November 2026; the sweeps on Monday 9 (the head is
    // nudged) and Wednesday 11 November (the deputy too).
    let asked = utc(2026, 11, 5, 15);
    let at = asked;
    let db = Arc::new(
        fresh_db(Backend::Sqlite, "limits_reminders")
            .await
            .expect("db"),
    );
    let slack = Arc::new(FakeSlack::start().await);
    let app = spawn_app_with(db, slack, Some(ManualClock::new(at))).await;
    let function = org(&app, at).await;
    let url = app.db.url().to_owned();
    let measures = every_measure();
    for n in 0..60 {
        let someone = person(&app, "Jane", n, at).await;
        incident(&app, someone, function, BehaviourKind::PhysicalViolence, at).await;
        let (starts, ends, review) = match n % 3 {
            0 => (date(2026, 1, 5), None, date(2026, 11, 16)),
            1 => (date(2025, 10, 1), None, date(2026, 10, 21)),
            _ => (
                date(2026, 2, 1),
                Some(date(2026, 11, 12)),
                date(2027, 1, 30),
            ),
        };
        let restriction =
            insert_restriction_reviewed(&url, someone, function, &measures, starts, ends, review)
                .await;
        waiting_request(&app, someone, function, asked).await;
        if n % 3 == 0 {
            waiting_continuation(&url, someone, function, restriction, asked).await;
        }
    }
    let clock = app.clock.clone().expect("clock");
    let scheduler = app.scheduler.clone().expect("scheduler");
    for day in [utc(2026, 11, 9, 9), utc(2026, 11, 11, 9)] {
        clock.set(day);
        scheduler.sweep_now().await.expect("sweep");
        settle(&app.slack).await;
    }
    for (n, user) in [STAFF, MANAGER, HEAD, DEPUTY, NOBODY].iter().enumerate() {
        app.post_event(&app_home_opened(&format!("EvHOME{n}"), user, TEAM_ID))
            .await;
    }
    app.slack.wait_for_calls("views.publish", 5, WAIT).await;
    let nudged = reminder_copies_of(&app, "authorise_continuation");
    assert_eq!(
        nudged.iter().filter(|c| *c == HEAD).count(),
        20,
        "every waiting proposal is nudged to the head at its longest: {nudged:?}"
    );
    assert_slack_accepted_everything(app).await;
}

/// A proposal to continue a restriction at review with the longest reasons the form
/// allows, waiting for the head (as the review flow leaves it; issue 9, findings 10, 12).
async fn waiting_continuation(
    url: &str,
    person: i64,
    function: i64,
    restriction: i64,
    asked: DateTime<Utc>,
) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
    let review: i64 = sqlx::query_scalar(
        "INSERT INTO reviews (reference, restriction_id, service_user_id, function_id, kind, created_by, created_at) \
         VALUES ($1, $2, $3, $4, 'annual', $5, $6) RETURNING id",
    )
    .bind(format!("REV-T{restriction}"))
    .bind(restriction)
    .bind(person)
    .bind(function)
    .bind(MANAGER)
    .bind(asked)
    .fetch_one(&mut conn)
    .await
    .expect("review");
    let proposal: i64 = sqlx::query_scalar(
        "INSERT INTO review_continuations (review_id, service_user_id, function_id, reasons, next_review_on, proposed_by, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(review)
    .bind(person)
    .bind(function)
    .bind(long_text(contact_policy_bot::domain::review::MAX_REASONS_CHARS))
    .bind(date(2027, 5, 1))
    .bind(MANAGER)
    .bind(asked)
    .fetch_one(&mut conn)
    .await
    .expect("proposal");
    sqlx::query(
        "INSERT INTO review_continuation_messages (continuation_id, recipient_slack_user_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(proposal)
    .bind(HEAD)
    .bind(asked)
    .execute(&mut conn)
    .await
    .expect("first copy");
}

/// A pending request with every measure and the longest texts the policy allows, waiting
/// for the head (as the restrict flow leaves it).
async fn waiting_request(app: &TestApp, person: i64, function: i64, asked: DateTime<Utc>) {
    use contact_policy_bot::slack::send;
    use contact_policy_bot::store::records::{NewRequest, Recorded};
    use slack_morphism::prelude::SlackMessageContent;
    let incident = incident(
        app,
        person,
        function,
        BehaviourKind::PhysicalViolence,
        asked,
    )
    .await;
    let request = NewRequest {
        person_id: person,
        function_id: function,
        incident_ids: vec![incident],
        measures: every_measure(),
        justification: long_text(4000),
        proportionality: long_text(4000),
        internal_review_exhausted: true,
        ends_on: None,
        first_review_on: date(2027, 5, 1),
        warning_id: None,
        no_warning_reason: Some("violence_used_or_threatened".to_owned()),
        varies_restriction_id: None,
    };
    let first_copy = |r: &Recorded, u: &UserId| {
        send::dm(
            u,
            SlackMessageContent::new().with_text(format!("{} needs a decision", r.reference)),
            format!("request:{}:approval:{u}", r.id),
        )
    };
    crate::helpers::seed::request(
        &*app.store,
        MANAGER,
        &request,
        asked,
        &[UserId::from_slack(HEAD)],
        first_copy,
    )
    .await;
}
