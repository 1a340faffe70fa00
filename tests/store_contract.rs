//! The `Store` contract, proved once and run against both backends: every scenario is
//! an `async fn(Arc<dyn Store>, &str)` and `contract_test!` runs it on a fresh SQLite
//! file and on a fresh PostgreSQL database (skipped, with a note, when
//! `TEST_DATABASE_URL` is unset).

#[path = "common/db.rs"]
mod db;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use contact_policy_bot::domain::audit::AuditEntry;
use contact_policy_bot::domain::dispute::{DisputeOutcome, DisputeStatus};
use contact_policy_bot::domain::restriction::{RequestStatus, RestrictionStatus};
use contact_policy_bot::domain::review::{ReviewOutcome, ReviewStatus};
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use contact_policy_bot::store::prelude::*;
use contact_policy_bot::store::records::Outcome;
use contact_policy_bot::store::{
    connect, AuditEvent, DeliveryOutcome, FunctionSummary, NewOutboxMessage, OutboxMessage,
    OutboxStatus, RoleHolding, StoreError,
};
use serde_json::json;
use sqlx::{Connection, PgConnection, SqliteConnection};

/// Generates `sqlite_…` and `postgres_…` tests that run one scenario on a freshly
/// migrated store. An optional leading attribute replaces `#[tokio::test]`; any further
/// attributes (e.g. `#[ignore = "…"]`) are put on both tests.
macro_rules! contract_test {
    ($sqlite:ident, $postgres:ident => $scenario:ident) => {
        contract_test!(#[tokio::test] $sqlite, $postgres => $scenario);
    };
    (#[$test:meta] $(#[$extra:meta])* $sqlite:ident, $postgres:ident => $scenario:ident) => {
        #[$test]
        $(#[$extra])*
        async fn $sqlite() {
            let db = db::TestDb::sqlite();
            let store = connect(db.url()).await.expect("open SQLite store");
            $scenario(store, db.url()).await;
        }

        #[$test]
        $(#[$extra])*
        async fn $postgres() {
            let Some(db) = db::TestDb::postgres(stringify!($postgres)).await else {
                return;
            };
            let store = connect(db.url()).await.expect("open PostgreSQL store");
            $scenario(store, db.url()).await;
        }
    };
}

// --- Helpers. ---

/// A fixed instant with a fractional part in whole microseconds (what PostgreSQL keeps).
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0)
        .single()
        .expect("valid base instant")
        + Duration::microseconds(123_456)
}

/// `base()` plus whole seconds.
fn at(seconds: i64) -> DateTime<Utc> {
    base() + Duration::seconds(seconds)
}

fn user(raw: &str) -> UserId {
    UserId::parse(raw).expect("valid Slack user id")
}

fn function(raw: &str) -> FunctionName {
    FunctionName::parse(raw).expect("valid function name")
}

fn admin_actor() -> Actor {
    Actor::cli("tester")
}

fn message(key: &str) -> NewOutboxMessage {
    NewOutboxMessage {
        idempotency_key: key.to_owned(),
        method: "chat.postMessage".to_owned(),
        payload: json!({ "channel": "C0TEST", "text": format!("message {key}") }),
        subject_type: Some("test".to_owned()),
        subject_id: Some(key.to_owned()),
        service_user_id: None,
    }
}

fn messages(keys: &[&str]) -> Vec<NewOutboxMessage> {
    keys.iter().map(|k| message(k)).collect()
}

async fn audit(store: &dyn Store) -> Vec<AuditEvent> {
    store.all_audit_events().await.expect("read audit trail")
}

/// The audit events written since `before` was read.
async fn audit_since(store: &dyn Store, before: &[AuditEvent]) -> Vec<AuditEvent> {
    let all = audit(store).await;
    assert!(
        all.starts_with(before),
        "audit trail changed in place: {before:#?} is no longer a prefix of {all:#?}"
    );
    all[before.len()..].to_vec()
}

async fn outbox(store: &dyn Store) -> Vec<OutboxMessage> {
    store.outbox_messages().await.expect("read outbox")
}

async fn outbox_row(store: &dyn Store, id: i64) -> OutboxMessage {
    outbox(store)
        .await
        .into_iter()
        .find(|m| m.id == id)
        .unwrap_or_else(|| panic!("outbox row {id} exists"))
}

fn ids(rows: &[OutboxMessage]) -> Vec<i64> {
    rows.iter().map(|m| m.id).collect()
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, context: &str) {
    assert!(
        matches!(result, Err(StoreError::Conflict { .. })),
        "{context}: expected Conflict, got {result:?}"
    );
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>, context: &str) {
    assert!(
        matches!(result, Err(StoreError::NotFound { .. })),
        "{context}: expected NotFound, got {result:?}"
    );
}

/// Runs one statement on a connection of its own, outside the store.
async fn raw_execute(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut conn = PgConnection::connect(url)
            .await
            .expect("raw PostgreSQL connection");
        let result = sqlx::query(sql).execute(&mut conn).await;
        conn.close().await.expect("close raw connection");
        result.map(|r| r.rows_affected())
    } else {
        let mut conn = SqliteConnection::connect(url)
            .await
            .expect("raw SQLite connection");
        let result = sqlx::query(sql).execute(&mut conn).await;
        conn.close().await.expect("close raw connection");
        result.map(|r| r.rows_affected())
    }
}

fn role_subject(function_id: i64, user: &UserId) -> String {
    format!("{function_id}:{user}")
}

// --- Functions and roles. ---

contract_test!(
    sqlite_functions_and_roles_are_granted_listed_and_revoked,
    postgres_functions_and_roles_are_granted_listed_and_revoked
        => functions_and_roles_are_granted_listed_and_revoked
);

async fn functions_and_roles_are_granted_listed_and_revoked(store: Arc<dyn Store>, _url: &str) {
    let actor = admin_actor();
    let casework = function("Casework");
    let housing = function("Housing");
    let (head, new_head, deputy, manager, member) = (
        user("U0HEAD1"),
        user("U0HEAD2"),
        user("U0DEPUTY"),
        user("U0MANAGER"),
        user("U0MEMBER"),
    );

    assert_eq!(store.list_functions().await.expect("list"), vec![]);
    let casework_id = store
        .add_function(&casework, &actor, at(0))
        .await
        .expect("add Casework");
    assert_conflict(
        store.add_function(&casework, &actor, at(1)).await,
        "adding Casework twice",
    );
    let housing_id = store
        .add_function(&housing, &actor, at(2))
        .await
        .expect("add Housing");
    assert_ne!(casework_id, housing_id);

    store
        .grant_role(&casework, &head, Role::Head, &actor, at(3))
        .await
        .expect("grant head");
    store
        .grant_role(&casework, &deputy, Role::Deputy, &actor, at(4))
        .await
        .expect("grant deputy");
    store
        .grant_role(&casework, &manager, Role::Manager, &actor, at(5))
        .await
        .expect("grant manager");
    store
        .grant_role(&casework, &member, Role::Member, &actor, at(6))
        .await
        .expect("grant member");
    // One person may hold two roles in a function, but not the same one twice.
    store
        .grant_role(&casework, &manager, Role::Member, &actor, at(7))
        .await
        .expect("grant the manager membership too");
    assert_conflict(
        store
            .grant_role(&casework, &member, Role::Member, &actor, at(8))
            .await,
        "granting a role already held",
    );
    assert_conflict(
        store
            .grant_role(&casework, &head, Role::Head, &actor, at(8))
            .await,
        "making the head head again",
    );

    let listed = store.list_functions().await.expect("list functions");
    assert_eq!(
        listed,
        vec![
            FunctionSummary {
                id: casework_id,
                name: "Casework".into(),
                head: Some(head.clone()),
                deputies: vec![deputy.clone()],
                managers: vec![manager.clone()],
                members: vec![manager.clone(), member.clone()],
            },
            FunctionSummary {
                id: housing_id,
                name: "Housing".into(),
                head: None,
                deputies: vec![],
                managers: vec![],
                members: vec![],
            },
        ]
    );
    assert_eq!(
        store.function_by_name(&casework).await.expect("by name"),
        Some(listed[0].clone())
    );
    assert_eq!(
        store
            .function_by_name(&function("Nowhere"))
            .await
            .expect("by name"),
        None
    );

    // A new head replaces the old one, and both halves are in the trail.
    let before = audit(&*store).await;
    store
        .grant_role(&casework, &new_head, Role::Head, &actor, at(9))
        .await
        .expect("grant new head");
    let summary = store
        .function_by_name(&casework)
        .await
        .expect("by name")
        .expect("Casework exists");
    assert_eq!(summary.head, Some(new_head.clone()));
    assert_eq!(
        store.roles_of(&head).await.expect("roles of old head"),
        vec![]
    );
    let written = audit_since(&*store, &before).await;
    let written: Vec<_> = written
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.subject_type.as_str(),
                e.subject_id.clone(),
                e.function_id,
                e.before.clone(),
                e.after.clone(),
                e.occurred_at,
            )
        })
        .collect();
    assert_eq!(
        written,
        vec![
            (
                "cli:tester",
                "role_revoked",
                "function_role",
                role_subject(casework_id, &head),
                Some(casework_id),
                Some(json!({ "user": "U0HEAD1", "role": "head" })),
                None,
                at(9),
            ),
            (
                "cli:tester",
                "role_granted",
                "function_role",
                role_subject(casework_id, &new_head),
                Some(casework_id),
                None,
                Some(json!({ "user": "U0HEAD2", "role": "head" })),
                at(9),
            ),
        ]
    );

    // Revoking.
    store
        .revoke_role(&casework, &deputy, Role::Deputy, &actor, at(10))
        .await
        .expect("revoke deputy");
    assert_not_found(
        store
            .revoke_role(&casework, &deputy, Role::Deputy, &actor, at(11))
            .await,
        "revoking a role no longer held",
    );
    assert_not_found(
        store
            .revoke_role(&casework, &member, Role::Manager, &actor, at(11))
            .await,
        "revoking a role never held",
    );
    assert_not_found(
        store
            .revoke_role(&housing, &member, Role::Member, &actor, at(11))
            .await,
        "revoking in another function",
    );

    // Unknown functions.
    let nowhere = function("Nowhere");
    assert_not_found(
        store
            .grant_role(&nowhere, &member, Role::Member, &actor, at(12))
            .await,
        "granting in an unknown function",
    );
    assert_not_found(
        store
            .grant_role(&nowhere, &member, Role::Head, &actor, at(12))
            .await,
        "making a head of an unknown function",
    );
    assert_not_found(
        store
            .revoke_role(&nowhere, &member, Role::Member, &actor, at(12))
            .await,
        "revoking in an unknown function",
    );

    // roles_of, across functions, ordered by function then role.
    store
        .grant_role(&housing, &manager, Role::Deputy, &actor, at(13))
        .await
        .expect("grant Housing deputy");
    assert_eq!(
        store.roles_of(&manager).await.expect("roles of manager"),
        vec![
            RoleHolding {
                function_id: casework_id,
                function_name: "Casework".into(),
                role: Role::Manager,
            },
            RoleHolding {
                function_id: casework_id,
                function_name: "Casework".into(),
                role: Role::Member,
            },
            RoleHolding {
                function_id: housing_id,
                function_name: "Housing".into(),
                role: Role::Deputy,
            },
        ]
    );
    assert_eq!(
        store.roles_of(&new_head).await.expect("roles of new head"),
        vec![RoleHolding {
            function_id: casework_id,
            function_name: "Casework".into(),
            role: Role::Head,
        }]
    );
    assert_eq!(
        store.roles_of(&deputy).await.expect("roles of ex-deputy"),
        vec![]
    );
    assert_eq!(
        store
            .roles_of(&user("U0NOBODY"))
            .await
            .expect("roles of stranger"),
        vec![]
    );

    let final_summary = store
        .function_by_name(&casework)
        .await
        .expect("by name")
        .expect("Casework exists");
    assert_eq!(
        final_summary,
        FunctionSummary {
            id: casework_id,
            name: "Casework".into(),
            head: Some(new_head),
            deputies: vec![],
            managers: vec![manager.clone()],
            members: vec![manager, member],
        }
    );
}

// --- Admins. ---

contract_test!(
    sqlite_admins_are_added_listed_and_removed,
    postgres_admins_are_added_listed_and_removed => admins_are_added_listed_and_removed
);

