//! Scheduled reminders (R-REM-1 … R-REM-3) on a clock the test controls: the right items
//! on the right day across a daylight-saving change, each reminder sent exactly once
//! through restarts, crashed runs, Slack errors, catch-up and two instances at once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use contact_policy_bot::clock::ManualClock;
use contact_policy_bot::domain::measures::Measure;
use contact_policy_bot::domain::person::{AccessRequirements, PersonName};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::scheduler::cron_job::REMINDER_JOB;
use contact_policy_bot::store::records::NewPerson;

use crate::fake_slack::{FakeSlack, Scripted};
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(10);
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid time")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// An app on a manual clock, with Casework (head and manager) and one person.
async fn app_at(backend: Backend, test: &str, at: DateTime<Utc>) -> Option<(TestApp, i64, i64)> {
    let db = Arc::new(fresh_db(backend, test).await?);
    let slack = Arc::new(FakeSlack::start().await);
    let app = spawn_app_with(db, slack, Some(ManualClock::new(at))).await;
    let (function, person) = casework(&app, at).await;
    Some((app, function, person))
}

async fn casework(app: &TestApp, at: DateTime<Utc>) -> (i64, i64) {
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    let function = app
        .store
        .add_function(&name, &actor, at)
        .await
        .expect("function");
    for (user, role) in [(HEAD, Role::Head), (MANAGER, Role::Manager)] {
        app.store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, at)
            .await
            .expect("role");
    }
    let person = NewPerson {
        name: PersonName::parse("Jane Doe").expect("name"),
        identifiers: vec![],
        access: AccessRequirements::default(),
    };
    let person = app
        .store
        .create_person(&person, &actor, at)
        .await
        .expect("person");
    (function, person)
}

fn texts_to(slack: &FakeSlack, user: &str) -> Vec<String> {
    slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.body["channel"] == user && c.status == 200)
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn r_rem_1_weekday_nine_oclock_london_across_daylight_saving(backend: Backend) {
    let Some((app, _, _)) = app_at(backend, "dst", utc(2026, 10, 23, 12, 0)).await else {
        return;
    };
    let scheduler = app.scheduler.clone().expect("scheduler");
    // Friday 23 October 2026, after 09:00 BST: the next run is Monday 26 October 09:00
    // GMT, which is 09:00 UTC (the clocks went back on Sunday 25 October).
    assert_eq!(
        scheduler.next_after(utc(2026, 10, 23, 12, 0)),
        Some(utc(2026, 10, 26, 9, 0))
    );
    assert_eq!(
        scheduler.next_after(utc(2026, 10, 22, 7, 0)),
        Some(utc(2026, 10, 22, 8, 0)),
        "09:00 BST is 08:00 UTC"
    );
    // Spring: Friday 27 March 2026 09:00 GMT, then Monday 30 March 09:00 BST = 08:00 UTC.
    assert_eq!(
        scheduler.next_after(utc(2026, 3, 26, 10, 0)),
        Some(utc(2026, 3, 27, 9, 0))
    );
    assert_eq!(
        scheduler.next_after(utc(2026, 3, 27, 10, 0)),
        Some(utc(2026, 3, 30, 8, 0))
    );
    app.stop().await.expect("stops");
}

