//! R-DP-5 (policy §2): the fairness and consistency report, on both backends. A register is
//! seeded with known numbers (some counts 5 or more, some 1 to 4, some 0); every section's
//! cells are checked, counts from 1 to 4 read "fewer than 5", no totals are given, and no
//! name, identifier or description of a seeded person appears in any output (CSV, JSON,
//! PNG, Slack messages).

use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::governance::output::{self, CSV_HEADER};
use contact_policy_bot::governance::period::Period;
use contact_policy_bot::governance::report::{Cell, Report};
use contact_policy_bot::governance::{chart, generate};
use contact_policy_bot::store::Store;
use serde_json::Value;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_contact-policy-bot");

/// Every personal value the seed writes: none may appear in any output.
const PERSONAL: [&str; 16] = [
    "Zebedee Quatermass",
    "Quatermass",
    "Ottoline Fairweather",
    "07700 900123",
    "+447700900123",
    "zq@example.org",
    "CASE-ZQ-991",
    "14 Lantern Row",
    "shouted about the boiler",
    "threatened the caretaker",
    "says the restriction is unfair",
    "keeps ringing the rent line",
    "POL-REF-7781",
    "Dear Mr Quatermass",
    "reads large print only",
    "because he was abusive",
];

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("instant")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

struct Seeded {
    housing: i64,
    revenues: i64,
}

/// Functions Housing (head U0HEAD, member U0STAFF) and Revenues (head U0OTHERMGR), and
/// admin U0ADMIN, through the store as the admin command would.
async fn functions(store: &dyn Store) -> Seeded {
    let actor = Actor::cli("test");
    let now = Utc::now();
    let housing = FunctionName::parse("Housing").expect("name");
    let revenues = FunctionName::parse("Revenues").expect("name");
    let housing_id = store
        .add_function(&housing, &actor, now)
        .await
        .expect("function");
    let revenues_id = store
        .add_function(&revenues, &actor, now)
        .await
        .expect("function");
    for (function, user, role) in [
        (&housing, "U0HEAD", Role::Head),
        (&housing, "U0MANAGER", Role::Manager),
        (&housing, "U0STAFF", Role::Member),
        (&revenues, "U0OTHERMGR", Role::Head),
    ] {
        store
            .grant_role(function, &UserId::from_slack(user), role, &actor, now)
            .await
            .expect("role");
    }
    store
        .add_admin(&UserId::from_slack("U0ADMIN"), &actor, now)
        .await
        .expect("admin");
    Seeded {
        housing: housing_id,
        revenues: revenues_id,
    }
}

/// The register, written straight to the tables (as years of use would leave it).
///
/// Housing, 2026: incidents March aggressive 6 (verbal abuse on all 6, threats on 2),
/// March demands 2, April persistent 5, and one at 00:30 BST on 1 July (June in UTC);
/// police reports: 5 made, 1 outstanding (the 6 March aggressive), 1 not made (April);
/// requests: 5 approved in 1 working day, 1 rejected after 14, 1 pending; 5 restrictions
/// (calls recorded on 5, a single point of contact on 2); reviews: 1 on time, 1 late, 3
/// overdue and not done; disputes: 5 still apply, 1 awaiting; breaches: phone 7, email 3;
/// letters: restriction notice standard English 5, large print Welsh 2.
/// Revenues: 1 incident (February, persistent). Outside the period: 1 incident on 31 Dec 2025.
macro_rules! exec_on {
    ($c:expr, $sql:expr $(, $b:expr)*) => {
        sqlx::query($sql)$(.bind($b))*.execute(&mut $c).await.expect($sql)
    };
}

macro_rules! id_on {
    ($c:expr, $sql:expr $(, $b:expr)*) => {
        sqlx::query_scalar::<_, i64>($sql)$(.bind($b))*.fetch_one(&mut $c).await.expect($sql)
    };
}