async fn admins_are_added_listed_and_removed(store: Arc<dyn Store>, _url: &str) {
    let actor = admin_actor();
    let (ann, bob, cat) = (user("U0ANN"), user("U0BOB"), user("U0CAT"));

    assert_eq!(store.list_admins().await.expect("list"), vec![]);
    assert!(!store.is_admin(&ann).await.expect("is_admin"));

    store.add_admin(&bob, &actor, at(0)).await.expect("add bob");
    store.add_admin(&ann, &actor, at(1)).await.expect("add ann");
    assert_conflict(
        store.add_admin(&ann, &actor, at(2)).await,
        "adding an admin twice",
    );
    assert_eq!(
        store.list_admins().await.expect("list"),
        vec![ann.clone(), bob.clone()]
    );
    assert!(store.is_admin(&ann).await.expect("is_admin"));
    assert!(store.is_admin(&bob).await.expect("is_admin"));
    assert!(!store.is_admin(&cat).await.expect("is_admin"));

    assert_not_found(
        store.remove_admin(&cat, &actor, at(3)).await,
        "removing someone who is not an admin",
    );
    store
        .remove_admin(&ann, &actor, at(4))
        .await
        .expect("remove ann");
    assert_not_found(
        store.remove_admin(&ann, &actor, at(5)).await,
        "removing an admin twice",
    );
    assert_eq!(store.list_admins().await.expect("list"), vec![bob.clone()]);
    assert!(!store.is_admin(&ann).await.expect("is_admin"));

    let ann_trail: Vec<_> = store
        .audit_events("admin", "U0ANN")
        .await
        .expect("ann's audit events")
        .into_iter()
        .map(|e| (e.actor, e.action, e.occurred_at))
        .collect();
    assert_eq!(
        ann_trail,
        vec![
            ("cli:tester".to_owned(), "admin_added".to_owned(), at(1)),
            ("cli:tester".to_owned(), "admin_removed".to_owned(), at(4)),
        ]
    );
    assert_eq!(
        store
            .audit_events("admin", "U0CAT")
            .await
            .expect("cat's audit events"),
        vec![]
    );
}

// --- R-REC-4: the audit trail. ---

contract_test!(
    sqlite_r_rec_4_every_change_writes_exactly_one_audit_event,
    postgres_r_rec_4_every_change_writes_exactly_one_audit_event
        => r_rec_4_every_change_writes_exactly_one_audit_event
);

async fn r_rec_4_every_change_writes_exactly_one_audit_event(store: Arc<dyn Store>, _url: &str) {
    let actor = Actor::user(&user("U0ADMIN"));
    let casework = function("Casework");
    let sam = user("U0SAM");
    assert_eq!(audit(&*store).await, vec![]);

    // (change, expected (action, subject_type, subject_id builder)).
    let trail = audit(&*store).await;
    let id = store
        .add_function(&casework, &actor, at(0))
        .await
        .expect("add function");
    let written = audit_since(&*store, &trail).await;
    assert_eq!(written.len(), 1, "{written:#?}");
    assert_eq!(
        (
            written[0].actor.as_str(),
            written[0].action.as_str(),
            written[0].subject_type.as_str(),
            written[0].subject_id.as_str(),
            written[0].function_id,
            written[0].occurred_at,
            written[0].before.clone(),
            written[0].after.clone(),
        ),
        (
            "U0ADMIN",
            "function_created",
            "function",
            id.to_string().as_str(),
            Some(id),
            at(0),
            None,
            Some(json!({ "id": id })),
        )
    );

    for (step, role) in Role::ALL.into_iter().enumerate() {
        let trail = audit(&*store).await;
        let now = at(10 + step as i64);
        store
            .grant_role(&casework, &sam, role, &actor, now)
            .await
            .unwrap_or_else(|e| panic!("grant {role}: {e}"));
        let written = audit_since(&*store, &trail).await;
        assert_eq!(written.len(), 1, "grant {role}: {written:#?}");
        let event = &written[0];
        assert_eq!(event.actor, "U0ADMIN");
        assert_eq!(event.action, "role_granted");
        assert_eq!(event.subject_type, "function_role");
        assert_eq!(event.subject_id, role_subject(id, &sam));
        assert_eq!(event.function_id, Some(id));
        assert_eq!(event.occurred_at, now);
        assert_eq!(event.before, None);
        assert_eq!(
            event.after,
            Some(json!({ "user": "U0SAM", "role": role.as_str() }))
        );
    }

    let trail = audit(&*store).await;
    store
        .revoke_role(&casework, &sam, Role::Manager, &actor, at(20))
        .await
        .expect("revoke manager");
    let written = audit_since(&*store, &trail).await;
    assert_eq!(written.len(), 1, "{written:#?}");
    assert_eq!(written[0].action, "role_revoked");
    assert_eq!(written[0].subject_id, role_subject(id, &sam));
    assert_eq!(
        written[0].before,
        Some(json!({ "user": "U0SAM", "role": "manager" }))
    );
    assert_eq!(written[0].after, None);

    let trail = audit(&*store).await;
    store
        .add_admin(&sam, &actor, at(21))
        .await
        .expect("add admin");
    let written = audit_since(&*store, &trail).await;
    assert_eq!(written.len(), 1, "{written:#?}");
    assert_eq!(
        (
            written[0].action.as_str(),
            written[0].subject_type.as_str(),
            written[0].subject_id.as_str()
        ),
        ("admin_added", "admin", "U0SAM")
    );

    let trail = audit(&*store).await;
    store
        .remove_admin(&sam, &actor, at(22))
        .await
        .expect("remove admin");
    let written = audit_since(&*store, &trail).await;
    assert_eq!(written.len(), 1, "{written:#?}");
    assert_eq!(
        (
            written[0].action.as_str(),
            written[0].subject_type.as_str(),
            written[0].subject_id.as_str()
        ),
        ("admin_removed", "admin", "U0SAM")
    );

    // audit_events filters by subject and keeps the order of writing.
    let sams_role: Vec<_> = store
        .audit_events("function_role", &role_subject(id, &sam))
        .await
        .expect("subject trail")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        sams_role,
        vec![
            "role_granted",
            "role_granted",
            "role_granted",
            "role_granted",
            "role_revoked"
        ]
    );
    let all = audit(&*store).await;
    assert_eq!(all.len(), 1 + 4 + 1 + 2);
    assert!(
        all.windows(2).all(|w| w[0].id < w[1].id),
        "ids increase in the order of writing"
    );
}

contract_test!(
    sqlite_r_rec_4_a_failed_change_writes_no_audit_event,
    postgres_r_rec_4_a_failed_change_writes_no_audit_event
        => r_rec_4_a_failed_change_writes_no_audit_event
);

async fn r_rec_4_a_failed_change_writes_no_audit_event(store: Arc<dyn Store>, _url: &str) {
    let actor = admin_actor();
    let casework = function("Casework");
    let (head, sam) = (user("U0HEAD"), user("U0SAM"));
    store
        .add_function(&casework, &actor, at(0))
        .await
        .expect("add function");
    store
        .grant_role(&casework, &head, Role::Head, &actor, at(1))
        .await
        .expect("grant head");
    store
        .grant_role(&casework, &sam, Role::Member, &actor, at(2))
        .await
        .expect("grant member");
    store
        .add_admin(&sam, &actor, at(3))
        .await
        .expect("add admin");
    let trail = audit(&*store).await;
    assert_eq!(trail.len(), 4);

    assert_conflict(
        store.add_function(&casework, &actor, at(10)).await,
        "duplicate function",
    );
    assert_conflict(
        store
            .grant_role(&casework, &sam, Role::Member, &actor, at(11))
            .await,
        "duplicate grant",
    );
    assert_conflict(
        store
            .grant_role(&casework, &head, Role::Head, &actor, at(12))
            .await,
        "same head again",
    );
    assert_not_found(
        store
            .grant_role(&function("Nowhere"), &sam, Role::Member, &actor, at(13))
            .await,
        "grant in unknown function",
    );
    assert_not_found(
        store
            .revoke_role(&casework, &sam, Role::Deputy, &actor, at(14))
            .await,
        "revoke a role not held",
    );
    assert_conflict(
        store.add_admin(&sam, &actor, at(15)).await,
        "duplicate admin",
    );
    assert_not_found(
        store.remove_admin(&head, &actor, at(16)).await,
        "remove a non-admin",
    );

    assert_eq!(
        audit(&*store).await,
        trail,
        "failed changes must leave the trail untouched"
    );
    // And the failed changes changed nothing else either.
    let summary = store
        .function_by_name(&casework)
        .await
        .expect("by name")
        .expect("Casework exists");
    assert_eq!(summary.head, Some(head));
    assert_eq!(summary.members, vec![sam.clone()]);
    assert_eq!(store.list_admins().await.expect("admins"), vec![sam]);
    assert_eq!(store.list_functions().await.expect("functions").len(), 1);
}

contract_test!(
    sqlite_r_rec_4_audit_events_are_append_only,
    postgres_r_rec_4_audit_events_are_append_only => r_rec_4_audit_events_are_append_only
);

async fn r_rec_4_audit_events_are_append_only(store: Arc<dyn Store>, url: &str) {
    let actor = admin_actor();
    store
        .add_function(&function("Casework"), &actor, at(0))
        .await
        .expect("add function");
    store
        .add_admin(&user("U0ANN"), &actor, at(1))
        .await
        .expect("add admin");
    let trail = audit(&*store).await;
    assert_eq!(trail.len(), 2);

    let update = raw_execute(url, "UPDATE audit_events SET action = 'x'").await;
    let err = update.expect_err("UPDATE of audit_events must be refused");
    assert!(
        err.to_string().contains("append-only"),
        "UPDATE refused for the wrong reason: {err}"
    );
    let delete = raw_execute(url, "DELETE FROM audit_events").await;
    let err = delete.expect_err("DELETE from audit_events must be refused");
    assert!(
        err.to_string().contains("append-only"),
        "DELETE refused for the wrong reason: {err}"
    );
    if url.starts_with("postgres") {
        let truncate = raw_execute(url, "TRUNCATE audit_events").await;
        let err = truncate.expect_err("TRUNCATE of audit_events must be refused");
        assert!(
            err.to_string().contains("append-only"),
            "TRUNCATE refused for the wrong reason: {err}"
        );
    }
    assert_eq!(audit(&*store).await, trail, "the rows are unchanged");

    // Inserting is still allowed: the trail grows.
    store
        .add_admin(&user("U0BOB"), &actor, at(2))
        .await
        .expect("add admin");
    assert_eq!(audit_since(&*store, &trail).await.len(), 1);
}

// --- Slack event de-duplication. ---

contract_test!(
    sqlite_r_ops_2_events_are_handled_once,
    postgres_r_ops_2_events_are_handled_once => r_ops_2_events_are_handled_once
);

async fn r_ops_2_events_are_handled_once(store: Arc<dyn Store>, _url: &str) {
    assert!(!store.event_seen("Ev01").await.expect("seen?"));
    assert!(store
        .first_sighting_of_event("Ev01", at(0))
        .await
        .expect("first sighting"));
    assert!(store.event_seen("Ev01").await.expect("seen?"));
    assert!(!store
        .first_sighting_of_event("Ev01", at(1))
        .await
        .expect("second sighting"));
    assert!(store.event_seen("Ev01").await.expect("seen?"));
    // Another event is independent.
    assert!(!store.event_seen("Ev02").await.expect("seen?"));
    assert!(store
        .first_sighting_of_event("Ev02", at(2))
        .await
        .expect("first sighting"));
}

// --- Outbox. ---

contract_test!(
    sqlite_r_rem_3_outbox_enqueue_is_idempotent_and_audited,
    postgres_r_rem_3_outbox_enqueue_is_idempotent_and_audited
        => r_rem_3_outbox_enqueue_is_idempotent_and_audited
);

