//! One reminder sweep over a large register, on SQLite and on PostgreSQL (issue
//! "Scheduled reminders", item 8). Run with `cargo bench --bench sweep`; the PostgreSQL
//! half needs `BENCH_DATABASE_URL` (or `TEST_DATABASE_URL`), e.g.
//! `postgres://postgres@127.0.0.1:5432/test`, on which it creates a fresh database.
//!
//! The register: 100,000 active restrictions with review dates spread over the next year
//! (about 8% fall due within the 30-day reminder window) and 10,000 open disputes with due
//! dates spread around today (about half due). It times the first sweep ever, which
//! issues every reminder due at once (a backlog of about 21,000), a repeat the same day,
//! which finds them all issued, and the next working day's sweep, which issues only what
//! newly fell due: the steady state of a daily schedule.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use contact_policy_bot::app::Application;
use contact_policy_bot::clock::ManualClock;
use contact_policy_bot::config::{
    Config, LettersConfig, OutboxConfig, ReminderConfig, SlackConfig, StaffScope,
    DEFAULT_COMPLAINTS_CONTACT, DEFAULT_MAX_BODY_BYTES,
};
use secrecy::SecretString;
use sqlx::{Connection, Executor};

const RESTRICTIONS: usize = 100_000;
const DISPUTES: usize = 10_000;

fn config(database_url: &str) -> Config {
    let reminders = ReminderConfig {
        background: false,
        ..ReminderConfig::default()
    };
    Config {
        database_url: database_url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().expect("addr"),
        metrics_addr: None,
        slack: SlackConfig {
            signing_secret: SecretString::from("bench"),
            previous_signing_secret: None,
            bot_token: SecretString::from("xoxb-bench"),
            app_token: None,
            api_url: "http://127.0.0.1:9/api".to_owned(),
            team_id: "T0BENCH".to_owned(),
        },
        timezone: chrono_tz::Europe::London,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        outbox: OutboxConfig::default(),
        letters: LettersConfig {
            templates_dir: None,
            policy_document: None,
            organisation: "Bench".to_owned(),
            complaints_contact: DEFAULT_COMPLAINTS_CONTACT.to_owned(),
        },
        reminders,
        retention: contact_policy_bot::config::RetentionConfig {
            background: false,
            ..Default::default()
        },
        staff: StaffScope::default(),
        socket_mode: Default::default(),
    }
}