async fn r_rem_1_sweep_picks_exactly_the_items_due(backend: Backend) {
    // Monday 26 October 2026, 09:00 GMT: the first run after the clocks went back.
    let at = utc(2026, 10, 26, 9, 0);
    let Some((app, function, person)) = app_at(backend, "sweep_due", at).await else {
        return;
    };
    let url = app.db.url().to_owned();
    let m = [Measure::ReadAndFile];
    let soon = insert_restriction_reviewed(
        &url,
        person,
        function,
        &m,
        date(2026, 1, 5),
        None,
        date(2026, 11, 5),
    )
    .await;
    let overdue = insert_restriction_reviewed(
        &url,
        person,
        function,
        &m,
        date(2025, 10, 1),
        None,
        date(2026, 10, 21),
    )
    .await;
    let _later = insert_restriction_reviewed(
        &url,
        person,
        function,
        &m,
        date(2026, 6, 1),
        None,
        date(2026, 12, 31),
    )
    .await;
    let _ended = insert_restriction_reviewed(
        &url,
        person,
        function,
        &m,
        date(2026, 1, 1),
        Some(date(2026, 10, 25)),
        date(2026, 11, 1),
    )
    .await;
    let ending = insert_restriction_reviewed(
        &url,
        person,
        function,
        &m,
        date(2026, 2, 1),
        Some(date(2026, 11, 2)),
        date(2027, 1, 30),
    )
    .await;

    let report = app
        .scheduler
        .as_ref()
        .expect("scheduler")
        .run_occurrence(at)
        .await
        .expect("run")
        .expect("claimed");
    assert_eq!(
        report.restrictions_ended, 1,
        "the restriction past its end date ended by itself (R-REV-2)"
    );
    app.slack.wait_for_calls("chat.postMessage", 4, WAIT).await;
    let to_manager = texts_to(&app.slack, MANAGER);
    let to_head = texts_to(&app.slack, HEAD);
    let due = |id: i64| format!("{id}");
    assert_eq!(
        to_manager
            .iter()
            .filter(|t| t.starts_with("Review due:"))
            .count(),
        1,
        "{to_manager:?}"
    );
    assert_eq!(
        to_manager
            .iter()
            .filter(|t| t.starts_with("Review overdue:"))
            .count(),
        1,
        "{to_manager:?}"
    );
    assert_eq!(
        to_manager
            .iter()
            .filter(|t| t.starts_with("Restriction ending:"))
            .count(),
        1,
        "{to_manager:?}"
    );
    assert_eq!(
        to_head
            .iter()
            .filter(|t| t.starts_with("Review overdue:"))
            .count(),
        1,
        "overdue escalates to the head: {to_head:?}"
    );
    assert_eq!(
        to_manager.len() + to_head.len(),
        4,
        "{to_manager:?} {to_head:?}"
    );
    // The reminder carries the button that starts the action.
    let calls = app.slack.calls_to("chat.postMessage");
    let review_call = calls
        .iter()
        .find(|c| {
            c.body["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Review due:")
        })
        .expect("review reminder");
    assert!(
        review_call
            .body
            .to_string()
            .contains(&format!("\"value\":\"{}\"", due(soon))),
        "{:?}",
        review_call.body
    );
    assert!(review_call.body.to_string().contains("start_review"));
    // No personal data in reminders: references only.
    assert!(calls.iter().all(|c| !c.body.to_string().contains("Jane")));
    let _ = (overdue, ending);
    let events = app.store.all_audit_events().await.expect("audit");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "reminder_sent")
            .count(),
        4
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "restriction_ended")
            .count(),
        1
    );
    app.stop().await.expect("stops");
}

async fn r_rem_3_rerun_after_a_crash_and_restart_sends_nothing_twice(backend: Backend) {
    let at = utc(2026, 11, 2, 9, 0);
    let Some((app, function, person)) = app_at(backend, "crash_rerun", at).await else {
        return;
    };
    let url = app.db.url().to_owned();
    for n in 0..5 {
        insert_restriction_reviewed(
            &url,
            person,
            function,
            &[Measure::ReadAndFile],
            date(2026, 1, 5),
            None,
            date(2026, 11, 10 + n),
        )
        .await;
    }
    let clock = app.clock.clone().expect("clock");
    // A first instance claims the run and dies mid-sweep, after issuing the reminders
    // but before marking the run finished.
    let store = app.store.clone();
    assert!(store
        .claim_run(
            REMINDER_JOB,
            at,
            "dead-worker",
            at,
            at + chrono::Duration::minutes(10)
        )
        .await
        .expect("claim"));
    let scheduler = app.scheduler.clone().expect("scheduler");
    assert!(
        scheduler.run_occurrence(at).await.expect("run").is_none(),
        "a live claim is not taken over"
    );
    scheduler.sweep_now().await.expect("sweep");
    app.slack.wait_for_calls("chat.postMessage", 5, WAIT).await;

    // The bot restarts; once the dead claim has lapsed the run is taken over, and the
    // re-run finds every reminder already issued.
    let db = app.db.clone();
    let slack = app.slack.clone();
    app.stop().await.expect("stops");
    clock.advance(chrono::Duration::minutes(11));
    let again = spawn_app_with(db, slack.clone(), Some(clock.clone())).await;
    let report = again
        .scheduler
        .as_ref()
        .expect("scheduler")
        .catch_up()
        .await
        .expect("catch up")
        .expect("took over the lapsed run");
    assert_eq!((report.due, report.issued), (5, 0));
    assert!(
        again
            .scheduler
            .as_ref()
            .expect("s")
            .catch_up()
            .await
            .expect("again")
            .is_none(),
        "finished runs are not caught up twice"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        slack.calls_to("chat.postMessage").len(),
        5,
        "a reminder was sent twice"
    );
    again.stop().await.expect("stops");
}