async fn r_rem_3_outbox_enqueue_is_idempotent_and_audited(store: Arc<dyn Store>, _url: &str) {
    let why = AuditEntry::new(&Actor::system(), "reminder_sent", "test", "batch")
        .after(json!({ "count": 2 }));

    assert_eq!(store.next_outbox_due().await.expect("next due"), None);
    let stored = store
        .enqueue(&messages(&["k1", "k2"]), Some(&why), at(0))
        .await
        .expect("enqueue");
    assert_eq!(stored, 2);
    let trail = audit(&*store).await;
    assert_eq!(trail.len(), 1);
    assert_eq!(
        (
            trail[0].actor.as_str(),
            trail[0].action.as_str(),
            trail[0].subject_type.as_str(),
            trail[0].subject_id.as_str(),
            trail[0].after.clone(),
            trail[0].occurred_at,
        ),
        (
            "system",
            "reminder_sent",
            "test",
            "batch",
            Some(json!({ "count": 2 })),
            at(0)
        )
    );

    let rows = outbox(&*store).await;
    assert_eq!(rows.len(), 2);
    for (row, key) in rows.iter().zip(["k1", "k2"]) {
        assert_eq!(row.idempotency_key, key);
        assert_eq!(row.method, "chat.postMessage");
        assert_eq!(row.payload, message(key).payload);
        assert_eq!(row.status, OutboxStatus::Pending);
        assert_eq!(row.attempts, 0);
        assert_eq!(row.next_attempt_at, at(0));
        assert_eq!(row.created_at, at(0));
        assert_eq!(row.last_error, None);
        assert_eq!(row.slack_channel, None);
        assert_eq!(row.slack_ts, None);
        assert_eq!(row.sent_at, None);
    }
    assert!(rows[0].id < rows[1].id);

    // The same key again stores nothing and writes no audit event.
    let again = store
        .enqueue(&messages(&["k1"]), Some(&why), at(5))
        .await
        .expect("enqueue again");
    assert_eq!(again, 0);
    assert_eq!(audit(&*store).await, trail, "nothing new, nothing audited");
    assert_eq!(outbox(&*store).await, rows, "the first row is untouched");

    // A mix stores only the new one, and is audited once.
    let mixed = store
        .enqueue(&messages(&["k2", "k3"]), Some(&why), at(6))
        .await
        .expect("enqueue mixed");
    assert_eq!(mixed, 1);
    assert_eq!(audit_since(&*store, &trail).await.len(), 1);

    // A key repeated within one batch is stored once.
    let trail = audit(&*store).await;
    let doubled = store
        .enqueue(&messages(&["k5", "k5"]), Some(&why), at(6))
        .await
        .expect("enqueue a doubled key");
    assert_eq!(doubled, 1);
    assert_eq!(audit_since(&*store, &trail).await.len(), 1);

    // Without an audit entry nothing is audited.
    let trail = audit(&*store).await;
    let quiet = store
        .enqueue(&messages(&["k4"]), None, at(7))
        .await
        .expect("enqueue without audit");
    assert_eq!(quiet, 1);
    assert_eq!(audit(&*store).await, trail);

    let keys: Vec<_> = outbox(&*store)
        .await
        .into_iter()
        .map(|m| m.idempotency_key)
        .collect();
    assert_eq!(keys, vec!["k1", "k2", "k3", "k5", "k4"]);
    assert_eq!(
        store.next_outbox_due().await.expect("next due"),
        Some(at(0))
    );
}

contract_test!(
    sqlite_r_rem_3_outbox_claims_and_deliveries,
    postgres_r_rem_3_outbox_claims_and_deliveries => r_rem_3_outbox_claims_and_deliveries
);

async fn r_rem_3_outbox_claims_and_deliveries(store: Arc<dyn Store>, _url: &str) {
    let minute = Duration::seconds(60);
    store
        .enqueue(&messages(&["a", "b", "c"]), None, at(0))
        .await
        .expect("enqueue");
    let [a, b, c]: [i64; 3] = ids(&outbox(&*store).await).try_into().expect("three rows");

    // Nothing is due before it was enqueued.
    let early = store
        .claim_outbox("w1", at(-1), at(-1) + minute, 10)
        .await
        .expect("early claim");
    assert_eq!(early, vec![]);

    // Due rows in id order, up to the limit. Claiming is not an attempt; the first claim's
    // time is kept. The claim time has a fractional second different from the rows'
    // (AutoSi text on SQLite).
    let now = at(1) + Duration::microseconds(500_000);
    let first = store
        .claim_outbox("w1", now, now + minute, 2)
        .await
        .expect("claim by w1");
    assert_eq!(ids(&first), vec![a, b]);
    assert!(first.iter().all(|m| m.attempts == 0), "{first:#?}");
    assert!(
        first.iter().all(|m| m.first_attempted_at == Some(now)),
        "{first:#?}"
    );
    assert!(first.iter().all(|m| m.status == OutboxStatus::Pending));
    let second = store
        .claim_outbox("w2", now, now + minute, 10)
        .await
        .expect("claim by w2");
    assert_eq!(ids(&second), vec![c]);
    assert_eq!(second[0].attempts, 0);
    // Everything is claimed: a third claimer, and w1 itself, get nothing.
    for worker in ["w3", "w1"] {
        let none = store
            .claim_outbox(worker, at(2), at(2) + minute, 10)
            .await
            .expect("claim while claims are live");
        assert_eq!(none, vec![], "{worker} claimed rows already claimed");
    }

    // Only the holder may record: w2 does not hold a.
    let row_a = outbox_row(&*store, a).await;
    let sent = DeliveryOutcome::Sent {
        channel: Some("C0TEST".into()),
        ts: Some("1709283600.000100".into()),
    };
    assert!(!store
        .record_delivery(a, "w2", &sent, at(3))
        .await
        .expect("record by non-holder"));
    assert_eq!(
        outbox_row(&*store, a).await,
        row_a,
        "non-holder changed nothing"
    );

    // Sent.
    assert!(store
        .record_delivery(a, "w1", &sent, at(3))
        .await
        .expect("record sent"));
    let row_a = outbox_row(&*store, a).await;
    assert_eq!(row_a.status, OutboxStatus::Sent);
    assert_eq!(row_a.slack_channel.as_deref(), Some("C0TEST"));
    assert_eq!(row_a.slack_ts.as_deref(), Some("1709283600.000100"));
    assert_eq!(row_a.sent_at, Some(at(3)));
    assert_eq!(row_a.attempts, 0);
    assert_eq!(row_a.last_error, None);
    // Recording twice does nothing.
    assert!(!store
        .record_delivery(a, "w1", &sent, at(4))
        .await
        .expect("record sent again"));
    assert_eq!(outbox_row(&*store, a).await, row_a);

    // Deferred (a 429): not claimable until next_attempt_at, and no attempt used.
    let retry_at = at(300);
    assert!(store
        .record_delivery(
            b,
            "w1",
            &DeliveryOutcome::Deferred {
                next_attempt_at: retry_at,
                error: "rate limited".into(),
            },
            at(4),
        )
        .await
        .expect("record retry"));
    let row_b = outbox_row(&*store, b).await;
    assert_eq!(row_b.status, OutboxStatus::Pending);
    assert_eq!(row_b.next_attempt_at, retry_at);
    assert_eq!(row_b.last_error.as_deref(), Some("rate limited"));
    assert_eq!(row_b.attempts, 0);
    assert_eq!(row_b.sent_at, None);

    // Failed.
    assert!(store
        .record_delivery(
            c,
            "w2",
            &DeliveryOutcome::Failed {
                error: "channel_not_found".into(),
            },
            at(5),
        )
        .await
        .expect("record failed"));
    let row_c = outbox_row(&*store, c).await;
    assert_eq!(row_c.status, OutboxStatus::Failed);
    assert_eq!(row_c.last_error.as_deref(), Some("channel_not_found"));
    assert_eq!(row_c.sent_at, None);

    // Sent and failed rows are never claimed again; b is not yet due.
    for when in [at(6), at(299)] {
        let none = store
            .claim_outbox("w3", when, when + minute, 10)
            .await
            .expect("claim");
        assert_eq!(none, vec![], "claimed at {when}");
    }
    assert_eq!(
        store.next_outbox_due().await.expect("next due"),
        Some(retry_at)
    );

    // Due exactly at next_attempt_at.
    let claimed = store
        .claim_outbox("w1", retry_at, at(360), 10)
        .await
        .expect("claim retry");
    assert_eq!(ids(&claimed), vec![b]);
    assert_eq!(claimed[0].attempts, 0);
    assert_eq!(claimed[0].last_error.as_deref(), Some("rate limited"));
    assert_eq!(
        claimed[0].first_attempted_at,
        Some(now),
        "the first attempt stays the first"
    );
    assert!(!claimed[0].in_doubt);

    // A live claim is not taken, a lapsed one is, in doubt and counted as an attempt (its
    // sender died mid-send); then the first worker cannot record.
    let none = store
        .claim_outbox("w2", at(359), at(420), 10)
        .await
        .expect("claim before lapse");
    assert_eq!(none, vec![]);
    let taken = store
        .claim_outbox("w2", at(361), at(421), 10)
        .await
        .expect("claim after lapse");
    assert_eq!(ids(&taken), vec![b]);
    assert_eq!(taken[0].attempts, 1);
    assert!(taken[0].in_doubt);
    let row_b = outbox_row(&*store, b).await;
    assert!(!store
        .record_delivery(b, "w1", &sent, at(362))
        .await
        .expect("record by lapsed worker"));
    assert!(!store
        .record_delivery(
            b,
            "w1",
            &DeliveryOutcome::Failed {
                error: "late".into()
            },
            at(362),
        )
        .await
        .expect("record by lapsed worker"));
    assert_eq!(
        outbox_row(&*store, b).await,
        row_b,
        "lapsed worker changed nothing"
    );

    // Release: only the holder's release counts, and it counts nothing.
    store
        .release_outbox_claim(b, "w1")
        .await
        .expect("release by non-holder");
    assert_eq!(outbox_row(&*store, b).await, row_b);
    store
        .release_outbox_claim(b, "w2")
        .await
        .expect("release by holder");
    let released = outbox_row(&*store, b).await;
    assert_eq!(released.attempts, 1, "releasing is not an attempt");
    assert_eq!(released.status, OutboxStatus::Pending);
    // Claimable at once by anyone, well inside w2's old claim window.
    let again = store
        .claim_outbox("w3", at(363), at(423), 10)
        .await
        .expect("claim after release");
    assert_eq!(ids(&again), vec![b]);
    assert_eq!(again[0].attempts, 1);
    assert!(
        !again[0].in_doubt,
        "a released claim is not a death mid-send"
    );

    // Retry (a 5xx): counted, not claimable until next_attempt_at.
    assert!(store
        .record_delivery(
            b,
            "w3",
            &DeliveryOutcome::Retry {
                next_attempt_at: at(400),
                error: "HTTP 503".into(),
            },
            at(363),
        )
        .await
        .expect("record retry"));
    let row_b = outbox_row(&*store, b).await;
    assert_eq!(row_b.attempts, 2);
    assert_eq!(row_b.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(row_b.next_attempt_at, at(400));
    let none = store
        .claim_outbox("w3", at(399), at(459), 10)
        .await
        .expect("claim before retry");
    assert_eq!(none, vec![]);
    let again = store
        .claim_outbox("w3", at(400), at(460), 10)
        .await
        .expect("claim retry");
    assert_eq!(ids(&again), vec![b]);
    assert_eq!(again[0].attempts, 2);
    assert!(!store
        .record_delivery(b, "w2", &sent, at(401))
        .await
        .expect("record by releaser"));
    assert!(store
        .record_delivery(b, "w3", &sent, at(401))
        .await
        .expect("record by new holder"));
    assert_eq!(outbox_row(&*store, b).await.status, OutboxStatus::Sent);

    // Nothing pending: nothing due, nothing claimable, ever.
    assert_eq!(store.next_outbox_due().await.expect("next due"), None);
    let none = store
        .claim_outbox("w4", at(100_000), at(100_060), 10)
        .await
        .expect("claim far in the future");
    assert_eq!(none, vec![]);
    let statuses: Vec<_> = outbox(&*store)
        .await
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(
        statuses,
        vec![OutboxStatus::Sent, OutboxStatus::Sent, OutboxStatus::Failed]
    );
}

contract_test!(
    sqlite_next_outbox_due_is_the_earliest_pending_row,
    postgres_next_outbox_due_is_the_earliest_pending_row
        => next_outbox_due_is_the_earliest_pending_row
);

async fn next_outbox_due_is_the_earliest_pending_row(store: Arc<dyn Store>, _url: &str) {
    assert_eq!(store.next_outbox_due().await.expect("next due"), None);
    store
        .enqueue(&messages(&["late"]), None, at(50))
        .await
        .expect("enqueue late");
    assert_eq!(
        store.next_outbox_due().await.expect("next due"),
        Some(at(50))
    );
    // An earlier row enqueued later (a back-dated clock) wins; sub-second differences count.
    let earlier = at(10) + Duration::microseconds(1);
    store
        .enqueue(&messages(&["early"]), None, earlier)
        .await
        .expect("enqueue early");
    assert_eq!(
        store.next_outbox_due().await.expect("next due"),
        Some(earlier)
    );
    let claimed = store
        .claim_outbox("w1", at(60), at(120), 1)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    let first = claimed[0].id;
    assert!(store
        .record_delivery(
            first,
            "w1",
            &DeliveryOutcome::Failed {
                error: "gone".into()
            },
            at(61),
        )
        .await
        .expect("record failed"));
    let remaining = outbox(&*store)
        .await
        .into_iter()
        .find(|m| m.status == OutboxStatus::Pending)
        .expect("one row still pending");
    assert_eq!(
        store.next_outbox_due().await.expect("next due"),
        Some(remaining.next_attempt_at)
    );
}

// A row another worker holds is not due until its claim lapses, so the sender sleeps
// instead of spinning on empty claims.
contract_test!(
    sqlite_next_outbox_due_waits_for_a_live_claim_to_lapse,
    postgres_next_outbox_due_waits_for_a_live_claim_to_lapse
        => next_outbox_due_waits_for_a_live_claim_to_lapse
);

async fn next_outbox_due_waits_for_a_live_claim_to_lapse(store: Arc<dyn Store>, _url: &str) {
    store
        .enqueue(&messages(&["held"]), None, at(0))
        .await
        .expect("enqueue");
    let claim_until = at(60);
    let claimed = store
        .claim_outbox("crashed-worker", at(1), claim_until, 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    // Another sender cannot claim it before the claim lapses...
    let none = store
        .claim_outbox("new-worker", at(2), at(62), 10)
        .await
        .expect("claim while held");
    assert_eq!(none, vec![]);
    // ...so it must not be told the row is due before then.
    assert_eq!(
        store.next_outbox_due().await.expect("next due"),
        Some(claim_until),
        "a row held by a live claim is not due until the claim lapses"
    );
}

// --- Two instances sharing one database. ---

contract_test!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    sqlite_r_ops_two_instances_never_claim_the_same_outbox_row,
    postgres_r_ops_two_instances_never_claim_the_same_outbox_row
        => r_ops_two_instances_never_claim_the_same_outbox_row
);

async fn r_ops_two_instances_never_claim_the_same_outbox_row(store: Arc<dyn Store>, url: &str) {
    const ROWS: usize = 200;
    let keys: Vec<String> = (0..ROWS).map(|i| format!("row-{i:03}")).collect();
    let batch: Vec<_> = keys.iter().map(|k| message(k)).collect();
    let stored = store.enqueue(&batch, None, at(0)).await.expect("enqueue");
    assert_eq!(stored, ROWS as u64);

    let other = connect(url).await.expect("second instance");
    let stores = [store.clone(), other];
    let start = Arc::new(tokio::sync::Barrier::new(4));
    let mut tasks = Vec::new();
    for (s, instance) in stores.iter().enumerate() {
        for w in 0..2 {
            let instance = instance.clone();
            let start = start.clone();
            let worker = format!("instance{s}-worker{w}");
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let mut claimed = Vec::new();
                loop {
                    let batch = instance
                        .claim_outbox(&worker, at(1), at(3600), 7)
                        .await
                        .expect("concurrent claim");
                    if batch.is_empty() {
                        break;
                    }
                    assert!(batch.len() <= 7, "limit exceeded: {}", batch.len());
                    for row in batch {
                        // A second claim of a held row would count its "lapsed" claim.
                        assert_eq!(row.attempts, 0, "row {} claimed twice", row.id);
                        assert!(!row.in_doubt, "row {} claimed twice", row.id);
                        let recorded = instance
                            .record_delivery(
                                row.id,
                                &worker,
                                &DeliveryOutcome::Sent {
                                    channel: Some("C0TEST".into()),
                                    ts: Some(format!("{}.0", row.id)),
                                },
                                at(2),
                            )
                            .await
                            .expect("concurrent record");
                        assert!(recorded, "{worker} lost its claim on row {}", row.id);
                        claimed.push(row.id);
                    }
                    tokio::task::yield_now().await;
                }
                (worker, claimed)
            }));
        }
    }

    let mut all = Vec::new();
    for task in tasks {
        let (worker, claimed) = task.await.expect("worker task");
        eprintln!("{worker} claimed {} rows", claimed.len());
        all.extend(claimed);
    }
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "some row was claimed twice");
    let expected: BTreeSet<i64> = ids(&outbox(&*store).await).into_iter().collect();
    assert_eq!(unique, expected, "every row was claimed");
    assert_eq!(unique.len(), ROWS);
    let rows = outbox(&*store).await;
    assert!(
        rows.iter().all(|m| m.status == OutboxStatus::Sent
            && m.attempts == 0
            && m.first_attempted_at == Some(at(1))),
        "every row sent at its first claim, with no failed attempt"
    );
    assert_eq!(store.next_outbox_due().await.expect("next due"), None);
}