async fn seed_register(db_url: &str, seeded: &Seeded) {
    use sqlx::Connection;
    let (h, r) = (seeded.housing, seeded.revenues);
    macro_rules! seed {
        ($c:expr) => {{
            let t0 = at(2026, 1, 5, 9);
            let zq = id_on!($c, "INSERT INTO service_users (display_name, name_folded, preferred_format, language, communication_needs, created_by, created_at, updated_at, last_activity_at) \
                          VALUES ($1, $2, 'large_print', 'cy', $3, 'U0STAFF', $4, $4, $4) RETURNING id",
                "Zebedee Quatermass", "zebedee quatermass", "reads large print only", t0);
            let of = id_on!($c, "INSERT INTO service_users (display_name, name_folded, created_by, created_at, updated_at, last_activity_at) \
                          VALUES ($1, $2, 'U0STAFF', $3, $3, $3) RETURNING id",
                "Ottoline Fairweather", "ottoline fairweather", t0);
            for (kind, value, normalized) in [
                ("phone", "07700 900123", "+447700900123"),
                ("email", "zq@example.org", "zq@example.org"),
                ("case_ref", "CASE-ZQ-991", "CASE-ZQ-991"),
                ("postal_address", "14 Lantern Row", "14 lantern row"),
            ] {
                exec_on!($c, "INSERT INTO service_user_identifiers (service_user_id, kind, value, normalized, created_by, created_at) VALUES ($1, $2, $3, $4, 'U0STAFF', $5)",
                    zq, kind, value, normalized, t0);
            }
            let mut n = 0;
            let mut incident = |function: i64, person: i64, category: &'static str, when: DateTime<Utc>, police: bool| {
                n += 1;
                (format!("INC-T{n}"), function, person, category, when, police)
            };
            let mut incidents = Vec::new();
            for i in 0..6 {
                incidents.push(incident(h, zq, "aggressive_abusive", at(2026, 3, 2 + i, 10), true));
            }
            for i in 0..2 {
                incidents.push(incident(h, zq, "unreasonable_demands", at(2026, 3, 20 + i, 10), false));
            }
            for i in 0..5 {
                incidents.push(incident(h, zq, "unreasonably_persistent", at(2026, 4, 6 + i, 10), false));
            }
            // 00:30 on 1 July in London (BST): July, though still June in UTC.
            incidents.push(incident(h, zq, "unreasonably_persistent", Utc.with_ymd_and_hms(2026, 6, 30, 23, 30, 0).single().expect("t"), false));
            incidents.push(incident(r, of, "unreasonably_persistent", at(2026, 2, 10, 10), false));
            // 31 Dec 2025: outside the period.
            incidents.push(incident(h, zq, "aggressive_abusive", at(2025, 12, 31, 12), false));
            let mut incident_ids = Vec::new();
            for (reference, function, person, category, when, police) in &incidents {
                let id = id_on!($c, "INSERT INTO incidents (reference, service_user_id, function_id, category, channel, occurred_at, description, impact_note, police_report_required, created_by, created_at) \
                              VALUES ($1, $2, $3, $4, 'phone', $5, $6, $7, $8, 'U0STAFF', $5) RETURNING id",
                    reference.clone(), *person, *function, *category, *when, "Zebedee shouted about the boiler and threatened the caretaker", "keeps ringing the rent line", *police);
                incident_ids.push(id);
            }
            for (i, id) in incident_ids.iter().take(6).enumerate() {
                exec_on!($c, "INSERT INTO incident_kinds (incident_id, kind) VALUES ($1, 'verbal_abuse')", *id);
                if i < 2 {
                    exec_on!($c, "INSERT INTO incident_kinds (incident_id, kind) VALUES ($1, 'threats')", *id);
                }
                if i < 5 {
                    exec_on!($c, "INSERT INTO police_reports (incident_id, function_id, reported_on, police_reference, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'U0MANAGER', $6)",
                        *id, h, day(2026, 3, 10), "POL-REF-7781", "Dear Mr Quatermass", at(2026, 3, 10, 12));
                }
            }
            exec_on!($c, "INSERT INTO police_reports (incident_id, function_id, not_reported_reason, note, created_by, created_at) VALUES ($1, $2, $3, '', 'U0MANAGER', $4)",
                incident_ids[8], h, "because he was abusive", at(2026, 4, 20, 12));

            // Requests: 5 approved the next working day, 1 rejected after 14, 1 pending.
            let request = |k: usize, status: &'static str, decided: Option<DateTime<Utc>>, person: i64, review: NaiveDate| {
                (format!("REQ-T{k}"), status, decided, person, review)
            };
            let mut requests = Vec::new();
            for k in 0..5 {
                requests.push(request(k, "approved", Some(at(2026, 3, 3, 15)), zq, day(2026, 6, 1)));
            }
            requests.push(request(5, "rejected", Some(at(2026, 3, 20, 15)), zq, day(2026, 9, 1)));
            requests.push(request(6, "pending", None, of, day(2026, 9, 1)));
            let mut restriction_ids = Vec::new();
            for (k, (reference, status, decided, person, review)) in requests.iter().enumerate() {
                let function = if *person == of { r } else { h };
                let reason = (*status == "rejected").then_some("because he was abusive");
                let request_id = id_on!($c, "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, proportionality, no_warning_reason, first_review_on, decided_by, decided_at, decision_reason, created_by, created_at) \
                                      VALUES ($1, $2, $3, $4, $5, $5, 'violence_used_or_threatened', $6, $7, $8, $9, 'U0MANAGER', $10) RETURNING id",
                    reference.clone(), *person, function, *status, "Zebedee shouted about the boiler", *review,
                    decided.map(|_| "U0HEAD"), *decided, reason, at(2026, 3, 2, 10));
                if *status == "approved" {
                    // Reviews: restrictions 0-2 overdue (due 1 June, not done); 3 reviewed on
                    // time, 4 late, both now due next March.
                    let next_review = if k < 3 { day(2026, 6, 1) } else { day(2027, 3, 1) };
                    let restriction = id_on!($c, "INSERT INTO restrictions (reference, service_user_id, function_id, request_id, status, starts_on, next_review_on, created_by, created_at) \
                                          VALUES ($1, $2, $3, $4, 'active', $5, $6, 'U0HEAD', $7) RETURNING id",
                        format!("RES-T{k}"), *person, h, request_id, day(2026, 3, 3), next_review, at(2026, 3, 3, 15));
                    exec_on!($c, "INSERT INTO restriction_measures (restriction_id, kind, params) VALUES ($1, 'calls_recorded', $2)", restriction, sqlx::types::Json(serde_json::json!({})));
                    if k < 2 {
                        exec_on!($c, "INSERT INTO restriction_measures (restriction_id, kind, params) VALUES ($1, 'single_point_of_contact', $2)", restriction, sqlx::types::Json(serde_json::json!({"slack_user_id": "U0MANAGER"})));
                    }
                    restriction_ids.push(restriction);
                }
            }
            for (k, decided) in [(3usize, at(2026, 5, 10, 10)), (4, at(2026, 7, 15, 10))] {
                exec_on!($c, "INSERT INTO reviews (reference, restriction_id, service_user_id, function_id, kind, status, outcome, reasons, next_review_on, decided_by, decided_at, created_by, created_at) \
                       VALUES ($1, $2, $3, $4, 'annual', 'decided', 'continue', $5, $6, 'U0MANAGER', $7, 'U0MANAGER', $7)",
                    format!("REV-T{k}"), restriction_ids[k], zq, h, "because he was abusive", day(2027, 3, 1), decided);
            }
            // Disputes: 5 still apply, 1 awaiting resolution.
            for k in 0..6 {
                let resolved = k < 5;
                exec_on!($c, "INSERT INTO disputes (reference, restriction_id, service_user_id, function_id, received_on, summary, handler_slack_user_id, due_on, status, outcome, outcome_reasons, resolved_by, resolved_at, created_by, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, 'U0HANDLER', $7, $8, $9, $10, $11, $12, 'U0MANAGER', $13)",
                    format!("DSP-T{k}"), restriction_ids[0], zq, h, day(2026, 4, 1), "Zebedee says the restriction is unfair", day(2026, 5, 1),
                    if resolved { "resolved" } else { "awaiting_resolution" },
                    resolved.then_some("still_applies"), resolved.then_some("because he was abusive"),
                    resolved.then_some("U0HANDLER"), resolved.then(|| at(2026, 4, 20, 10)), at(2026, 4, 1, 10));
            }
            // Breaches: phone 7, email 3.
            for (channel, count) in [("phone", 7), ("email", 3)] {
                for k in 0..count {
                    exec_on!($c, "INSERT INTO breaches (restriction_id, service_user_id, function_id, channel, occurred_at, description, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'U0STAFF', $5)",
                        restriction_ids[1], zq, h, channel, at(2026, 5, 4 + k, 11), "keeps ringing the rent line");
                }
            }
            // Letters: restriction notices, standard English 5, large print Welsh 2.
            for (format, language, count) in [("standard", "en", 5), ("large_print", "cy", 2)] {
                for k in 0..count {
                    exec_on!($c, "INSERT INTO letters (kind, service_user_id, function_id, restriction_id, format, language, template, body, created_by, created_at) \
                           VALUES ('restriction_notice', $1, $2, $3, $4, $5, 'restriction_notice.html', $6, 'U0MANAGER', $7)",
                        zq, h, restriction_ids[k], format, language, "Dear Mr Quatermass, 14 Lantern Row", at(2026, 3, 4, 9));
                }
            }
        }};
    }
    if db_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db_url).await.expect("pg");
        seed!(conn);
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db_url)
            .await
            .expect("sqlite");
        seed!(conn);
    }
}