async fn r_rem_3_rate_limited_reminder_is_sent_once(backend: Backend) {
    let at = utc(2026, 11, 3, 9, 0);
    let Some((app, function, person)) = app_at(backend, "reminder_429", at).await else {
        return;
    };
    insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2026, 1, 5),
        None,
        date(2026, 11, 20),
    )
    .await;
    app.slack.push_response(
        "chat.postMessage",
        Scripted::RateLimited {
            retry_after_secs: 1,
        },
    );
    app.slack
        .push_response("chat.postMessage", Scripted::ServerError(503));
    app.scheduler
        .as_ref()
        .expect("s")
        .run_occurrence(at)
        .await
        .expect("run");
    // The sender's clock is the test's: move it past Retry-After and the backoff.
    let clock = app.clock.clone().expect("clock");
    let calls = loop {
        clock.advance(chrono::Duration::seconds(2));
        let calls = app.slack.calls_to("chat.postMessage");
        if calls.iter().any(|c| c.status == 200) {
            break calls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![429, 503, 200]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.slack
            .calls_to("chat.postMessage")
            .iter()
            .filter(|c| c.status == 200)
            .count(),
        1
    );
    let row = app
        .store
        .outbox_messages()
        .await
        .expect("outbox")
        .into_iter()
        .find(|r| r.method == "chat.postMessage")
        .expect("row");
    assert!(row.slack_ts.is_some(), "the Slack ts is kept");
    app.stop().await.expect("stops");
}

async fn r_rem_3_catch_up_after_downtime_runs_once(backend: Backend) {
    // The bot was down all morning; it starts on Wednesday at noon.
    let now = utc(2026, 11, 4, 12, 0);
    let Some((app, function, person)) = app_at(backend, "catch_up", now).await else {
        return;
    };
    insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2026, 1, 5),
        None,
        date(2026, 11, 20),
    )
    .await;
    let scheduler = app.scheduler.clone().expect("s");
    assert_eq!(
        scheduler.latest_due(now),
        Some(utc(2026, 11, 4, 9, 0)),
        "only the latest missed run"
    );
    let first = scheduler.catch_up().await.expect("catch up").expect("ran");
    assert_eq!(first.issued, 1);
    assert!(scheduler.catch_up().await.expect("again").is_none());
    // A second instance starting now does not run it again either.
    let other = spawn_app_with(app.db.clone(), app.slack.clone(), app.clock.clone()).await;
    assert!(other
        .scheduler
        .as_ref()
        .expect("s")
        .catch_up()
        .await
        .expect("other")
        .is_none());
    app.slack.wait_for_calls("chat.postMessage", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.slack.calls_to("chat.postMessage").len(), 1);
    other.stop().await.expect("stops");
    app.stop().await.expect("stops");
}