// --- Durability. ---

contract_test!(
    sqlite_data_survives_reopening_the_store,
    postgres_data_survives_reopening_the_store => data_survives_reopening_the_store
);

async fn data_survives_reopening_the_store(store: Arc<dyn Store>, url: &str) {
    let actor = admin_actor();
    store
        .add_function(&function("Casework"), &actor, at(0))
        .await
        .expect("add function");
    store
        .enqueue(&messages(&["kept-1", "kept-2"]), None, at(1))
        .await
        .expect("enqueue");
    assert!(store
        .first_sighting_of_event("Ev01", at(2))
        .await
        .expect("first sighting"));
    let rows = outbox(&*store).await;
    let trail = audit(&*store).await;
    let functions = store.list_functions().await.expect("functions");
    drop(store);

    let reopened = connect(url).await.expect("reopen store");
    let after = outbox(&*reopened).await;
    assert_eq!(after, rows);
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|m| m.status == OutboxStatus::Pending));
    assert_eq!(audit(&*reopened).await, trail);
    assert_eq!(
        reopened.list_functions().await.expect("functions"),
        functions
    );
    assert!(reopened.event_seen("Ev01").await.expect("seen?"));
    assert_eq!(
        reopened.next_outbox_due().await.expect("next due"),
        Some(at(1))
    );
    let claimed = reopened
        .claim_outbox("w1", at(3), at(63), 10)
        .await
        .expect("claim after reopening");
    assert_eq!(ids(&claimed), ids(&rows));
}

// --- A submission is stored once: its key is written with the record (issue 8 §6). ---

contract_test!(sqlite_a_submission_key_is_committed_with_its_record, postgres_a_submission_key_is_committed_with_its_record => a_submission_key_is_committed_with_its_record);
async fn a_submission_key_is_committed_with_its_record(store: Arc<dyn Store>, _url: &str) {
    use contact_policy_bot::store::once::once;
    let actor = admin_actor();
    let casework = function("Casework");

    // The first handling stores the record and, in the same transaction, the key.
    let key = "view_submission:V0FIRST";
    once(key, store.add_function(&casework, &actor, at(0)))
        .await
        .expect("first handling stores the record");
    assert!(store.event_seen(key).await.expect("read key"));

    // A second handling of the same submission changes nothing, whatever it writes.
    let again = once(key, store.add_function(&function("Other"), &actor, at(1))).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyHandled)),
        "a second handling is refused: {again:?}"
    );
    let names: Vec<String> = store
        .list_functions()
        .await
        .expect("list")
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, vec!["Casework".to_owned()]);

    // A handling whose write fails leaves no key behind, so the user's retry is stored.
    let failed_key = "view_submission:V0FAILS";
    let failed = once(failed_key, store.add_function(&casework, &actor, at(2))).await;
    assert_conflict(failed, "duplicate function inside a submission");
    assert!(
        !store.event_seen(failed_key).await.expect("read key"),
        "the key of a failed write is rolled back with it"
    );
    once(
        failed_key,
        store.add_function(&function("Retried"), &actor, at(3)),
    )
    .await
    .expect("the retry is stored");
    assert!(store.event_seen(failed_key).await.expect("read key"));

    // Outside a submission, writes carry no key.
    store
        .add_function(&function("Plain"), &actor, at(4))
        .await
        .expect("plain write");
}

// --- The policy writes (R-RPT-1, R-RES-3 … R-RES-5, R-DIS-2, R-REV-1): each records
// its change with its audit events and its messages in one transaction, and a decision
// is recorded once however often it is asked for. ---

mod policy {
    use super::*;
    use contact_policy_bot::access::Authority;
    use contact_policy_bot::domain::authority::{
        Decider, DisputeHandler, Manager, Reporter, Withdrawer,
    };
    use contact_policy_bot::domain::dispute::{DisputeOutcome, ValidResolution};
    use contact_policy_bot::domain::incident::{BehaviourKind, Category, Channel, IncidentReport};
    use contact_policy_bot::domain::measures::Measure;
    use contact_policy_bot::domain::person::{AccessRequirements, Identifier, PersonName};
    use contact_policy_bot::domain::restriction::{
        check_approval, takes_effect, CriteriaTicks, Criterion,
    };
    use contact_policy_bot::domain::review::{ReviewKind, ValidReview};
    use contact_policy_bot::store::records::{
        Conclusion, Decision, DecisionResult, NewDispute, NewIncident, NewPerson, NewRequest,
        NewReview, PersonChoice,
    };

    pub const MANAGER: &str = "U0MANAGER";
    pub const HEAD: &str = "U0HEAD";
    /// A manager of Casework who neither requested nor approved the restriction: may
    /// handle its disputes (§7).
    pub const HANDLER: &str = "U0HANDLER";

    /// What `who` may do, loaded as a handler loads it.
    pub async fn authority(store: &dyn Store, who: &str) -> Authority {
        Authority::load(store, &user(who)).await.expect("authority")
    }

    /// The manager's proof in `function_id` (granted by [`incident`]).
    pub async fn as_manager(store: &dyn Store, function_id: i64) -> Manager {
        authority(store, MANAGER)
            .await
            .manages(function_id)
            .expect("the manager manages")
    }

    /// The manager's proof that they report in `function_id`.
    pub async fn as_reporter(store: &dyn Store, function_id: i64) -> Reporter {
        authority(store, MANAGER)
            .await
            .reports_in(function_id)
            .expect("the manager reports")
    }

    /// The head's proof that they decide `request`.
    pub async fn as_head_deciding(store: &dyn Store, request: i64) -> Decider {
        let request = store
            .request(request)
            .await
            .expect("read")
            .expect("request");
        authority(store, HEAD)
            .await
            .decides(&request, None)
            .expect("the head decides")
    }

    /// The requester's proof that they withdraw `request`.
    pub async fn as_requester_withdrawing(store: &dyn Store, request: i64) -> Withdrawer {
        let request = store
            .request(request)
            .await
            .expect("read")
            .expect("request");
        authority(store, MANAGER)
            .await
            .withdraws(&request)
            .expect("the requester withdraws")
    }

    /// Casework with its manager and head.
    pub async fn casework(store: &dyn Store) -> i64 {
        let casework = store
            .add_function(&function("Casework"), &admin_actor(), at(0))
            .await
            .expect("function");
        for (who, role) in [
            (MANAGER, Role::Manager),
            (HEAD, Role::Head),
            (HANDLER, Role::Manager),
        ] {
            store
                .grant_role(
                    &function("Casework"),
                    &user(who),
                    role,
                    &admin_actor(),
                    at(0),
                )
                .await
                .expect("role");
        }
        casework
    }

    /// Jane Doe's first incident in `casework`, as the report form records it (the new
    /// person created with it).
    pub fn jane_incident(casework: i64) -> NewIncident {
        let report = IncidentReport {
            category: Category::AggressiveAbusive,
            kinds: vec![BehaviourKind::VerbalAbuse],
            channel: Channel::Phone,
            occurred_at: at(-3600),
            description: "Shouted abuse at staff".to_owned(),
            impact_staff_minutes: Some(30),
            impact_contacts: Some(5),
            impact_note: String::new(),
            threat_of_violence: None,
        }
        .validate(at(0))
        .expect("valid incident");
        NewIncident {
            person: PersonChoice::New(NewPerson {
                name: PersonName::parse("Jane Doe").expect("name"),
                identifiers: vec![Identifier::phone("07700 900123").expect("phone")],
                access: AccessRequirements::default(),
            }),
            function_id: casework,
            incident: report,
        }
    }

    pub fn day(seconds: i64) -> chrono::NaiveDate {
        at(seconds).date_naive()
    }