fn cell(
    report: &Report,
    section: &str,
    month: Option<&str>,
    function: &str,
    codes: &[&str],
) -> Cell {
    report
        .table(section)
        .unwrap_or_else(|| panic!("no section {section}"))
        .cell(month, function, codes)
        .unwrap_or_else(|| panic!("no cell {section} {month:?} {function} {codes:?}"))
}

fn assert_no_personal_data(what: &str, text: &str) {
    for value in PERSONAL {
        assert!(!text.contains(value), "{what} holds {value:?}");
    }
}

async fn r_dp_5_report_counts_a_seeded_register_with_fewer_than_5(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_5_counts").await else {
        return;
    };
    let store = app.store.as_ref();
    let seeded = functions(store).await;
    seed_register(app.db.url(), &seeded).await;
    let all = store.list_functions().await.expect("functions");
    let period = Period::from_dates("2026-01-01", "2027-01-01").expect("period");
    let report = generate(
        store,
        &all,
        None,
        period,
        "Test Office",
        chrono_tz::Europe::London,
        Utc::now(),
    )
    .await
    .expect("report");
    let c = |section: &str, month: Option<&str>, function: &str, codes: &[&str]| {
        cell(&report, section, month, function, codes)
    };
    use Cell::{Count, FewerThanFive as Few, Withheld};
    // The counts behind the cells, as the store made them, for the cells the report
    // withholds beside a lone "fewer than 5" (secondary suppression).
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let raw = store
        .governance_counts(&period.query(chrono_tz::Europe::London, today))
        .await
        .expect("counts");
    let housing = seeded.housing;
    let raw_of =
        |groups: &[contact_policy_bot::store::governance::GroupCount], codes: &[&str]| -> i64 {
            groups
                .iter()
                .filter(|g| {
                    g.function_id == housing
                        && g.codes.iter().map(String::as_str).eq(codes.iter().copied())
                })
                .map(|g| g.count)
                .sum()
        };

    // Incidents per month and category; 00:30 BST on 1 July counts in July.
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-03"),
            "Housing",
            &["aggressive_abusive"]
        ),
        Withheld
    );
    let march = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    assert_eq!(
        raw.incidents
            .iter()
            .filter(|m| m.month == march
                && m.function_id == housing
                && m.category == "aggressive_abusive")
            .map(|m| m.count)
            .sum::<i64>(),
        6
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-03"),
            "Housing",
            &["unreasonable_demands"]
        ),
        Few
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-04"),
            "Housing",
            &["unreasonably_persistent"]
        ),
        Count(5)
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-04"),
            "Housing",
            &["aggressive_abusive"]
        ),
        Count(0)
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-06"),
            "Housing",
            &["unreasonably_persistent"]
        ),
        Count(0)
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-07"),
            "Housing",
            &["unreasonably_persistent"]
        ),
        Few
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-02"),
            "Revenues",
            &["unreasonably_persistent"]
        ),
        Few
    );
    assert_eq!(
        c(
            "incidents_by_month",
            Some("2026-01"),
            "Housing",
            &["aggressive_abusive"]
        ),
        Count(0)
    );
    assert!(report
        .table("incidents_by_month")
        .expect("t")
        .rows
        .iter()
        .all(|r| r.month.as_deref().is_some_and(|m| m.starts_with("2026-"))));
    // Kinds.
    assert_eq!(
        c(
            "incident_kinds",
            None,
            "Housing",
            &["aggressive_abusive", "verbal_abuse"]
        ),
        Withheld
    );
    assert_eq!(
        raw_of(&raw.incident_kinds, &["aggressive_abusive", "verbal_abuse"]),
        6
    );
    assert_eq!(
        c(
            "incident_kinds",
            None,
            "Housing",
            &["aggressive_abusive", "threats"]
        ),
        Few
    );
    assert_eq!(
        c(
            "incident_kinds",
            None,
            "Housing",
            &["aggressive_abusive", "rudeness"]
        ),
        Count(0)
    );
    // Requests and time to decision.
    assert_eq!(
        c("requests_by_outcome", None, "Housing", &["approved"]),
        Withheld
    );
    assert_eq!(raw_of(&raw.requests, &["approved"]), 5);
    assert_eq!(
        c("requests_by_outcome", None, "Housing", &["rejected"]),
        Few
    );
    assert_eq!(
        c("requests_by_outcome", None, "Housing", &["withdrawn"]),
        Count(0)
    );
    assert_eq!(
        c("requests_by_outcome", None, "Revenues", &["pending"]),
        Few
    );
    assert_eq!(c("decision_time", None, "Housing", &["up_to_2"]), Withheld);
    let quick: i64 = raw
        .decisions
        .iter()
        .filter(|d| d.function_id == housing)
        .filter(|d| {
            let zone = chrono_tz::Europe::London;
            contact_policy_bot::governance::report::working_days_between(
                d.requested_at.with_timezone(&zone).date_naive(),
                d.decided_at.with_timezone(&zone).date_naive(),
            ) <= 2
        })
        .map(|d| d.count)
        .sum();
    assert_eq!(quick, 5);
    assert_eq!(c("decision_time", None, "Housing", &["over_10"]), Few);
    assert_eq!(c("decision_time", None, "Housing", &["3_to_5"]), Count(0));
    // Measures.
    assert_eq!(
        c("restriction_measures", None, "Housing", &["calls_recorded"]),
        Withheld
    );
    assert_eq!(raw_of(&raw.measures, &["calls_recorded"]), 5);
    assert_eq!(
        c(
            "restriction_measures",
            None,
            "Housing",
            &["single_point_of_contact"]
        ),
        Few
    );
    assert_eq!(
        c("restriction_measures", None, "Housing", &["block_contact"]),
        Count(0)
    );
    // Disputes.
    assert_eq!(
        c("disputes_by_outcome", None, "Housing", &["still_applies"]),
        Withheld
    );
    assert_eq!(raw_of(&raw.disputes, &["still_applies"]), 5);
    assert_eq!(
        c(
            "disputes_by_outcome",
            None,
            "Housing",
            &["awaiting_resolution"]
        ),
        Few
    );
    assert_eq!(
        c("disputes_by_outcome", None, "Housing", &["lifted"]),
        Count(0)
    );
    // Reviews: 1 on time, 1 late, 3 overdue and not done.
    assert_eq!(c("reviews", None, "Housing", &["done_on_time"]), Few);
    assert_eq!(c("reviews", None, "Housing", &["done_late"]), Few);
    assert_eq!(c("reviews", None, "Housing", &["overdue_not_done"]), Few);
    assert_eq!(c("reviews", None, "Housing", &["early"]), Count(0));
    // Police reports.
    assert_eq!(c("police_reports", None, "Housing", &["made"]), Count(5));
    assert_eq!(c("police_reports", None, "Housing", &["outstanding"]), Few);
    assert_eq!(c("police_reports", None, "Housing", &["not_made"]), Few);
    assert_eq!(c("police_reports", None, "Revenues", &["made"]), Count(0));
    // Breaches by channel.
    assert_eq!(
        c("breaches_by_channel", None, "Housing", &["phone"]),
        Withheld
    );
    assert_eq!(raw_of(&raw.breaches, &["phone"]), 7);
    assert_eq!(c("breaches_by_channel", None, "Housing", &["email"]), Few);
    assert_eq!(
        c("breaches_by_channel", None, "Housing", &["letter"]),
        Count(0)
    );
    // Letters by kind, format, language.
    assert_eq!(
        c(
            "letters",
            None,
            "Housing",
            &["restriction_notice", "standard", "en"]
        ),
        Withheld
    );
    assert_eq!(
        raw_of(&raw.letters, &["restriction_notice", "standard", "en"]),
        5
    );
    assert_eq!(
        c(
            "letters",
            None,
            "Housing",
            &["restriction_notice", "large_print", "cy"]
        ),
        Few
    );
    assert_eq!(
        c("letters", None, "Housing", &["warning", "easy_read", "cy"]),
        Count(0)
    );

    // The subtraction guard: cells only, no totals anywhere; every shown count is 0 or ≥5.
    for table in &report.tables {
        for row in &table.rows {
            assert!(
                !row.codes.iter().any(|code| code.contains("total")),
                "{row:?}"
            );
            if let Cell::Count(n) = row.count {
                assert!(n == 0 || n >= 5, "{} shows {n}", table.section);
            }
        }
    }

    // CSV: one header, one row per cell, suppressed cells as words.
    let csv = output::csv(&report).expect("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, CSV_HEADER.to_vec());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let cells: usize = report.tables.iter().map(|t| t.rows.len()).sum();
    assert_eq!(rows.len(), cells);
    assert!(rows.iter().any(|r| &r[3] == "incidents_by_month"
        && &r[4] == "2026-04"
        && &r[5] == "Housing"
        && &r[6] == "unreasonably_persistent"
        && &r[8] == "5"));
    assert!(rows.iter().any(|r| &r[3] == "incidents_by_month"
        && &r[4] == "2026-03"
        && &r[5] == "Housing"
        && &r[6] == "aggressive_abusive"
        && &r[8] == "withheld"));
    assert!(rows.iter().any(|r| &r[3] == "breaches_by_channel"
        && &r[5] == "Housing"
        && &r[6] == "email"
        && &r[8] == "fewer than 5"));
    assert!(rows
        .iter()
        .all(|r| &r[0] == "Test Office" && &r[1] == "2026-01-01" && &r[2] == "2026-12-31"));
    for r in &rows {
        let count = &r[8];
        assert!(
            count == "fewer than 5"
                || count == "withheld"
                || count.parse::<i64>().is_ok_and(|n| n == 0 || n >= 5),
            "{r:?}"
        );
    }
    // JSON: the same cells.
    let json: Value =
        serde_json::from_str(&output::json(&report).expect("json")).expect("valid JSON");
    assert_eq!(json["period_start"], "2026-01-01");
    assert_eq!(json["period_end"], "2026-12-31");
    assert_eq!(json["scope"]["kind"], "all_functions");
    let breaches = json["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["section"] == "breaches_by_channel")
        .expect("breaches");
    let email = breaches["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["function"] == "Housing" && r["codes"][0] == "email")
        .expect("email");
    assert_eq!(email["count"], "fewer than 5");
    let phone = breaches["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["function"] == "Housing" && r["codes"][0] == "phone")
        .expect("phone");
    assert_eq!(phone["count"], "withheld");
    // PNG.
    let png = chart::png(&report).expect("chart");
    assert_valid_png(&png);
    std::fs::write(
        std::env::temp_dir().join(format!("governance-{backend:?}.png")),
        &png,
    )
    .ok();

    assert_no_personal_data("CSV", &csv);
    assert_no_personal_data("JSON", &json.to_string());
    // The chart draws its text as pixels, so it cannot be searched for names; it is drawn
    // from the report's cells alone (function names, the policy's labels and the cells'
    // texts), which the CSV and JSON checks above cover.
    app.stop().await.expect("stops cleanly");
}

/// A valid PNG of the chart's size, with no text chunks (no metadata at all).
fn assert_valid_png(png: &[u8]) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert!(
        png.len() > 20_000 && png.len() < 3_000_000,
        "PNG of {} bytes",
        png.len()
    );
    let decoder = png::Decoder::new(png);
    let reader = decoder.read_info().expect("a PNG that decodes");
    let info = reader.info();
    assert_eq!((info.width, info.height), (1400, 1050));
    assert!(
        info.uncompressed_latin1_text.is_empty()
            && info.utf8_text.is_empty()
            && info.compressed_latin1_text.is_empty()
    );
}

/// Heads get their own function's report in a DM (CSV and chart through the outbox), the
/// reading is audited, and a member is refused and told who may.
async fn r_dp_5_a_head_gets_their_functions_report_in_dm_and_a_member_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_5_slack").await else {
        return;
    };
    let store = app.store.as_ref();
    let seeded = functions(store).await;
    seed_register(app.db.url(), &seeded).await;

    let refused: Value = app
        .slash_command("U0STAFF", "governance 2026")
        .await
        .json()
        .await
        .expect("json");
    let refused = refused["text"].as_str().unwrap_or_default().to_owned();
    assert!(
        refused.contains("admins") && refused.contains("heads of function"),
        "{refused}"
    );

    let bad: Value = app
        .slash_command("U0HEAD", "governance next-tuesday")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        bad["text"].as_str().unwrap_or_default().contains("2026-Q3"),
        "{bad}"
    );

    let response = app.slash_command("U0HEAD", "governance 2026").await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("json");
    assert!(
        answer["text"]
            .as_str()
            .unwrap_or_default()
            .contains("1 Jan 2026 to 31 Dec 2026"),
        "{answer}"
    );

    let uploads = app
        .slack
        .wait_for_calls("upload", 2, std::time::Duration::from_secs(10))
        .await;
    app.slack
        .wait_for_calls(
            "files.completeUploadExternal",
            2,
            std::time::Duration::from_secs(10),
        )
        .await;
    assert!(
        app.slack.refusals().is_empty(),
        "{:?}",
        app.slack.refusals()
    );
    let csv = uploads
        .iter()
        .find_map(|u| {
            u.body["text"]
                .as_str()
                .filter(|t| t.starts_with("organisation,"))
        })
        .expect("the CSV");
    assert!(
        csv.contains("Housing") && !csv.contains("Revenues"),
        "a head sees only their function"
    );
    assert!(
        csv.contains("breaches_by_channel,,Housing,phone,Phone,withheld"),
        "{csv}"
    );
    let png = uploads
        .iter()
        .find_map(|u| u.body["base64"].as_str())
        .expect("the chart");
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(png)
        .expect("base64");
    assert_valid_png(&png);
    let opened = app.slack.calls_to("conversations.open");
    assert!(
        opened.iter().all(|c| c.body.to_string().contains("U0HEAD")),
        "{opened:?}"
    );

    // Audited: who, period, formats, scope; no counts.
    let events = store.all_audit_events().await.expect("audit");
    let read = events
        .iter()
        .find(|e| e.action == "governance_report")
        .expect("audit event");
    assert_eq!(read.actor, "U0HEAD");
    let after = read.after.clone().expect("after");
    assert_eq!(after["period_start"], "2026-01-01");
    assert_eq!(after["scope"], serde_json::json!([seeded.housing]));
    assert_eq!(after["formats"], serde_json::json!(["csv", "png"]));

    // Nothing personal in what the report sent: the DM's note and the uploads. (The
    // running scheduler may DM the head reminders about the seeded people meanwhile;
    // those are theirs to see, and not the report's.)
    for call in app.slack.calls() {
        let is_note = call.body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Your governance report"));
        if call.method == "chat.postMessage" && !is_note {
            continue;
        }
        assert_no_personal_data(&call.method, &call.body.to_string());
    }
    assert_no_personal_data("the answer", &answer.to_string());
    app.stop().await.expect("stops cleanly");
}