async fn r_rem_3_two_instances_sweeping_at_once_send_each_reminder_once(backend: Backend) {
    let at = utc(2026, 11, 5, 9, 0);
    let Some((app, function, person)) = app_at(backend, "two_instances", at).await else {
        return;
    };
    let url = app.db.url().to_owned();
    for n in 0..60 {
        insert_restriction_reviewed(
            &url,
            person,
            function,
            &[Measure::ReadAndFile],
            date(2026, 1, 5),
            None,
            date(2026, 11, 6) + chrono::Duration::days(n % 20),
        )
        .await;
    }
    let other = spawn_app_with(app.db.clone(), app.slack.clone(), app.clock.clone()).await;
    // Both instances race for the scheduled run, and (to stress the unique keys, as a
    // takeover after a lapsed claim would) both also sweep directly, all at the same time.
    let (a, b) = (
        app.scheduler.clone().expect("a"),
        other.scheduler.clone().expect("b"),
    );
    let (a2, b2) = (a.clone(), b.clone());
    let runs = tokio::join!(
        tokio::spawn(async move { a.run_occurrence(at).await }),
        tokio::spawn(async move { b.run_occurrence(at).await }),
        tokio::spawn(async move { a2.sweep_now().await }),
        tokio::spawn(async move { b2.sweep_now().await }),
    );
    let ran = [
        runs.0.expect("join").expect("run"),
        runs.1.expect("join").expect("run"),
    ];
    assert_eq!(
        ran.iter().filter(|r| r.is_some()).count(),
        1,
        "exactly one instance ran the occurrence"
    );
    let issued: u64 = ran.iter().flatten().map(|r| r.issued).sum::<u64>()
        + runs.2.expect("join").expect("sweep").issued
        + runs.3.expect("join").expect("sweep").issued;
    assert_eq!(
        issued, 60,
        "every reminder issued once across all four sweeps"
    );
    app.slack.wait_for_calls("chat.postMessage", 60, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = app.slack.calls_to("chat.postMessage");
    assert_eq!(sent.len(), 60, "each reminder exactly once");
    let mut texts: Vec<String> = sent
        .iter()
        .map(|c| c.body["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 60);
    other.stop().await.expect("stops");
    app.stop().await.expect("stops");
}

async fn an_owner_who_is_also_the_head_is_reminded_once(backend: Backend) {
    let at = utc(2026, 11, 9, 9, 0);
    let Some((app, function, person)) = app_at(backend, "owner_is_head", at).await else {
        return;
    };
    // Overdue: the owner and the head are told, and here they are the same person.
    insert_restriction_owned(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2025, 11, 1),
        None,
        date(2026, 11, 2),
        HEAD,
    )
    .await;
    insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2026, 1, 5),
        None,
        date(2026, 11, 20),
    )
    .await;
    let report = app
        .scheduler
        .as_ref()
        .expect("s")
        .run_occurrence(at)
        .await
        .expect("the sweep does not fail")
        .expect("ran");
    assert_eq!(report.issued, 2, "{report:?}");
    app.slack.wait_for_calls("chat.postMessage", 2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(texts_to(&app.slack, HEAD).len(), 1);
    assert_eq!(texts_to(&app.slack, MANAGER).len(), 1);
    app.stop().await.expect("stops");
}

async fn r_rem_1_waiting_approval_nudges_the_head_then_the_deputy_with_a_fresh_checklist(
    backend: Backend,
) {
    use contact_policy_bot::domain::measures::Measure as M;
    use contact_policy_bot::slack::send;
    use contact_policy_bot::store::records::{Decision, NewRequest};
    use slack_morphism::prelude::SlackMessageContent;
    // Requested on Thursday 5 November 2026; nudged after 2 working days, escalated after 4.
    let asked = utc(2026, 11, 5, 15, 0);
    let Some((app, function, person)) = app_at(backend, "approval_nudge", asked).await else {
        return;
    };
    let name = FunctionName::parse("Casework").expect("name");
    app.store
        .grant_role(
            &name,
            &UserId::from_slack("U0DEPUTY"),
            Role::Deputy,
            &Actor::cli("t"),
            asked,
        )
        .await
        .expect("deputy");
    let incident = {
        use contact_policy_bot::domain::incident::*;
        use contact_policy_bot::store::records::{NewIncident, PersonChoice};
        let valid = IncidentReport {
            category: Category::AggressiveAbusive,
            kinds: vec![BehaviourKind::VerbalAbuse],
            channel: Channel::Phone,
            occurred_at: asked - chrono::Duration::days(1),
            description: "Abuse".to_owned(),
            impact_staff_minutes: None,
            impact_contacts: None,
            impact_note: String::new(),
            threat_of_violence: None,
        }
        .validate(asked)
        .expect("valid");
        let new = NewIncident {
            person: PersonChoice::Existing(person),
            function_id: function,
            incident: valid,
        };
        crate::helpers::seed::incident(&*app.store, MANAGER, &new, asked)
            .await
            .id
    };
    let request = NewRequest {
        person_id: person,
        function_id: function,
        incident_ids: vec![incident],
        measures: vec![M::ReadAndFile],
        justification: "j".to_owned(),
        proportionality: "p".to_owned(),
        internal_review_exhausted: true,
        ends_on: None,
        first_review_on: date(2027, 5, 1),
        warning_id: None,
        no_warning_reason: Some("violence_used_or_threatened".to_owned()),
        varies_restriction_id: None,
    };
    let approvers = [UserId::from_slack(HEAD)];
    let first_copy = |r: &contact_policy_bot::store::records::Recorded, u: &UserId| {
        send::dm(
            u,
            SlackMessageContent::new().with_text(format!("{} needs a decision", r.reference)),
            format!("request:{}:approval:{u}", r.id),
        )
    };
    let recorded = crate::helpers::seed::request(
        &*app.store,
        MANAGER,
        &request,
        asked,
        &approvers,
        first_copy,
    )
    .await;
    let clock = app.clock.clone().expect("clock");
    let scheduler = app.scheduler.clone().expect("s");
    // Friday: one working day, nothing yet. Monday 9 November: two working days, the head.
    clock.set(utc(2026, 11, 6, 9, 0));
    assert_eq!(scheduler.sweep_now().await.expect("sweep").issued, 0);
    clock.set(utc(2026, 11, 9, 9, 0));
    assert_eq!(scheduler.sweep_now().await.expect("sweep").issued, 1);
    // Wednesday 11 November: four working days, the deputy too.
    clock.set(utc(2026, 11, 11, 9, 0));
    assert_eq!(scheduler.sweep_now().await.expect("sweep").issued, 1);
    let calls = app.slack.wait_for_calls("chat.postMessage", 3, WAIT).await;
    let fresh: Vec<&str> = calls
        .iter()
        .filter(|c| c.body.to_string().contains("approve_request"))
        .filter_map(|c| c.body["channel"].as_str())
        .collect();
    assert_eq!(
        fresh,
        vec![HEAD, "U0DEPUTY"],
        "a fresh checklist, head first"
    );
    // The copies are registered: the decision updates all three.
    let pending = app
        .store
        .request(recorded.id)
        .await
        .expect("reads")
        .expect("request");
    let decider = crate::helpers::seed::authority(&*app.store, HEAD)
        .await
        .decides(&pending, None)
        .expect("the head decides");
    let mut tx = app.store.begin_write().await.expect("write begins");
    let decided = tx
        .decide_request(
            recorded.id,
            &Decision::Reject {
                ticked: vec![],
                reason: "r".to_owned(),
            },
            &decider,
            contact_policy_bot::clock::Clock::now(&clock),
        )
        .await
        .expect("decide");
    tx.commit().await.expect("commits");
    match decided {
        contact_policy_bot::store::records::DecisionResult::Decided(d) => {
            assert_eq!(d.approval_message_outbox_ids.len(), 3)
        }
        other => panic!("{other:?}"),
    }
    // Decided requests are not nudged again.
    clock.set(utc(2026, 11, 12, 9, 0));
    assert_eq!(scheduler.sweep_now().await.expect("sweep").issued, 0);
    app.stop().await.expect("stops");
}

async fn app_home_lists_what_is_yours_to_do(backend: Backend) {
    let at = utc(2026, 11, 5, 10, 0);
    let Some((app, function, person)) = app_at(backend, "home", at).await else {
        return;
    };
    insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2026, 1, 5),
        None,
        date(2026, 11, 20),
    )
    .await;
    app.post_event(&app_home_opened("Ev0HOME1", MANAGER, TEAM_ID))
        .await;
    let published = app.slack.wait_for_calls("views.publish", 1, WAIT).await;
    let home = published[0].body.to_string();
    assert!(
        home.contains("Reviews due") && home.contains("RES-T"),
        "{home}"
    );
    assert!(home.contains("Manager of *Casework*"), "{home}");
    app.stop().await.expect("stops");
}