    /// The audit actions written since `before`, in order.
    pub async fn actions_since(store: &dyn Store, before: &[AuditEvent]) -> Vec<String> {
        audit_since(store, before)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    pub fn outbox_keys(rows: &[OutboxMessage]) -> Vec<String> {
        rows.iter().map(|r| r.idempotency_key.clone()).collect()
    }

    /// Casework and Jane Doe's first incident, recorded as the report form records it
    /// (the new person created with it), with the manager's message.
    pub async fn incident(store: &dyn Store) -> (i64, i64, i64) {
        let casework = casework(store).await;
        let new = jane_incident(casework);
        let before = audit(store).await;
        let reporter = as_reporter(store, casework).await;
        let mut tx = store.begin_write().await.expect("write begins");
        let recorded = tx
            .record_incident(&new, &reporter, at(1))
            .await
            .expect("record incident");
        tx.enqueue(
            None,
            &[message(&format!("incident:{}", recorded.id))],
            at(1),
        )
        .await
        .expect("enqueue");
        tx.commit().await.expect("commit");
        assert!(recorded.reference.starts_with("INC-"), "{recorded:?}");
        let stored = store
            .incident(recorded.id)
            .await
            .expect("read")
            .expect("incident kept");
        assert_eq!(stored.reference, recorded.reference);
        assert_eq!(
            actions_since(store, &before).await,
            ["person_created", "incident_reported"]
        );
        assert_eq!(
            outbox_keys(&outbox(store).await),
            [format!("incident:{}", recorded.id)],
            "the manager's message is written with the incident"
        );
        (casework, stored.person_id, recorded.id)
    }

    /// A pending request for a read-and-file restriction, one approval message for the head.
    pub async fn request(store: &dyn Store, casework: i64, person: i64, incident: i64) -> i64 {
        let new = NewRequest {
            person_id: person,
            function_id: casework,
            incident_ids: vec![incident],
            measures: vec![Measure::ReadAndFile],
            justification: "Fifty abusive calls a day".to_owned(),
            proportionality: "Email stays open".to_owned(),
            internal_review_exhausted: true,
            ends_on: None,
            first_review_on: day(86_400 * 180),
            warning_id: None,
            no_warning_reason: Some("violence_used_or_threatened".to_owned()),
            varies_restriction_id: None,
        };
        let before = audit(store).await;
        let rows_before = outbox(store).await.len();
        let manager = as_manager(store, casework).await;
        let mut tx = store.begin_write().await.expect("write begins");
        let recorded = tx
            .create_request(&new, &manager, at(10))
            .await
            .expect("create request");
        let approval = message(&format!("request:{}:approval:{HEAD}", recorded.id));
        tx.enqueue_approval_copy(recorded.id, &user(HEAD), &approval, at(10))
            .await
            .expect("approval copy");
        tx.commit().await.expect("commit");
        let stored = store
            .request(recorded.id)
            .await
            .expect("read")
            .expect("request kept");
        assert_eq!(stored.status, RequestStatus::Pending);
        assert_eq!(stored.incident_ids, [incident]);
        assert!(actions_since(store, &before)
            .await
            .contains(&"restriction_requested".to_owned()));
        let rows = outbox(store).await;
        assert_eq!(
            rows.len(),
            rows_before + 1,
            "one approval message, for the head"
        );
        assert!(outbox_keys(&rows).contains(&format!("request:{}:approval:{HEAD}", recorded.id)));
        recorded.id
    }

    pub fn six_ticks() -> Vec<String> {
        Criterion::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect()
    }

    pub fn approval() -> Decision {
        let checklist =
            check_approval(&CriteriaTicks::from_values(six_ticks())).expect("six ticks");
        // In force at once (staff safety), so it can be disputed and reviewed straight away.
        let takes_effect = takes_effect(true, None, false, None, day(20)).expect("at once");
        Decision::Approve {
            checklist,
            takes_effect,
        }
    }

    /// Approves `request` with the proof only `check_approval` makes; returns the
    /// restriction it put in force.
    pub async fn approve(store: &dyn Store, request: i64) -> i64 {
        let before = audit(store).await;
        let decider = as_head_deciding(store, request).await;
        let mut tx = store.begin_write().await.expect("write begins");
        let decided = tx
            .decide_request(request, &approval(), &decider, at(20))
            .await
            .expect("approve");
        let DecisionResult::Decided(decided) = decided else {
            panic!("not decided: {decided:?}");
        };
        assert_eq!(
            decided.approval_message_outbox_ids.len(),
            1,
            "the head's copy is linked, to be settled"
        );
        tx.enqueue(
            None,
            &[message(&format!("decided:{}", decided.request_id))],
            at(20),
        )
        .await
        .expect("enqueue");
        tx.commit().await.expect("commit");
        assert_eq!(decided.status, RequestStatus::Approved);
        let restriction = decided.restriction.expect("a restriction").id;
        let written = actions_since(store, &before).await;
        for action in ["request_approved", "restriction_created"] {
            assert!(written.contains(&action.to_owned()), "{written:?}");
        }
        assert!(outbox_keys(&outbox(store).await).contains(&format!("decided:{request}")));
        let stored = store.request(request).await.expect("read").expect("kept");
        assert_eq!(stored.status, RequestStatus::Approved);
        assert_eq!(stored.decided_by.as_deref(), Some(HEAD));
        let in_force = store
            .restriction(restriction)
            .await
            .expect("read")
            .expect("restriction kept");
        assert_eq!(in_force.status, RestrictionStatus::Active);
        assert_eq!(in_force.measures, [Measure::ReadAndFile]);
        restriction
    }

    /// A decided request is decided once: asking again writes nothing.
    pub async fn decided_once(store: &dyn Store, request: i64, status: RequestStatus) {
        let before = audit(store).await;
        let rows = outbox(store).await.len();
        let decider = as_head_deciding(store, request).await;
        let withdrawer = as_requester_withdrawing(store, request).await;
        // Asked again, even through a handle that is committed, nothing is written.
        let mut tx = store.begin_write().await.expect("write begins");
        let again = tx
            .decide_request(request, &approval(), &decider, at(30))
            .await
            .expect("decide again");
        assert!(
            matches!(&again, DecisionResult::AlreadyDecided { status: s, .. } if *s == status),
            "{again:?}"
        );
        let withdrawn = tx
            .withdraw_request(request, "too late", &withdrawer, at(31))
            .await
            .expect("withdraw again");
        assert!(
            matches!(withdrawn, DecisionResult::AlreadyDecided { .. }),
            "{withdrawn:?}"
        );
        tx.commit().await.expect("commit");
        assert!(actions_since(store, &before).await.is_empty());
        assert_eq!(outbox(store).await.len(), rows);
    }

    pub fn resolution() -> ValidResolution {
        ValidResolution {
            outcome: DisputeOutcome::StillApplies,
            reasons: "The calls have not changed".to_owned(),
        }
    }

    pub fn continued() -> ValidReview {
        ValidReview {
            outcome: ReviewOutcome::Continue,
            next_review_on: Some(day(86_400 * 90)),
            reasons: "Still calling daily".to_owned(),
        }
    }

    pub async fn dispute(store: &dyn Store, restriction: i64) -> i64 {
        let new = NewDispute {
            restriction_id: restriction,
            today: day(40),
            received_on: day(40),
            summary: "Says it is unfair".to_owned(),
            handler: user(MANAGER),
            complaint_reference: "CMP-1".to_owned(),
            due_on: day(86_400 * 20),
        };
        let by = manager_of(store, restriction).await;
        let mut tx = store.begin_write().await.expect("begin");
        let id = tx
            .record_dispute(&new, &by, at(40))
            .await
            .expect("record dispute")
            .id;
        tx.commit().await.expect("commit");
        id
    }

    pub async fn review(store: &dyn Store, restriction: i64) -> i64 {
        let new = NewReview {
            restriction_id: restriction,
            kind: ReviewKind::Annual,
            today: day(60),
        };
        let by = manager_of(store, restriction).await;
        let mut tx = store.begin_write().await.expect("begin");
        let id = tx
            .start_review(&new, &by, at(60))
            .await
            .expect("start review")
            .id;
        tx.commit().await.expect("commit");
        id
    }

    /// MANAGER's proof of managing the restriction's function, obtained the real way.
    pub async fn manager_of(store: &dyn Store, restriction: i64) -> Manager {
        let function_id = store
            .restriction(restriction)
            .await
            .expect("read")
            .expect("restriction")
            .function_id;
        Authority::load(store, &user(MANAGER))
            .await
            .expect("roles")
            .manages(function_id)
            .expect("MANAGER manages Casework")
    }

    /// `who`'s proof that they may handle disputes of the restriction (§7).
    pub async fn handler_of(
        store: &dyn Store,
        restriction: i64,
        who: &str,
    ) -> Result<DisputeHandler, contact_policy_bot::access::Denied> {
        let restriction = store
            .restriction(restriction)
            .await
            .expect("read")
            .expect("restriction");
        Authority::load(store, &user(who))
            .await
            .expect("roles")
            .handles_dispute(store, &restriction)
            .await
            .expect("read handlers")
    }

    pub fn concluded_once(conclusion: &Conclusion) -> bool {
        matches!(conclusion, Conclusion::AlreadyConcluded { .. })
    }
}

contract_test!(
    sqlite_an_incident_is_recorded_with_its_new_person_audit_and_message,
    postgres_an_incident_is_recorded_with_its_new_person_audit_and_message
        => an_incident_is_recorded_with_its_new_person_audit_and_message
);
async fn an_incident_is_recorded_with_its_new_person_audit_and_message(
    store: Arc<dyn Store>,
    _url: &str,
) {
    let (_, person, incident) = policy::incident(&*store).await;
    let jane = store.person(person).await.expect("read").expect("jane");
    assert_eq!(jane.name, "Jane Doe");
    assert_eq!(
        store
            .incident(incident)
            .await
            .expect("read")
            .map(|i| i.person_id),
        Some(person)
    );
}

contract_test!(
    sqlite_a_request_is_approved_once_with_a_complete_checklist,
    postgres_a_request_is_approved_once_with_a_complete_checklist
        => a_request_is_approved_once_with_a_complete_checklist
);
async fn a_request_is_approved_once_with_a_complete_checklist(store: Arc<dyn Store>, _url: &str) {
    let (casework, person, incident) = policy::incident(&*store).await;
    let request = policy::request(&*store, casework, person, incident).await;
    policy::approve(&*store, request).await;
    policy::decided_once(&*store, request, RequestStatus::Approved).await;
}

contract_test!(
    sqlite_a_request_is_rejected_with_its_reason_or_withdrawn_with_its_reason,
    postgres_a_request_is_rejected_with_its_reason_or_withdrawn_with_its_reason
        => a_request_is_rejected_with_its_reason_or_withdrawn_with_its_reason
);
async fn a_request_is_rejected_with_its_reason_or_withdrawn_with_its_reason(
    store: Arc<dyn Store>,
    _url: &str,
) {
    use contact_policy_bot::store::records::{Decision, DecisionResult};
    let (casework, person, incident) = policy::incident(&*store).await;

    let rejected = policy::request(&*store, casework, person, incident).await;
    let before = audit(&*store).await;
    let decision = Decision::Reject {
        ticked: vec!["matter_addressed".to_owned()],
        reason: "Try a warning first".to_owned(),
    };
    let decider = policy::as_head_deciding(&*store, rejected).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let decided = tx
        .decide_request(rejected, &decision, &decider, at(20))
        .await
        .expect("reject");
    tx.enqueue(None, &[message("rejected")], at(20))
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    assert!(
        matches!(&decided, DecisionResult::Decided(d) if d.status == RequestStatus::Rejected && d.restriction.is_none()),
        "{decided:?}"
    );
    assert_eq!(
        policy::actions_since(&*store, &before).await,
        ["criterion_ticked", "request_rejected"],
        "the ticks the head made are kept with the rejection"
    );
    let stored = store.request(rejected).await.expect("read").expect("kept");
    assert_eq!(stored.status, RequestStatus::Rejected);
    assert_eq!(
        stored.decision_reason.as_deref(),
        Some("Try a warning first")
    );
    assert_eq!(stored.ticked, ["matter_addressed"]);
    assert!(policy::outbox_keys(&outbox(&*store).await).contains(&"rejected".to_owned()));
    policy::decided_once(&*store, rejected, RequestStatus::Rejected).await;

    let withdrawn = policy::request(&*store, casework, person, incident).await;
    let before = audit(&*store).await;
    let withdrawer = policy::as_requester_withdrawing(&*store, withdrawn).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let decided = tx
        .withdraw_request(withdrawn, "The person has moved away", &withdrawer, at(25))
        .await
        .expect("withdraw");
    tx.enqueue(None, &[message("withdrawn")], at(25))
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    assert!(
        matches!(&decided, DecisionResult::Decided(d) if d.status == RequestStatus::Withdrawn),
        "{decided:?}"
    );
    assert_eq!(
        policy::actions_since(&*store, &before).await,
        ["request_withdrawn"]
    );
    let stored = store.request(withdrawn).await.expect("read").expect("kept");
    assert_eq!(stored.status, RequestStatus::Withdrawn);
    assert_eq!(stored.withdrawn_by.as_deref(), Some(policy::MANAGER));
    assert_eq!(
        stored.decision_reason.as_deref(),
        Some("The person has moved away")
    );
    assert!(policy::outbox_keys(&outbox(&*store).await).contains(&"withdrawn".to_owned()));
    policy::decided_once(&*store, withdrawn, RequestStatus::Withdrawn).await;
}

contract_test!(
    sqlite_a_dispute_is_resolved_once_with_its_audit_and_message,
    postgres_a_dispute_is_resolved_once_with_its_audit_and_message
        => a_dispute_is_resolved_once_with_its_audit_and_message
);
async fn a_dispute_is_resolved_once_with_its_audit_and_message(store: Arc<dyn Store>, _url: &str) {
    use contact_policy_bot::store::records::Conclusion;
    let (casework, person, incident) = policy::incident(&*store).await;
    let request = policy::request(&*store, casework, person, incident).await;
    let restriction = policy::approve(&*store, request).await;
    let dispute = policy::dispute(&*store, restriction).await;
    assert_eq!(
        store
            .dispute(dispute)
            .await
            .expect("read")
            .expect("kept")
            .status,
        DisputeStatus::AwaitingResolution
    );
    // §7: the manager who requested it gets no proof to resolve it with.
    assert!(policy::handler_of(&*store, restriction, policy::MANAGER)
        .await
        .is_err());
    let handler = policy::handler_of(&*store, restriction, policy::HANDLER)
        .await
        .expect("HANDLER may handle it");

    let before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let resolved = tx
        .resolve_dispute(dispute, &policy::resolution(), &handler, at(50))
        .await
        .expect("resolve");
    assert!(
        matches!(&resolved, Conclusion::Concluded(c) if c.outcome == Outcome::Dispute(DisputeOutcome::StillApplies) && !c.lifted),
        "{resolved:?}"
    );
    tx.enqueue(None, &[message(&format!("resolved:{dispute}"))], at(50))
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    // The proof's holder is the actor.
    let written = audit_since(&*store, &before).await;
    assert!(
        written
            .iter()
            .any(|e| e.action == "dispute_resolved" && e.actor == policy::HANDLER),
        "{written:?}"
    );
    assert!(policy::outbox_keys(&outbox(&*store).await).contains(&format!("resolved:{dispute}")));
    let stored = store.dispute(dispute).await.expect("read").expect("kept");
    assert_eq!(stored.status, DisputeStatus::Resolved);
    assert_eq!(stored.outcome, Some(DisputeOutcome::StillApplies));
    assert_eq!(stored.resolved_by.as_deref(), Some(policy::HANDLER));
    assert_eq!(
        store
            .restriction(restriction)
            .await
            .expect("read")
            .expect("kept")
            .status,
        RestrictionStatus::Active,
        "still applies"
    );

    let before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let again = tx
        .resolve_dispute(dispute, &policy::resolution(), &handler, at(51))
        .await
        .expect("resolve again");
    assert!(policy::concluded_once(&again), "{again:?}");
    drop(tx);
    assert!(policy::actions_since(&*store, &before).await.is_empty());
    assert!(!policy::outbox_keys(&outbox(&*store).await).contains(&"resolved again".to_owned()));
}

contract_test!(
    sqlite_i9_core_dispute_write_rolled_back_when_handle_dropped,
    postgres_i9_core_dispute_write_rolled_back_when_handle_dropped
        => i9_core_dispute_write_rolled_back_when_handle_dropped
);
/// Dropping the write handle (an early return, a failed render) leaves nothing: the
/// dispute still awaits resolution, and neither its audit event, its letter nor its
/// messages were written.
async fn i9_core_dispute_write_rolled_back_when_handle_dropped(store: Arc<dyn Store>, _url: &str) {
    use contact_policy_bot::store::records::{Conclusion, LetterSubject, NewLetter};
    let (casework, person, incident) = policy::incident(&*store).await;
    let request = policy::request(&*store, casework, person, incident).await;
    let restriction = policy::approve(&*store, request).await;
    let dispute = policy::dispute(&*store, restriction).await;
    let handler = policy::handler_of(&*store, restriction, policy::HANDLER)
        .await
        .expect("HANDLER may handle it");
    let before = audit(&*store).await;
    let rows = outbox(&*store).await.len();
    {
        let mut tx = store.begin_write().await.expect("begin");
        let resolved = tx
            .resolve_dispute(dispute, &policy::resolution(), &handler, at(50))
            .await
            .expect("resolve");
        assert!(matches!(resolved, Conclusion::Concluded(_)), "{resolved:?}");
        let letter = NewLetter {
            kind: "dispute_outcome",
            format: "standard",
            language: "en",
            template: "dispute_outcome.standard.en".to_owned(),
            body: "<p>Outcome</p>".to_owned(),
            held_by: user(policy::HANDLER),
        };
        tx.draft_letter(
            &letter,
            LetterSubject::Dispute(dispute),
            person,
            casework,
            &handler.actor(),
            at(50),
        )
        .await
        .expect("draft");
        tx.enqueue(None, &[message(&format!("resolved:{dispute}"))], at(50))
            .await
            .expect("enqueue");
        // Dropped here without commit.
    }
    let stored = store.dispute(dispute).await.expect("read").expect("kept");
    assert_eq!(
        (stored.status.as_str(), stored.outcome.map(|o| o.as_str())),
        ("awaiting_resolution", None)
    );
    assert!(policy::actions_since(&*store, &before).await.is_empty());
    assert_eq!(outbox(&*store).await.len(), rows);
    // And the dispute can still be resolved, once.
    let mut tx = store.begin_write().await.expect("begin again");
    let resolved = tx
        .resolve_dispute(dispute, &policy::resolution(), &handler, at(60))
        .await
        .expect("resolve");
    assert!(matches!(resolved, Conclusion::Concluded(_)), "{resolved:?}");
    tx.commit().await.expect("commit");
}

contract_test!(
    sqlite_a_review_is_decided_once_and_continue_sets_the_next_review,
    postgres_a_review_is_decided_once_and_continue_sets_the_next_review
        => a_review_is_decided_once_and_continue_sets_the_next_review
);
async fn a_review_is_decided_once_and_continue_sets_the_next_review(
    store: Arc<dyn Store>,
    _url: &str,
) {
    use contact_policy_bot::store::records::Conclusion;
    let (casework, person, incident) = policy::incident(&*store).await;
    let request = policy::request(&*store, casework, person, incident).await;
    let restriction = policy::approve(&*store, request).await;
    let review = policy::review(&*store, restriction).await;
    assert_eq!(
        store
            .review(review)
            .await
            .expect("read")
            .expect("kept")
            .status,
        ReviewStatus::Open
    );

    let manager = policy::manager_of(&*store, restriction).await;
    let before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let decided = tx
        .decide_review(review, &policy::continued(), &manager, at(70))
        .await
        .expect("decide review");
    tx.enqueue(None, &[message(&format!("reviewed:{review}"))], at(70))
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    let next = policy::day(86_400 * 90);
    assert!(
        matches!(&decided, Conclusion::Concluded(c) if c.outcome == Outcome::Review(ReviewOutcome::Continue) && c.next_review_on == Some(next)),
        "{decided:?}"
    );
    let written = policy::actions_since(&*store, &before).await;
    for action in ["review_decided", "restriction_review_date_set"] {
        assert!(written.contains(&action.to_owned()), "{written:?}");
    }
    assert!(policy::outbox_keys(&outbox(&*store).await).contains(&format!("reviewed:{review}")));
    let stored = store.review(review).await.expect("read").expect("kept");
    assert_eq!(stored.status, ReviewStatus::Decided);
    assert_eq!(stored.outcome, Some(ReviewOutcome::Continue));
    let in_force = store
        .restriction(restriction)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (in_force.status, in_force.next_review_on),
        (RestrictionStatus::Active, next)
    );

