//! Slack always hears from us within its 3 seconds, and a submission answered 200 was
//! stored, once (issue 8 §6, §7): a database that stalls mid-submission gets the user a
//! plain "try again" under the first field (their input kept) and leaves nothing behind;
//! the handler that was cut off rolls back its key with its record, so the user's retry of
//! the very same view is stored, and a retry after that stores nothing more.

use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::slack::ingress::TRY_AGAIN;
use serde_json::Value;
use sqlx::Connection;

use crate::helpers::slack_values as v;
use crate::helpers::*;

const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
/// What Slack waits for an answer before showing its own error.
const SLACK_WAITS: Duration = Duration::from_secs(3);

async fn casework(app: &TestApp) {
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    app.store
        .add_function(&name, &actor, Utc::now())
        .await
        .expect("function");
    for (user, role) in [(MANAGER, Role::Manager), (STAFF, Role::Member)] {
        app.store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, Utc::now())
            .await
            .expect("role");
    }
}

/// A second connection that holds what the handler needs, as a stalled or locked
/// database would: SQLite's write lock, or on PostgreSQL the table the record goes in.
enum Stall {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Stall {
    async fn begin(backend: Backend, url: &str) -> Stall {
        match backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
                sqlx::raw_sql("BEGIN IMMEDIATE")
                    .execute(&mut conn)
                    .await
                    .expect("take the write lock");
                Stall::Sqlite(conn)
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("pg");
                sqlx::raw_sql("BEGIN; LOCK TABLE ended_calls IN ACCESS EXCLUSIVE MODE")
                    .execute(&mut conn)
                    .await
                    .expect("lock the table");
                Stall::Postgres(conn)
            }
        }
    }

    async fn end(self) {
        match self {
            Stall::Sqlite(mut conn) => {
                sqlx::raw_sql("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("release");
            }
            Stall::Postgres(mut conn) => {
                sqlx::raw_sql("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("release");
            }
        }
    }
}

async fn calls_logged(app: &TestApp) -> usize {
    app.store
        .all_audit_events()
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.action == "call_ended_logged")
        .count()
}

on_both_backends!(a_submission_cut_off_by_a_stalled_database_is_stored_once_on_retry);

async fn a_submission_cut_off_by_a_stalled_database_is_stored_once_on_retry(backend: Backend) {
    let Some(app) = spawn_app(backend, "stalled_submission").await else {
        return;
    };
    casework(&app).await;
    assert_eq!(app.slash_command(STAFF, "call-ended").await.status(), 200);
    let modal = app.opened_modal(0).await;
    let values = state_values(&[
        ("outcome", v::radio("ended")),
        ("reason", v::radio("abusive")),
        ("note", v::text("Swore repeatedly")),
    ]);
    let view = "V0STALLED";

    let stall = Stall::begin(backend, app.db.url()).await;
    let answer = tokio::time::timeout(
        SLACK_WAITS,
        app.submit_view(STAFF, &modal, values.clone(), view),
    )
    .await
    .expect("Slack hears from the bot within 3 seconds");
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.expect("inline errors");
    assert_eq!(answer["response_action"], "errors", "{answer}");
    let shown: Vec<&str> = answer["errors"]
        .as_object()
        .expect("errors by field")
        .values()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(shown, vec![TRY_AGAIN], "{answer}");
    stall.end().await;
    assert_eq!(calls_logged(&app).await, 0, "nothing was stored");

    // The user presses Submit again on the same modal: now it is stored.
    let retry = app.submit_view(STAFF, &modal, values.clone(), view).await;
    assert_eq!(retry.status(), 200);
    assert!(
        retry.text().await.expect("body").is_empty(),
        "the modal closes"
    );
    assert_eq!(calls_logged(&app).await, 1);

    // A further delivery of the same submission is answered and stores nothing more.
    let again = app.submit_view(STAFF, &modal, values, view).await;
    assert_eq!(again.status(), 200);
    assert!(again.text().await.expect("body").is_empty());
    assert_eq!(calls_logged(&app).await, 1, "stored once");
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(a_command_gets_try_again_within_three_seconds_when_the_database_stalls);

async fn a_command_gets_try_again_within_three_seconds_when_the_database_stalls(backend: Backend) {
    let Some(app) = spawn_app(backend, "stalled_command").await else {
        return;
    };
    casework(&app).await;
    // On PostgreSQL a lock on the people table stalls the reads `/contact check` makes.
    let stall = match backend {
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(app.db.url()).await.expect("pg");
            sqlx::raw_sql("BEGIN; LOCK TABLE service_users IN ACCESS EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Some(conn)
        }
        // SQLite readers never wait for a writer (WAL), so a check cannot stall there.
        Backend::Sqlite => None,
    };
    let answer = tokio::time::timeout(SLACK_WAITS, app.slash_command(STAFF, "check Jane Doe"))
        .await
        .expect("Slack hears from the bot within 3 seconds");
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.expect("ephemeral answer");
    if stall.is_some() {
        assert_eq!(answer["text"], TRY_AGAIN, "{answer}");
        assert_eq!(answer["response_type"], "ephemeral");
    } else {
        assert_ne!(answer["text"], TRY_AGAIN, "{answer}");
    }
    if let Some(mut conn) = stall {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut conn)
            .await
            .expect("release");
    }
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(a_bot_killed_mid_submission_stores_it_when_the_user_submits_again);

/// Kills the bot while a submission is being written (held up by a lock), then starts a
/// new bot on the same database: the user's second press of Submit on the same modal is
/// stored, once. Before the key was written with the record, the killed bot had already
/// committed "seen" for the view, and the retry was answered 200 with nothing stored.
async fn a_bot_killed_mid_submission_stores_it_when_the_user_submits_again(backend: Backend) {
    let Some(db) = fresh_db(backend, "killed_submission").await else {
        return;
    };
    let db = std::sync::Arc::new(db);
    let slack = std::sync::Arc::new(crate::fake_slack::FakeSlack::start().await);
    let (doomed, killer) = spawn_killable_app(db.clone(), slack.clone()).await;
    casework(&doomed).await;
    assert_eq!(
        doomed.slash_command(STAFF, "call-ended").await.status(),
        200
    );
    let modal = doomed.opened_modal(0).await;
    let values = state_values(&[
        ("outcome", v::radio("ended")),
        ("reason", v::radio("abusive")),
        ("note", v::text("Swore repeatedly")),
    ]);
    let view = "V0KILLED";

    let stall = Stall::begin(backend, db.url()).await;
    let in_flight = {
        let (modal, values) = (modal.clone(), values.clone());
        let request = doomed.submit_view(STAFF, &modal, values, view);
        // The request is driven here until the bot dies under it.
        tokio::time::timeout(Duration::from_millis(800), request).await
    };
    assert!(
        in_flight.is_err(),
        "the submission is still being handled when the bot dies"
    );
    killer.kill();
    stall.end().await;
    // The dead bot's connections died with it; read through the new one.
    let app = spawn_app_on(db, slack).await;
    assert_eq!(calls_logged(&app).await, 0, "the killed bot stored nothing");
    let retry = app.submit_view(STAFF, &modal, values.clone(), view).await;
    assert_eq!(retry.status(), 200);
    assert!(
        retry.text().await.expect("body").is_empty(),
        "the modal closes"
    );
    assert_eq!(calls_logged(&app).await, 1, "the retry is stored");
    let again = app.submit_view(STAFF, &modal, values, view).await;
    assert_eq!(again.status(), 200);
    assert_eq!(calls_logged(&app).await, 1, "and stored once");
    app.stop().await.expect("stops cleanly");
}