/// Sweeps twice on every day from `from` to `to` (09:00 and 15:00, weekends too), and
/// returns what each day's sweeps issued.
async fn issued_each_day(app: &TestApp, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, u64)> {
    let clock = app.clock.clone().expect("clock");
    let scheduler = app.scheduler.clone().expect("scheduler");
    let mut issued = Vec::new();
    let mut day = from;
    while day <= to {
        let mut today = 0;
        for hour in [9, 15] {
            clock.set(day.and_hms_opt(hour, 0, 0).expect("time").and_utc());
            today += scheduler.sweep_now().await.expect("sweep").issued;
        }
        issued.push((day, today));
        day = day.succ_opt().expect("next day");
    }
    issued
}

/// Issue 9, finding 12: something overdue from Wednesday 11 November 2026 is reminded
/// that day and again five working days later, Wednesday 18 (across the weekend), to
/// `owner` and the head, each once however often the sweep runs; the days between send
/// nothing. Returns the texts each received, in order.
async fn reminded_on_day_one_and_five_working_days_later(
    app: &TestApp,
    prefix: &str,
    owner: &str,
) -> (Vec<String>, Vec<String>) {
    let issued = issued_each_day(app, date(2026, 11, 11), date(2026, 11, 19)).await;
    let expected: Vec<(NaiveDate, u64)> = (11..=19)
        .map(|d| (date(2026, 11, d), if d == 11 || d == 18 { 2 } else { 0 }))
        .collect();
    assert_eq!(
        issued, expected,
        "to {owner} and the head, on day one and five working days later"
    );
    app.slack.wait_for_calls("chat.postMessage", 4, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let of = |user: &str| -> Vec<String> {
        texts_to(&app.slack, user)
            .into_iter()
            .filter(|t| t.starts_with(prefix))
            .collect()
    };
    let (to_owner, to_head) = (of(owner), of(HEAD));
    for texts in [&to_owner, &to_head] {
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(!texts[0].contains("reminder 2"), "{texts:?}");
        assert!(
            texts[1].contains("Still outstanding: reminder 2"),
            "{texts:?}"
        );
    }
    let calls = app.slack.calls_to("chat.postMessage");
    assert_eq!(calls.len(), 4, "nothing else was sent");
    // No personal data in reminders: references only.
    assert!(calls.iter().all(|c| !c.body.to_string().contains("Jane")));
    (to_owner, to_head)
}

async fn i9_f12_an_overdue_review_is_reminded_again_every_five_working_days_to_the_owner_and_the_head(
    backend: Backend,
) {
    let at = utc(2026, 11, 11, 8, 0);
    let Some((app, function, person)) = app_at(backend, "i9_review_repeat", at).await else {
        return;
    };
    // Due for review on Tuesday 10 November: overdue from Wednesday 11.
    insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2025, 11, 10),
        None,
        date(2026, 11, 10),
    )
    .await;
    let (to_owner, _) =
        reminded_on_day_one_and_five_working_days_later(&app, "Review overdue:", MANAGER).await;
    assert!(to_owner[1].contains("Tue 10 Nov 2026"), "{to_owner:?}");
    app.stop().await.expect("stops");
}