    let before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let again = tx
        .decide_review(review, &policy::continued(), &manager, at(71))
        .await
        .expect("decide again");
    assert!(policy::concluded_once(&again), "{again:?}");
    drop(tx);
    assert!(policy::actions_since(&*store, &before).await.is_empty());
    assert!(!policy::outbox_keys(&outbox(&*store).await).contains(&"reviewed again".to_owned()));
}

// --- The write handle (issue 9, core shape): a handler records, drafts its letter and
// queues its messages through one handle; nothing is visible before `commit`, and a
// handle dropped (an early return, a failed render) changes nothing. ---

contract_test!(
    sqlite_i9_core_write_handle_rolls_back_when_dropped,
    postgres_i9_core_write_handle_rolls_back_when_dropped
        => i9_core_write_handle_rolls_back_when_dropped
);
async fn i9_core_write_handle_rolls_back_when_dropped(store: Arc<dyn Store>, _url: &str) {
    let casework = policy::casework(&*store).await;
    let reporter = policy::as_reporter(&*store, casework).await;
    let audit_before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let recorded = tx
        .record_incident(&policy::jane_incident(casework), &reporter, at(1))
        .await
        .expect("record incident");
    tx.enqueue(
        None,
        &[message(&format!("incident:{}", recorded.id))],
        at(1),
    )
    .await
    .expect("enqueue");
    drop(tx);
    assert_eq!(
        store.incident(recorded.id).await.expect("read"),
        None,
        "no incident"
    );
    assert!(
        store
            .find_people("Jane", &[], 5)
            .await
            .expect("find")
            .is_empty(),
        "no new person"
    );
    assert!(
        audit_since(&*store, &audit_before).await.is_empty(),
        "no audit event"
    );
    assert!(outbox(&*store).await.is_empty(), "no outbox row");
    // The store is free again: the same record goes through a new handle.
    let mut tx = store.begin_write().await.expect("write begins again");
    tx.record_incident(&policy::jane_incident(casework), &reporter, at(2))
        .await
        .expect("record incident");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.find_people("Jane", &[], 5).await.expect("find").len(),
        1
    );
}

contract_test!(
    sqlite_i9_core_commit_makes_record_messages_and_letter_visible_at_once,
    postgres_i9_core_commit_makes_record_messages_and_letter_visible_at_once
        => i9_core_commit_makes_record_messages_and_letter_visible_at_once
);
async fn i9_core_commit_makes_record_messages_and_letter_visible_at_once(
    store: Arc<dyn Store>,
    _url: &str,
) {
    use contact_policy_bot::store::records::{LetterSubject, NewLetter, NewWarning};
    let (casework, person, incident) = policy::incident(&*store).await;
    let manager = policy::as_manager(&*store, casework).await;
    let rows_before = outbox(&*store).await.len();
    let audit_before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let warning = NewWarning {
        person_id: person,
        function_id: casework,
        incident_ids: vec![incident],
        behaviour: "Abusive calls".to_owned(),
        adapt_until: policy::day(86_400 * 14),
    };
    let recorded = tx
        .record_warning(&warning, &manager, at(5))
        .await
        .expect("record warning");
    let letter = NewLetter {
        kind: "warning",
        format: "standard",
        language: "en",
        template: "en/warning.html".to_owned(),
        body: "<p>Dear Jane</p>".to_owned(),
        held_by: user(policy::MANAGER),
    };
    let letter_id = tx
        .draft_letter(
            &letter,
            LetterSubject::Warning(recorded.id),
            person,
            casework,
            &manager.actor(),
            at(5),
        )
        .await
        .expect("draft letter");
    tx.enqueue(
        None,
        &[message(&format!("warning:{}:confirm", recorded.id))],
        at(5),
    )
    .await
    .expect("enqueue");
    // Before the commit, none of it is there for anyone else.
    assert_eq!(store.warning(recorded.id).await.expect("read"), None);
    assert_eq!(store.letter(letter_id).await.expect("read"), None);
    assert_eq!(outbox(&*store).await.len(), rows_before);
    assert!(audit_since(&*store, &audit_before).await.is_empty());
    tx.commit().await.expect("commit");
    // After it, all of it, at once.
    let stored = store
        .warning(recorded.id)
        .await
        .expect("read")
        .expect("warning");
    assert_eq!(stored.status.as_str(), "drafted");
    assert_eq!(
        stored.created_by,
        policy::MANAGER,
        "the proof's holder is the actor"
    );
    let drafted = store
        .letter(letter_id)
        .await
        .expect("read")
        .expect("letter");
    assert_eq!(drafted.subject_reference, recorded.reference);
    assert!(policy::outbox_keys(&outbox(&*store).await)
        .contains(&format!("warning:{}:confirm", recorded.id)));
    assert_eq!(
        policy::actions_since(&*store, &audit_before).await,
        ["warning_recorded", "letter_drafted"]
    );
}