/// `admin governance`: CSV by default, JSON on request, to a file; bad dates or a
/// reversed period give one line; each reading is audited.
async fn r_dp_5_admin_governance_writes_csv_or_json_and_refuses_bad_dates(backend: Backend) {
    let Some(app) = spawn_app(backend, "r_dp_5_cli").await else {
        return;
    };
    let store = app.store.as_ref();
    let seeded = functions(store).await;
    seed_register(app.db.url(), &seeded).await;
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .env_clear()
            .env("DATABASE_URL", app.db.url())
            .env("ORGANISATION_NAME", "Test Office")
            .current_dir(dir.path())
            .args(["admin", "--actor", "U0ADMIN", "governance"])
            .args(args)
            .output()
            .expect("runs")
    };
    let csv = run(&["--from", "2026-01-01", "--to", "2027-01-01"]);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert!(
        csv.starts_with(
            "organisation,period_start,period_end,section,month,function,codes,breakdown,count\n"
        ),
        "{csv}"
    );
    assert!(csv.contains("Test Office,2026-01-01,2026-12-31,incidents_by_month,2026-02,Revenues,unreasonably_persistent,Unreasonably persistent,fewer than 5"), "{csv}");
    assert_no_personal_data("CLI CSV", &csv);

    let out = dir.path().join("report.json");
    let json = run(&[
        "--from",
        "2026-01-01",
        "--to",
        "2027-01-01",
        "--format",
        "json",
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let written = std::fs::read_to_string(&out).expect("file written");
    let value: Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(value["organisation"], "Test Office");
    assert_eq!(value["tables"].as_array().map(Vec::len), Some(10));
    assert_no_personal_data("CLI JSON", &written);

    for (args, expected) in [
        (
            &["--from", "2026-02-30", "--to", "2027-01-01"][..],
            "is not a date",
        ),
        (
            &["--from", "2027-01-01", "--to", "2026-01-01"][..],
            "the period is empty",
        ),
    ] {
        let output = run(args);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The error is one line; admin commands first say which database they use.
        let errors: Vec<&str> = stderr
            .trim()
            .lines()
            .filter(|l| !l.starts_with("using "))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    let readings = store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "governance_report")
        .count();
    assert_eq!(readings, 2);
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_dp_5_report_counts_a_seeded_register_with_fewer_than_5,
    r_dp_5_a_head_gets_their_functions_report_in_dm_and_a_member_is_refused,
    r_dp_5_admin_governance_writes_csv_or_json_and_refuses_bad_dates,
);