async fn i9_f12_an_overdue_dispute_is_reminded_again_every_five_working_days_to_the_handler_and_the_head(
    backend: Backend,
) {
    use contact_policy_bot::store::records::NewDispute;
    const HANDLER: &str = "U0HANDLER";
    let at = utc(2026, 11, 11, 8, 0);
    let Some((app, function, person)) = app_at(backend, "i9_dispute_repeat", at).await else {
        return;
    };
    let restriction = insert_restriction_reviewed(
        app.db.url(),
        person,
        function,
        &[Measure::ReadAndFile],
        date(2026, 6, 1),
        None,
        date(2027, 6, 1),
    )
    .await;
    // Due to be resolved by Tuesday 10 November: overdue from Wednesday 11.
    let dispute = NewDispute {
        restriction_id: restriction,
        today: date(2026, 11, 11),
        received_on: date(2026, 10, 13),
        summary: "Says the restriction is unfair".to_owned(),
        handler: UserId::from_slack(HANDLER),
        complaint_reference: "CMP-1".to_owned(),
        due_on: date(2026, 11, 10),
    };
    record_dispute_as(app.store.as_ref(), MANAGER, &dispute, at).await;
    reminded_on_day_one_and_five_working_days_later(&app, "Dispute overdue:", HANDLER).await;
    app.stop().await.expect("stops");
}