contract_test!(
    sqlite_i9_core_a_proof_holds_only_in_its_own_function,
    postgres_i9_core_a_proof_holds_only_in_its_own_function
        => i9_core_a_proof_holds_only_in_its_own_function
);
async fn i9_core_a_proof_holds_only_in_its_own_function(store: Arc<dyn Store>, _url: &str) {
    let (casework, _, _) = policy::incident(&*store).await;
    let housing = store
        .add_function(&function("Housing"), &admin_actor(), at(2))
        .await
        .expect("function");
    let reporter = policy::as_reporter(&*store, casework).await;
    let audit_before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let elsewhere = tx
        .record_incident(&policy::jane_incident(housing), &reporter, at(3))
        .await;
    assert!(
        matches!(elsewhere, Err(StoreError::WrongFunction { .. })),
        "{elsewhere:?}"
    );
    drop(tx);
    assert!(audit_since(&*store, &audit_before).await.is_empty());
}

contract_test!(
    sqlite_i9_core_an_unapprovable_variation_is_undone_alone_and_the_bot_withdraws_it,
    postgres_i9_core_an_unapprovable_variation_is_undone_alone_and_the_bot_withdraws_it
        => i9_core_an_unapprovable_variation_is_undone_alone_and_the_bot_withdraws_it
);
/// The restriction a variation replaces was lifted while the head decided: approving
/// writes nothing of the decision (its savepoint is undone), and the same handle goes on
/// to the bot's withdrawal, whose proof only the domain's rule gives.
async fn i9_core_an_unapprovable_variation_is_undone_alone_and_the_bot_withdraws_it(
    store: Arc<dyn Store>,
    url: &str,
) {
    use contact_policy_bot::domain::measures::Measure;
    use contact_policy_bot::domain::restriction::system_withdraws_unapprovable;
    use contact_policy_bot::store::records::{DecisionResult, NewRequest};
    let (casework, person, incident) = policy::incident(&*store).await;
    let first = policy::request(&*store, casework, person, incident).await;
    let restriction = policy::approve(&*store, first).await;
    let variation = NewRequest {
        person_id: person,
        function_id: casework,
        incident_ids: vec![incident],
        measures: vec![Measure::CallsRecorded],
        justification: "Calls now recorded instead".to_owned(),
        proportionality: "Less restrictive".to_owned(),
        internal_review_exhausted: true,
        ends_on: None,
        first_review_on: policy::day(86_400 * 180),
        warning_id: None,
        no_warning_reason: None,
        varies_restriction_id: Some(restriction),
    };
    let manager = policy::as_manager(&*store, casework).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let varied = tx
        .create_request(&variation, &manager, at(50))
        .await
        .expect("variation");
    tx.commit().await.expect("commit");
    // Lifted in the meantime (as a dispute resolved "lifted" would leave it).
    raw_execute(
        url,
        &format!(
            "UPDATE restrictions SET status = 'lifted', ended_by = 'U0MANAGER', ended_at = created_at, \
             end_reason = 'lifted on dispute' WHERE id = {restriction}"
        ),
    )
    .await
    .expect("lift");
    let decider = policy::as_head_deciding(&*store, varied.id).await;
    let before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("write begins");
    let decided = tx
        .decide_request(varied.id, &policy::approval(), &decider, at(60))
        .await
        .expect("decide");
    let DecisionResult::VariedNotInForce { reference, status } = decided else {
        panic!("approved a variation of a lifted restriction: {decided:?}");
    };
    assert_eq!(status.as_str(), "lifted");
    // Still standing, the bot gets no proof to withdraw with.
    assert!(system_withdraws_unapprovable(
        casework,
        &reference,
        contact_policy_bot::domain::restriction::RestrictionStatus::Active,
        None,
        policy::day(60)
    )
    .is_none());
    let (bot, why) =
        system_withdraws_unapprovable(casework, &reference, status, None, policy::day(60))
            .expect("the bot withdraws what cannot be approved");
    let withdrawn = tx
        .withdraw_request(varied.id, &why, &bot, at(60))
        .await
        .expect("withdraw");
    assert!(
        matches!(&withdrawn, DecisionResult::Decided(d) if d.status.as_str() == "withdrawn"),
        "{withdrawn:?}"
    );
    tx.commit().await.expect("commit");
    assert_eq!(
        policy::actions_since(&*store, &before).await,
        ["request_withdrawn"],
        "nothing of the undone approval is left"
    );
    let stored = store.request(varied.id).await.expect("read").expect("kept");
    assert_eq!(stored.status.as_str(), "withdrawn");
    assert_eq!(stored.withdrawn_by.as_deref(), Some("system"));
    assert_eq!(stored.decided_by, None);
    assert_eq!(stored.decision_reason.as_deref(), Some(why.as_str()));
    let lifted = store
        .restriction(restriction)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(lifted.status.as_str(), "lifted", "not superseded");
}

contract_test!(
    sqlite_i9_core_unknown_status_in_database_is_a_clear_error,
    postgres_i9_core_unknown_status_in_database_is_a_clear_error
        => i9_core_unknown_status_in_database_is_a_clear_error
);
/// Issue 9 (core shape): a status or outcome the domain does not know is never read as
/// some default: reading the row through the store is an error naming the table, the
/// column and the value, and the rows beside it still read.
async fn i9_core_unknown_status_in_database_is_a_clear_error(store: Arc<dyn Store>, url: &str) {
    let (casework, person, incident) = policy::incident(&*store).await;
    let request = policy::request(&*store, casework, person, incident).await;
    let restriction = policy::approve(&*store, request).await;
    let dispute = policy::dispute(&*store, restriction).await;
    let other = policy::request(&*store, casework, person, incident).await;

    write_unknown_value(url, "restriction_requests", "status", request, "on_hold").await;
    assert_unknown_value(
        store.request(request).await,
        "restriction_requests",
        "status",
        "on_hold",
    );
    assert_eq!(
        store
            .request(other)
            .await
            .expect("read")
            .expect("kept")
            .status,
        RequestStatus::Pending,
        "only the bad row is refused"
    );

    write_unknown_value(url, "disputes", "outcome", dispute, "postponed").await;
    assert_unknown_value(
        store.dispute(dispute).await,
        "disputes",
        "outcome",
        "postponed",
    );

    write_unknown_value(url, "restrictions", "status", restriction, "paused").await;
    assert_unknown_value(
        store.restriction(restriction).await,
        "restrictions",
        "status",
        "paused",
    );
}

/// Writes `value` into `table.column` of row `id` past the schema's CHECK constraint: a
/// database the code disagrees with (say, one a newer release wrote to). SQLite is told
/// to ignore CHECKs on this connection; PostgreSQL's checks on the table are dropped (each
/// test has a database of its own).
async fn write_unknown_value(url: &str, table: &str, column: &str, id: i64, value: &str) {
    let update = format!("UPDATE {table} SET {column} = '{value}' WHERE id = {id}");
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut conn = PgConnection::connect(url)
            .await
            .expect("raw PostgreSQL connection");
        let checks: Vec<String> = sqlx::query_scalar(
            "SELECT conname::text FROM pg_constraint WHERE contype = 'c' AND conrelid = $1::regclass",
        )
        .bind(table)
        .fetch_all(&mut conn)
        .await
        .expect("the table's checks");
        for check in checks {
            sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT {check}"))
                .execute(&mut conn)
                .await
                .expect("drop a check");
        }
        let updated = sqlx::query(&update)
            .execute(&mut conn)
            .await
            .expect(&update);
        assert_eq!(updated.rows_affected(), 1, "{update}");
        conn.close().await.expect("close raw connection");
    } else {
        let mut conn = SqliteConnection::connect(url)
            .await
            .expect("raw SQLite connection");
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut conn)
            .await
            .expect("ignore checks");
        let updated = sqlx::query(&update)
            .execute(&mut conn)
            .await
            .expect(&update);
        assert_eq!(updated.rows_affected(), 1, "{update}");
        conn.close().await.expect("close raw connection");
    }
}

fn assert_unknown_value<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    table: &str,
    column: &str,
    value: &str,
) {
    match result {
        Err(err @ StoreError::UnknownValue { .. }) => {
            let StoreError::UnknownValue {
                table: t,
                column: c,
                value: v,
            } = &err
            else {
                unreachable!()
            };
            assert_eq!((*t, *c, v.as_str()), (table, column, value));
            let said = err.to_string();
            assert!(
                said.contains(&format!("{table}.{column}")) && said.contains(value),
                "{said}"
            );
        }
        other => panic!("expected UnknownValue in {table}.{column}, got {other:?}"),
    }
}

// --- Correcting the record (issue 10 item 4, R-REC-1). ---

mod correction {
    use super::*;
    use contact_policy_bot::domain::correction::{CorrectedRecord, CorrectionText, RecordRef};
    use contact_policy_bot::domain::person::{AccessRequirements, Identifier, PersonName};
    use contact_policy_bot::store::corrections::{
        CorrectionOutcome, NewCorrectionNote, PersonCorrection,
    };

    /// A correction of Jane as the form read her at `version`, changing nothing yet.
    pub async fn as_read(store: &dyn Store, person: i64) -> PersonCorrection {
        let details = store
            .person_details(person)
            .await
            .expect("read")
            .expect("on record");
        PersonCorrection {
            person_id: person,
            opened_at_version: details.version,
            name: PersonName::parse(&details.person.name).expect("name"),
            access: details.person.access.clone(),
            add: Vec::new(),
            remove: Vec::new(),
        }
    }

    pub async fn correct(
        store: &dyn Store,
        correction: &PersonCorrection,
        at_: DateTime<Utc>,
    ) -> CorrectionOutcome {
        let manager = policy::as_manager(store, correction_function(store).await).await;
        let mut tx = store.begin_write().await.expect("begin");
        let outcome = tx
            .correct_person(correction, &manager, at_)
            .await
            .expect("correct");
        if matches!(outcome, CorrectionOutcome::Corrected { .. }) {
            tx.commit().await.expect("commit");
        }
        outcome
    }

    async fn correction_function(store: &dyn Store) -> i64 {
        store.list_functions().await.expect("functions")[0].id
    }

    pub fn address() -> Identifier {
        Identifier::postal_address("1 High St.\nCardiff\n CF10 1AA ").expect("address")
    }

    pub fn note(person: i64, incident: i64) -> NewCorrectionNote {
        NewCorrectionNote {
            person_id: person,
            record: RecordRef::new(CorrectedRecord::Incident, incident),
            note: CorrectionText::parse("It was the Tuesday").expect("note"),
        }
    }

    pub fn access_cy() -> AccessRequirements {
        AccessRequirements {
            language: "cy".parse().expect("language"),
            ..AccessRequirements::default()
        }
    }
}

