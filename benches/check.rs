//! `/contact check` latency (R-RPT-5: "in under a second"), measured end to end: a signed
//! slash command over HTTP to the real app, lookup by phone, email, case reference or
//! name, and the answer with the person's restrictions phrased as instructions. Run with
//! `cargo bench --bench check`; the PostgreSQL half needs `BENCH_DATABASE_URL` (or
//! `TEST_DATABASE_URL`), on which it creates a fresh database.
//!
//! The register: 20,000 people, each with a phone number, an email address and a case
//! reference, and 100,000 active restrictions (five per person) with two measures each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use contact_policy_bot::app::Application;
use contact_policy_bot::clock::ManualClock;
use contact_policy_bot::config::{
    Config, LettersConfig, OutboxConfig, ReminderConfig, SlackConfig, StaffScope,
    DEFAULT_COMPLAINTS_CONTACT, DEFAULT_MAX_BODY_BYTES,
};
use contact_policy_bot::slack::signature::SignatureVerifier;
use secrecy::SecretString;
use sqlx::{Connection, Executor};

const PEOPLE: usize = 20_000;
const PER_PERSON: usize = 5;
const QUERIES: usize = 400;
const SECRET: &str = "bench-secret";

fn config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().expect("addr"),
        metrics_addr: None,
        slack: SlackConfig {
            signing_secret: SecretString::from(SECRET),
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
        reminders: ReminderConfig {
            background: false,
            ..ReminderConfig::default()
        },
        retention: contact_policy_bot::config::RetentionConfig {
            background: false,
            ..Default::default()
        },
        staff: StaffScope::default(),
        socket_mode: Default::default(),
    }
}

async fn fill<C>(conn: &mut C)
where
    for<'c> &'c mut C: Executor<'c>,
    C: Connection,
{
    let now = "2026-11-02T09:00:00+00:00";
    conn.execute(format!("INSERT INTO functions (id, name, created_at, created_by) VALUES (1, 'Casework', '{now}', 'bench')").as_str())
        .await
        .expect("function");
    // The one asking: enrolled, so they are staff though no Slack answers here.
    conn.execute(format!("INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) VALUES (1, 'U0STAFF', 'member', '{now}', 'bench')").as_str())
        .await
        .expect("member");
    let measures = r#"{"mode":"phone","slots":[{"day":"tue","from":"09:00","to":"12:00"}]}"#;
    for chunk in 0..(PEOPLE / 500) {
        let mut people = Vec::new();
        let mut identifiers = Vec::new();
        let mut requests = Vec::new();
        let mut restrictions = Vec::new();
        let mut rows = Vec::new();
        for i in 0..500 {
            let p = chunk * 500 + i + 1;
            people.push(format!(
                "({p}, 'Person {p:05} Surname{}', 'bench', '{now}', '{now}', '{now}')",
                p % 97
            ));
            identifiers.push(format!(
                "({p}, 'phone', '07700 9{p:05}', '+4477009{p:05}', 'bench', '{now}')"
            ));
            identifiers.push(format!("({p}, 'email', 'person{p}@example.org', 'person{p}@example.org', 'bench', '{now}')"));
            identifiers.push(format!(
                "({p}, 'case_ref', 'CASE-{p}', 'CASE-{p}', 'bench', '{now}')"
            ));
            for k in 0..PER_PERSON {
                let id = (p - 1) * PER_PERSON + k + 1;
                requests.push(format!(
                    "({id}, 'REQ-{id:06}', {p}, 1, 'approved', 'j', 'p', 'violence_used_or_threatened', '2027-06-01', 'U0HEAD', '{now}', 'U0MANAGER', '{now}')"
                ));
                restrictions.push(format!("({id}, 'RES-{id:06}', {p}, 1, {id}, 'active', '2026-01-01', NULL, '2027-06-01', 'U0HEAD', '{now}')"));
                rows.push(format!("({id}, 'time_limited_contact', '{measures}')"));
                rows.push(format!(
                    "({id}, 'single_contact_method', '{{\"method\":\"email\"}}')"
                ));
            }
        }
        let sql = format!(
            "BEGIN; INSERT INTO service_users (id, display_name, created_by, created_at, updated_at, last_activity_at) VALUES {}; \
             INSERT INTO service_user_identifiers (service_user_id, kind, value, normalized, created_by, created_at) VALUES {}; \
             INSERT INTO restriction_requests (id, reference, service_user_id, function_id, status, justification, proportionality, \
             no_warning_reason, first_review_on, decided_by, decided_at, created_by, created_at) VALUES {}; \
             INSERT INTO restrictions (id, reference, service_user_id, function_id, request_id, status, starts_on, ends_on, \
             next_review_on, created_by, created_at) VALUES {}; \
             INSERT INTO restriction_measures (restriction_id, kind, params) VALUES {}; COMMIT;",
            people.join(","),
            identifiers.join(","),
            requests.join(","),
            restrictions.join(","),
            rows.join(",")
        );
        conn.execute(sql.as_str()).await.expect("fill");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn bench(label: &str, database_url: &str) {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 3, 10, 0, 0)
        .single()
        .expect("time");
    let app = Application::build_with_clock(config(database_url), Arc::new(ManualClock::new(now)))
        .await
        .expect("app");
    let started = Instant::now();
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await.expect("pg");
        fill(&mut conn).await;
        conn.execute("ANALYZE").await.expect("analyze");
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url)
            .await
            .expect("sqlite");
        fill(&mut conn).await;
        conn.execute("ANALYZE").await.expect("analyze");
    }
    println!(
        "{label}: filled {PEOPLE} people and {} restrictions in {:.1?}",
        PEOPLE * PER_PERSON,
        started.elapsed()
    );
    let address = format!("http://{}/slack/commands", app.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let verifier = SignatureVerifier::new(SecretString::from(SECRET));
    let mut timings = Vec::with_capacity(QUERIES);
    for n in 0..QUERIES {
        let p = (n * 7919) % PEOPLE + 1;
        let query = match n % 4 {
            0 => format!("07700 9{p:05}"),
            1 => format!("person{p}@example.org"),
            2 => format!("case-{p}"),
            _ => format!("Person {p:05}"),
        };
        let body = serde_urlencoded::to_string([
            ("team_id", "T0BENCH"),
            ("channel_id", "C0BENCH"),
            ("user_id", "U0STAFF"),
            ("command", "/contact"),
            ("text", &format!("check {query}")),
            ("response_url", "http://127.0.0.1:9/response"),
            ("trigger_id", "1.2.3"),
        ])
        .expect("form");
        let ts = now.timestamp().to_string();
        let signature = verifier.sign(&ts, body.as_bytes());
        let started = Instant::now();
        let response = http
            .post(&address)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", signature)
            .body(body)
            .send()
            .await
            .expect("sent");
        let text = response.text().await.expect("body");
        timings.push(started.elapsed());
        assert!(
            text.contains("Do not take calls except Tuesday"),
            "{query}: {text}"
        );
    }
    timings.sort();
    println!(
        "{label}: /contact check over HTTP, {QUERIES} lookups: p50 {:.1?}, p95 {:.1?}, p99 {:.1?}, max {:.1?}",
        percentile(&timings, 0.5),
        percentile(&timings, 0.95),
        percentile(&timings, 0.99),
        timings[timings.len() - 1]
    );
    let _ = stop.send(());
    let _ = server.await;
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        bench("sqlite", &sqlite).await;
        match std::env::var("BENCH_DATABASE_URL").or_else(|_| std::env::var("TEST_DATABASE_URL")) {
            Ok(admin) => {
                let name = format!("cpb_bench_check_{}", std::process::id());
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