async fn i9_f12_an_outstanding_police_report_is_reminded_again_every_five_working_days_to_the_managers_and_the_head(
    backend: Backend,
) {
    use contact_policy_bot::domain::incident::*;
    use contact_policy_bot::store::records::{NewIncident, PersonChoice};
    // Physical violence on Tuesday 10 November at 08:00: the report is outstanding from
    // Wednesday 11 at 08:00, before that day's 09:00 sweep.
    let occurred = utc(2026, 11, 10, 8, 0);
    let at = utc(2026, 11, 10, 8, 30);
    let Some((app, function, person)) = app_at(backend, "i9_police_repeat", at).await else {
        return;
    };
    let incident = IncidentReport {
        category: Category::AggressiveAbusive,
        kinds: vec![BehaviourKind::PhysicalViolence],
        channel: Channel::InPerson,
        occurred_at: occurred,
        description: "Pushed a member of staff".to_owned(),
        impact_staff_minutes: None,
        impact_contacts: None,
        impact_note: String::new(),
        threat_of_violence: None,
    }
    .validate(at)
    .expect("valid");
    assert!(incident.police_report_required());
    crate::helpers::seed::incident(
        &*app.store,
        MANAGER,
        &NewIncident {
            person: PersonChoice::Existing(person),
            function_id: function,
            incident,
        },
        at,
    )
    .await;
    reminded_on_day_one_and_five_working_days_later(&app, "Police report still required", MANAGER)
        .await;
    // With no head, the deputies hear of it instead: at once of the repeat now due (they
    // had not heard of it), then of the next with the managers (Wednesday 25 November).
    let name = FunctionName::parse("Casework").expect("name");
    let actor = Actor::cli("test");
    app.store
        .revoke_role(&name, &UserId::from_slack(HEAD), Role::Head, &actor, at)
        .await
        .expect("revoke");
    app.store
        .grant_role(
            &name,
            &UserId::from_slack("U0DEPUTY"),
            Role::Deputy,
            &actor,
            at,
        )
        .await
        .expect("deputy");
    let issued = issued_each_day(&app, date(2026, 11, 24), date(2026, 11, 25)).await;
    assert_eq!(
        issued,
        vec![(date(2026, 11, 24), 1), (date(2026, 11, 25), 2)]
    );
    app.slack.wait_for_calls("chat.postMessage", 7, WAIT).await;
    let third = |user: &str| {
        texts_to(&app.slack, user)
            .iter()
            .filter(|t| t.contains("reminder 3"))
            .count()
    };
    assert_eq!((third(MANAGER), third("U0DEPUTY"), third(HEAD)), (1, 1, 0));
    assert_eq!(texts_to(&app.slack, "U0DEPUTY").len(), 2);
    app.stop().await.expect("stops");
}

on_both_backends!(
    r_rem_1_weekday_nine_oclock_london_across_daylight_saving,
    r_rem_1_sweep_picks_exactly_the_items_due,
    r_rem_3_rerun_after_a_crash_and_restart_sends_nothing_twice,
    r_rem_3_rate_limited_reminder_is_sent_once,
    r_rem_3_catch_up_after_downtime_runs_once,
    r_rem_3_two_instances_sweeping_at_once_send_each_reminder_once,
    app_home_lists_what_is_yours_to_do,
    an_owner_who_is_also_the_head_is_reminded_once,
    r_rem_1_waiting_approval_nudges_the_head_then_the_deputy_with_a_fresh_checklist,
    i9_f12_an_overdue_review_is_reminded_again_every_five_working_days_to_the_owner_and_the_head,
    i9_f12_an_overdue_dispute_is_reminded_again_every_five_working_days_to_the_handler_and_the_head,
    i9_f12_an_outstanding_police_report_is_reminded_again_every_five_working_days_to_the_managers_and_the_head,
);