contract_test!(
    sqlite_r_rec_1_a_person_is_corrected_in_one_transaction_with_its_audit_events,
    postgres_r_rec_1_a_person_is_corrected_in_one_transaction_with_its_audit_events
        => r_rec_1_a_person_is_corrected_in_one_transaction_with_its_audit_events
);
/// R-REC-1: renaming, a postal address added (found however it is typed), the phone
/// removed and the language changed are written together, each kind of change an audit
/// event naming fields or kinds only, and the person's last activity moves on.
async fn r_rec_1_a_person_is_corrected_in_one_transaction_with_its_audit_events(
    store: Arc<dyn Store>,
    url: &str,
) {
    let (_casework, person, _incident) = policy::incident(&*store).await;
    let details = store
        .person_details(person)
        .await
        .expect("read")
        .expect("p");
    assert_eq!(details.version, 0);
    let phone = details.identifiers[0].id;
    let mut correction = correction::as_read(&*store, person).await;
    correction.name =
        contact_policy_bot::domain::person::PersonName::parse("Janet Doe-Smith").expect("name");
    correction.access = correction::access_cy();
    correction.add = vec![correction::address()];
    correction.remove = vec![phone];
    let before = audit(&*store).await;
    let outcome = correction::correct(&*store, &correction, at(100)).await;
    assert_eq!(
        outcome,
        contact_policy_bot::store::corrections::CorrectionOutcome::Corrected {
            fields_changed: vec![
                "name",
                "language",
                "identifiers_removed",
                "identifiers_added"
            ]
        }
    );
    let after = store
        .person_details(person)
        .await
        .expect("read")
        .expect("p");
    assert_eq!(
        after.version, 1,
        "a change of name or access moves the version"
    );
    assert_eq!(after.person.name, "Janet Doe-Smith");
    assert_eq!(after.person.access.language.as_str(), "cy");
    assert_eq!(after.identifiers.len(), 1);
    assert_eq!(
        after.identifiers[0].identifier.value(),
        "1 High St.\nCardiff\n CF10 1AA"
    );
    let lookup = [(
        contact_policy_bot::domain::person::IdentifierKind::PostalAddress,
        "1 high st cardiff cf10 1aa".to_owned(),
    )];
    assert_eq!(
        store.find_people("", &lookup, 5).await.expect("find").len(),
        1
    );
    assert_eq!(
        store
            .find_people("doe-smith", &[], 5)
            .await
            .expect("find")
            .len(),
        1
    );
    let events = audit_since(&*store, &before).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "person_renamed",
            "access_requirements_updated",
            "identifiers_removed",
            "identifiers_added"
        ]
    );
    let said = format!("{events:?}");
    for personal in ["Janet", "Doe-Smith", "High", "CF10", "07700", "cy\""] {
        assert!(!said.contains(personal), "{personal} in {said}");
    }
    let activity: Vec<String> = if url.starts_with("postgres") {
        let mut conn = PgConnection::connect(url).await.expect("pg");
        sqlx::query_scalar("SELECT CAST(last_activity_at AS TEXT) FROM service_users")
            .fetch_all(&mut conn)
            .await
            .expect("read")
    } else {
        let mut conn = SqliteConnection::connect(url).await.expect("sqlite");
        sqlx::query_scalar("SELECT CAST(last_activity_at AS TEXT) FROM service_users")
            .fetch_all(&mut conn)
            .await
            .expect("read")
    };
    assert!(
        activity[0].starts_with("2024-03-01") && activity[0].contains("09:01:40"),
        "last activity is the correction's: {activity:?}"
    );
}

contract_test!(
    sqlite_r_rec_1_a_correction_never_silently_undoes_another,
    postgres_r_rec_1_a_correction_never_silently_undoes_another
        => r_rec_1_a_correction_never_silently_undoes_another
);
/// R-REC-1: a correction read before another was saved is refused when it would put back
/// what the other changed, and an identifier someone else removed is reported; neither
/// writes anything. A stale form whose details match the record now is saved.
async fn r_rec_1_a_correction_never_silently_undoes_another(store: Arc<dyn Store>, _url: &str) {
    use contact_policy_bot::store::corrections::CorrectionOutcome;
    let (_casework, person, _incident) = policy::incident(&*store).await;
    let phone = store
        .person_details(person)
        .await
        .expect("read")
        .expect("p")
        .identifiers[0]
        .id;
    let stale = correction::as_read(&*store, person).await;
    let mut first = stale.clone();
    first.access = correction::access_cy();
    first.remove = vec![phone];
    assert!(matches!(
        correction::correct(&*store, &first, at(10)).await,
        CorrectionOutcome::Corrected { .. }
    ));
    let before = audit(&*store).await;
    let mut undoing = stale.clone();
    undoing.name = contact_policy_bot::domain::person::PersonName::parse("Jane Roe").expect("name");
    undoing.add = vec![correction::address()];
    assert_eq!(
        correction::correct(&*store, &undoing, at(20)).await,
        CorrectionOutcome::ChangedMeanwhile,
        "its language is the old one"
    );
    let mut removing = correction::as_read(&*store, person).await;
    removing.remove = vec![phone];
    removing.add = vec![correction::address()];
    assert_eq!(
        correction::correct(&*store, &removing, at(30)).await,
        CorrectionOutcome::IdentifiersGone(vec![phone])
    );
    assert!(
        audit_since(&*store, &before).await.is_empty(),
        "nothing written"
    );
    let now = store
        .person_details(person)
        .await
        .expect("read")
        .expect("p");
    assert_eq!(now.person.name, "Jane Doe");
    assert!(now.identifiers.is_empty(), "the address was not added");
    let mut matching = stale;
    matching.access = correction::access_cy();
    matching.add = vec![correction::address()];
    assert_eq!(
        correction::correct(&*store, &matching, at(40)).await,
        CorrectionOutcome::Corrected {
            fields_changed: vec!["identifiers_added"]
        },
        "nothing of the other change is lost"
    );
    assert_eq!(
        store
            .person_details(person)
            .await
            .expect("read")
            .expect("p")
            .version,
        1,
        "adding an identifier leaves the version"
    );
}

contract_test!(
    sqlite_r_rec_1_a_correction_note_is_kept_beside_its_record,
    postgres_r_rec_1_a_correction_note_is_kept_beside_its_record
        => r_rec_1_a_correction_note_is_kept_beside_its_record
);
/// R-REC-1: a manager of the record's function adds a note; the record is unchanged, the
/// note reads back with it and in the case file's record id, the audit event names the
/// record and the note, never its words. Another function's manager, and a record that is
/// not the person's, are refused with nothing written.
async fn r_rec_1_a_correction_note_is_kept_beside_its_record(store: Arc<dyn Store>, _url: &str) {
    use contact_policy_bot::domain::correction::{CorrectedRecord, RecordRef};
    let (casework, person, incident) = policy::incident(&*store).await;
    let housing = store
        .add_function(&function("Housing"), &admin_actor(), at(0))
        .await
        .expect("function");
    store
        .grant_role(
            &function("Housing"),
            &user("U0OTHERMGR"),
            Role::Manager,
            &admin_actor(),
            at(0),
        )
        .await
        .expect("role");
    let other = policy::authority(&*store, "U0OTHERMGR")
        .await
        .manages(housing)
        .expect("manages housing");
    let before = audit(&*store).await;
    let mut tx = store.begin_write().await.expect("begin");
    let refused = tx
        .add_correction_note(&correction::note(person, incident), &other, at(5))
        .await;
    assert!(
        matches!(refused, Err(StoreError::WrongFunction { .. })),
        "{refused:?}"
    );
    drop(tx);
    let manager = policy::as_manager(&*store, casework).await;
    let mut tx = store.begin_write().await.expect("begin");
    let not_hers = tx
        .add_correction_note(&correction::note(person + 1, incident), &manager, at(5))
        .await;
    assert_not_found(not_hers, "a record of someone else");
    drop(tx);
    assert!(audit_since(&*store, &before).await.is_empty());

    let mut tx = store.begin_write().await.expect("begin");
    let id = tx
        .add_correction_note(&correction::note(person, incident), &manager, at(10))
        .await
        .expect("note");
    tx.commit().await.expect("commit");
    let record = RecordRef::new(CorrectedRecord::Incident, incident);
    let notes = store.correction_notes_on(&[record]).await.expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].id, notes[0].person_id, notes[0].function_id),
        (id, Some(person), casework)
    );
    assert_eq!(notes[0].note, "It was the Tuesday");
    assert_eq!(notes[0].created_by, policy::MANAGER);
    assert_eq!(
        store.correction_notes_of(person).await.expect("notes"),
        notes
    );
    assert_eq!(
        store
            .incident(incident)
            .await
            .expect("read")
            .expect("i")
            .description,
        "Shouted abuse at staff",
        "the record is never rewritten"
    );
    let offered = store.correctable_records(person).await.expect("records");
    assert_eq!(offered.len(), 1);
    assert_eq!(
        (offered[0].record, offered[0].function_id),
        (record, casework)
    );
    assert!(offered[0].reference.starts_with("INC-"));
    let entry = store
        .history(person, policy::day(0))
        .await
        .expect("history")
        .into_iter()
        .find(|e| e.kind == "incident")
        .expect("the incident in the case file");
    assert_eq!(
        entry.record_id,
        Some(incident),
        "the case file names the noted record"
    );
    let events = audit_since(&*store, &before).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "correction_note_added");
    assert_eq!(events[0].function_id, Some(casework));
    assert!(!format!("{events:?}").contains("Tuesday"), "{events:?}");
}

// --- Name search from an index (issue 12): the trigram index on SQLite (pg_trgm on
// PostgreSQL) finds exactly what `name_folded LIKE '%…%'` found, whatever is typed, and
// forgets a name once it is corrected or erased. ---

contract_test!(
    sqlite_i12_name_search_finds_any_part_of_a_name_as_typed,
    postgres_i12_name_search_finds_any_part_of_a_name_as_typed
        => i12_name_search_finds_any_part_of_a_name_as_typed
);
async fn i12_name_search_finds_any_part_of_a_name_as_typed(store: Arc<dyn Store>, url: &str) {
    use contact_policy_bot::domain::person::{AccessRequirements, PersonName};
    use contact_policy_bot::store::records::NewPerson;
    let names = [
        "Siân O'Brien-Jones",
        "Quentin \"Q\" Quill",
        "Ann AND Bob NEAR Carter",
        "ÉMILE Zola",
        "Percy 100% Pratt",
        "Anna_Belle Smith",
    ];
    let mut ids = Vec::new();
    for name in names {
        let person = NewPerson {
            name: PersonName::parse(name).expect("name"),
            identifiers: Vec::new(),
            access: AccessRequirements::default(),
        };
        ids.push(
            store
                .create_person(&person, &admin_actor(), at(1))
                .await
                .expect("person"),
        );
    }
    let store = &store;
    let found = |query: &'static str| async move {
        store
            .find_people(query, &[], 10)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
    };
    // Quotes, FTS5 operators and LIKE's wildcards are text like any other. Twice: the
    // first search starts counting the index's trigrams, and a later one (the count
    // read by then, or not: either way the answer is the same) asks for the rarest.
    for pass in 0..2 {
        if pass == 1 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        for (query, expected) in [
            ("o'brien", vec![names[0]]),
            ("SIÂN", vec![names[0]]),
            ("\"q\"", vec![names[1]]),
            ("and bob near", vec![names[2]]),
            ("émile zo", vec![names[3]]),
            ("100%", vec![names[4]]),
            ("a_b", vec![names[5]]),
            ("a%b", vec![]),
            ("nna", vec![names[5]]),
            ("n AND b", vec![names[2]]),
            // Shorter than a trigram: still any part of a name.
            ("zo", vec![names[3]]),
            ("ann", vec![names[2], names[5]]),
        ] {
            assert_eq!(
                found(query).await,
                expected,
                "searching for {query:?} (pass {pass})"
            );
        }
    }
    assert_eq!(store.count_people("an", &[]).await.expect("count"), 2);
    assert_eq!(store.count_people("ann", &[]).await.expect("count"), 2);
    // A corrected name is found as it is now, never as it was; an erased one not at all.
    raw_execute(
        url,
        &format!(
            "UPDATE service_users SET display_name = 'Zed Renamed', name_folded = 'zed renamed' WHERE id = {}",
            ids[3]
        ),
    )
    .await
    .expect("rename");
    raw_execute(
        url,
        &format!(
            "UPDATE service_users SET display_name = NULL, name_folded = NULL, erased_at = '2024-03-02T09:00:00+00:00', \
             erased_by = 'tester' WHERE id = {}",
            ids[0]
        ),
    )
    .await
    .expect("erase");
    assert_eq!(found("émile").await, Vec::<String>::new());
    assert_eq!(found("renamed").await, vec!["Zed Renamed".to_owned()]);
    assert_eq!(found("o'brien").await, Vec::<String>::new());
    if !url.starts_with("postgres") {
        // Not merely hidden by erased_at: the index itself no longer holds the old names.
        let mut conn = SqliteConnection::connect(url).await.expect("sqlite");
        for phrase in ["\"o'brien\"", "\"émile\"", "\"siân\""] {
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM service_user_names WHERE service_user_names MATCH $1",
            )
            .bind(phrase)
            .fetch_one(&mut conn)
            .await
            .expect("index");
            assert_eq!(held, 0, "{phrase} still in the name index");
        }
    }
}