/// Fills the register with plain SQL in large transactions (the same SQL on both).
async fn fill<C>(conn: &mut C, today: NaiveDate)
where
    for<'c> &'c mut C: Executor<'c>,
    C: Connection,
{
    let now = "2026-11-02T09:00:00+00:00";
    let statements = [
        format!("INSERT INTO functions (id, name, created_at, created_by) VALUES (1, 'Casework', '{now}', 'bench')"),
        format!("INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) VALUES (1, 'U0HEAD', 'head', '{now}', 'bench')"),
        format!("INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) VALUES (1, 'U0MANAGER', 'manager', '{now}', 'bench')"),
        format!("INSERT INTO service_users (id, display_name, created_by, created_at, updated_at, last_activity_at) VALUES (1, 'Bench Person', 'bench', '{now}', '{now}', '{now}')"),
    ];
    for sql in &statements {
        conn.execute(sql.as_str()).await.expect("seed");
    }
    let mut sql = String::new();
    for chunk in 0..(RESTRICTIONS / 1000) {
        sql.clear();
        sql.push_str("BEGIN;");
        let mut requests = Vec::new();
        let mut restrictions = Vec::new();
        for i in 0..1000 {
            let id = chunk * 1000 + i + 1;
            let review = today + Duration::days((id % 365) as i64 - 5);
            requests.push(format!(
                "({id}, 'REQ-{id:06}', 1, 1, 'approved', 'j', 'p', 'violence_used_or_threatened', '{review}', 'U0HEAD', '{now}', 'U0MANAGER', '{now}')"
            ));
            restrictions.push(format!("({id}, 'RES-{id:06}', 1, 1, {id}, 'active', '2026-01-01', NULL, '{review}', 'U0HEAD', '{now}')"));
        }
        sql.push_str(&format!(
            "INSERT INTO restriction_requests (id, reference, service_user_id, function_id, status, justification, proportionality, \
             no_warning_reason, first_review_on, decided_by, decided_at, created_by, created_at) VALUES {};",
            requests.join(",")
        ));
        sql.push_str(&format!(
            "INSERT INTO restrictions (id, reference, service_user_id, function_id, request_id, status, starts_on, ends_on, \
             next_review_on, created_by, created_at) VALUES {};",
            restrictions.join(",")
        ));
        sql.push_str("COMMIT;");
        conn.execute(sql.as_str()).await.expect("restrictions");
    }
    for chunk in 0..(DISPUTES / 1000) {
        let mut rows = Vec::new();
        for i in 0..1000 {
            let id = chunk * 1000 + i + 1;
            let due = today + Duration::days((id % 60) as i64 - 30);
            let received = due - Duration::days(28);
            rows.push(format!(
                "({id}, 'DSP-{id:06}', {id}, 1, 1, '{received}', 's', 'U0MANAGER', '{due}', 'awaiting_resolution', 'bench', '{now}')"
            ));
        }
        let sql = format!(
            "INSERT INTO disputes (id, reference, restriction_id, service_user_id, function_id, received_on, summary, \
             handler_slack_user_id, due_on, status, created_by, created_at) VALUES {}",
            rows.join(",")
        );
        conn.execute(sql.as_str()).await.expect("disputes");
    }
}

async fn bench(label: &str, database_url: &str) {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("time");
    let today = at.date_naive();
    let clock = ManualClock::new(at);
    let app = Application::build_with_clock(config(database_url), Arc::new(clock.clone()))
        .await
        .expect("app");
    let started = Instant::now();
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await.expect("pg");
        fill(&mut conn, today).await;
        // Identity columns were given explicit ids; move the sequences past them.
        for table in [
            "functions",
            "service_users",
            "restriction_requests",
            "restrictions",
            "disputes",
        ] {
            conn.execute(format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))").as_str()).await.expect("setval");
        }
        conn.execute("ANALYZE").await.expect("analyze");
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url)
            .await
            .expect("sqlite");
        fill(&mut conn, today).await;
        conn.execute("ANALYZE").await.expect("analyze");
    }
    println!(
        "{label}: filled {RESTRICTIONS} restrictions and {DISPUTES} open disputes in {:.1?}",
        started.elapsed()
    );
    let scheduler = app.reminder_scheduler();
    let passes = [
        ("first sweep ever (a backlog: issues every reminder due)", 0),
        ("repeat sweep the same day (all already issued)", 0),
        ("next day's sweep (only what newly fell due)", 1),
    ];
    for (pass, advance_days) in passes {
        clock.advance(Duration::days(advance_days));
        let started = Instant::now();
        let report = scheduler.sweep_now().await.expect("sweep");
        let took = started.elapsed();
        println!(
            "{label}: {pass}: {took:.3?}, {} due, {} issued",
            report.due, report.issued
        );
    }
}

fn main() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("contact_policy_bot=info")
        .with_target(false)
        .try_init();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        bench("sqlite", &sqlite).await;
        let pg =
            std::env::var("BENCH_DATABASE_URL").or_else(|_| std::env::var("TEST_DATABASE_URL"));
        match pg {
            Ok(admin) => {
                let name = format!("cpb_bench_{}", std::process::id());
                let mut conn = sqlx::PgConnection::connect(&admin).await.expect("pg admin");
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create db");
                let mut url = url::Url::parse(&admin).expect("url");
                url.set_path(&name);
                bench("postgresql", url.as_str()).await;
                let _ = conn
                    .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
                    .await;
            }
            Err(_) => println!("postgresql: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)"),
        }
    });
}
