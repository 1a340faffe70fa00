//! The peers' register (`peers/seed.py`) in the bot's own schema: the same N people,
//! `Person 000123 Example` with phone `+447700000123` and email `person123@example.org`,
//! every third with an active restriction (calls only Tuesday 09:00-12:00, otherwise by
//! email), plus a case reference `CASE-123` each, which the peers do not have. The bot's
//! migrations make the schema; the rows go in with plain SQL in large transactions.

use contact_policy_bot::domain::person::Identifier;
use sqlx::{Connection, Executor};

/// The members of staff the bot knows: the one asking is a member of the function, so a
/// report files into it without being asked which.
pub const STAFF: &str = "U0STAFF";

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Migrates `url` (a SQLite file) and fills it with `people` people.
pub async fn fill(url: &str, people: usize) {
    contact_policy_bot::store::connect(url)
        .await
        .expect("the bot's database migrates");
    let mut conn = sqlx::SqliteConnection::connect(url)
        .await
        .expect("the bot's database opens");
    let now = "2026-11-02T09:00:00+00:00";
    for sql in [
        format!("INSERT INTO functions (id, name, created_at, created_by) VALUES (1, 'Casework', '{now}', 'bench')"),
        format!("INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) VALUES (1, '{STAFF}', 'member', '{now}', 'bench')"),
        format!("INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) VALUES (1, 'U0MANAGER', 'manager', '{now}', 'bench')"),
        format!("INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) VALUES (1, 'U0HEAD', 'head', '{now}', 'bench')"),
    ] {
        conn.execute(sql.as_str()).await.expect("function and roles");
    }
    let slots = r#"{"mode":"phone","slots":[{"day":"tue","from":"09:00","to":"12:00"}]}"#;
    let by_email = r#"{"method":"email"}"#;
    let chunk = 1000;
    for start in (0..people).step_by(chunk) {
        let (mut persons, mut identifiers, mut requests, mut restrictions, mut measures) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in start..(start + chunk).min(people) {
            let id = i + 1;
            let name = format!("Person {i:06} Example");
            persons.push(format!(
                "({id}, {}, {}, 'bench', '{now}', '{now}', '{now}')",
                quoted(&name),
                quoted(&name.to_lowercase())
            ));
            let phone = Identifier::phone(&format!("+447700{i:06}")).expect("a phone number");
            let email = Identifier::email(&format!("person{i}@example.org")).expect("an email");
            let case = Identifier::case_ref(&format!("CASE-{i}")).expect("a case reference");
            for identifier in [phone, email, case] {
                identifiers.push(format!(
                    "({id}, '{}', {}, {}, 'bench', '{now}')",
                    identifier.kind().as_str(),
                    quoted(identifier.value()),
                    quoted(identifier.normalized())
                ));
            }
            if i % 3 == 0 {
                requests.push(format!(
                    "({id}, 'REQ-{id:06}', {id}, 1, 'approved', 'j', 'p', 'violence_used_or_threatened', '2027-06-01', 'U0HEAD', '{now}', 'U0MANAGER', '{now}')"
                ));
                restrictions.push(format!(
                    "({id}, 'RES-{id:06}', {id}, 1, {id}, 'active', '2026-01-01', NULL, '2027-06-01', 'U0HEAD', '{now}')"
                ));
                measures.push(format!("({id}, 'time_limited_contact', '{slots}')"));
                measures.push(format!("({id}, 'single_contact_method', '{by_email}')"));
            }
        }
        let mut sql = format!(
            "BEGIN; INSERT INTO service_users (id, display_name, name_folded, created_by, created_at, updated_at, last_activity_at) VALUES {}; \
             INSERT INTO service_user_identifiers (service_user_id, kind, value, normalized, created_by, created_at) VALUES {};",
            persons.join(","),
            identifiers.join(",")
        );
        if !requests.is_empty() {
            sql.push_str(&format!(
                "INSERT INTO restriction_requests (id, reference, service_user_id, function_id, status, justification, proportionality, \
                 no_warning_reason, first_review_on, decided_by, decided_at, created_by, created_at) VALUES {}; \
                 INSERT INTO restrictions (id, reference, service_user_id, function_id, request_id, status, starts_on, ends_on, \
                 next_review_on, created_by, created_at) VALUES {}; \
                 INSERT INTO restriction_measures (restriction_id, kind, params) VALUES {};",
                requests.join(","),
                restrictions.join(","),
                measures.join(",")
            ));
        }
        sql.push_str("COMMIT;");
        conn.execute(sql.as_str())
            .await
            .expect("the register fills");
    }
    conn.execute("ANALYZE").await.expect("analyze");
}
