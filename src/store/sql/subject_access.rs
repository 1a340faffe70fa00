// Compiled once per backend; see `common.rs`. The subject access read (R-DP-1): every
// table that holds something about a person, selected by the person's id through the
// person's own records only (never by a join that could reach another person's rows).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, SecondsFormat};
use serde_json::Map;

use crate::store::subject_access::{names_staff, ColumnKind, Section, SubjectAccessFile, SubjectAccessStore, EXPORT_ACTION};

use ColumnKind::{Bool, Date, Int, Text, Time};

/// One section: the rows of `from` (aliased `t`, with `$1` the person's id) and their
/// columns. A column is `t.<name>` unless it is written `<expression> AS <name>`.
struct Spec {
    key: &'static str,
    /// Whether `from` joins the `subjects` of the person (see [`SUBJECTS`]).
    with_subjects: bool,
    from: &'static str,
    order: &'static str,
    columns: &'static [(&'static str, ColumnKind)],
}

/// Every (subject_type, subject_id) that is the person or one of their records, as the
/// audit trail and the reminders name them.
const SUBJECTS: &str = "WITH subjects (subject_type, subject_id) AS ( \
     SELECT CAST('service_user' AS TEXT), CAST(id AS TEXT) FROM service_users WHERE id = $1 \
     UNION ALL SELECT 'incident', CAST(id AS TEXT) FROM incidents WHERE service_user_id = $1 \
     UNION ALL SELECT 'ended_call', CAST(id AS TEXT) FROM ended_calls WHERE service_user_id = $1 \
     UNION ALL SELECT 'foi_refusal', CAST(id AS TEXT) FROM foi_refusals WHERE service_user_id = $1 \
     UNION ALL SELECT 'warning', CAST(id AS TEXT) FROM warnings WHERE service_user_id = $1 \
     UNION ALL SELECT 'restriction_request', CAST(id AS TEXT) FROM restriction_requests WHERE service_user_id = $1 \
     UNION ALL SELECT 'restriction', CAST(id AS TEXT) FROM restrictions WHERE service_user_id = $1 \
     UNION ALL SELECT 'breach', CAST(id AS TEXT) FROM breaches WHERE service_user_id = $1 \
     UNION ALL SELECT 'dispute', CAST(id AS TEXT) FROM disputes WHERE service_user_id = $1 \
     UNION ALL SELECT 'review', CAST(id AS TEXT) FROM reviews WHERE service_user_id = $1 \
     UNION ALL SELECT 'review_continuation', CAST(id AS TEXT) FROM review_continuations WHERE service_user_id = $1 \
     UNION ALL SELECT 'letter', CAST(id AS TEXT) FROM letters WHERE service_user_id = $1 \
     UNION ALL SELECT 'correction_note', CAST(id AS TEXT) FROM correction_notes WHERE service_user_id = $1 \
     UNION ALL SELECT 'legal_hold', CAST(id AS TEXT) FROM legal_holds WHERE service_user_id = $1) ";

const PERSON: Spec = Spec {
    key: "person",
    with_subjects: false,
    from: "FROM service_users t WHERE t.id = $1",
    order: "t.id",
    columns: &[
        ("id", Int),
        ("display_name", Text),
        ("preferred_format", Text),
        ("language", Text),
        ("communication_needs", Text),
        ("created_by", Text),
        ("created_at", Time),
        ("updated_at", Time),
        ("last_activity_at", Time),
        ("erased_at", Time),
        ("erased_by", Text),
    ],
};

const SECTIONS: &[Spec] = &[
    Spec {
        key: "identifiers",
        with_subjects: false,
        from: "FROM service_user_identifiers t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("value", Text),
            ("normalized", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "incidents",
        with_subjects: false,
        from: "FROM incidents t WHERE t.service_user_id = $1",
        order: "t.occurred_at, t.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("function_id", Int),
            ("category", Text),
            ("channel", Text),
            ("occurred_at", Time),
            ("description", Text),
            ("impact_staff_minutes", Int),
            ("impact_contacts", Int),
            ("impact_note", Text),
            ("police_report_required", Bool),
            ("threat_of_violence", Bool),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "incident_kinds",
        with_subjects: false,
        from: "FROM incident_kinds t JOIN incidents i ON i.id = t.incident_id WHERE i.service_user_id = $1",
        order: "t.incident_id, t.kind",
        columns: &[("incident_id", Int), ("kind", Text)],
    },
    Spec {
        key: "police_reports",
        with_subjects: false,
        from: "FROM police_reports t JOIN incidents i ON i.id = t.incident_id WHERE i.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("incident_id", Int),
            ("function_id", Int),
            ("reported_on", Date),
            ("police_reference", Text),
            ("not_reported_reason", Text),
            ("note", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "ended_calls",
        with_subjects: false,
        from: "FROM ended_calls t WHERE t.service_user_id = $1",
        order: "t.occurred_at, t.id",
        columns: &[
            ("id", Int),
            ("function_id", Int),
            ("outcome", Text),
            ("reason", Text),
            ("note", Text),
            ("occurred_at", Time),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "foi_refusals",
        with_subjects: false,
        from: "FROM foi_refusals t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("function_id", Int),
            ("reference", Text),
            ("refused_on", Date),
            ("ground", Text),
            ("note", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "warnings",
        with_subjects: false,
        from: "FROM warnings t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("function_id", Int),
            ("behaviour", Text),
            ("adapt_until", Date),
            ("status", Text),
            ("closed_by", Text),
            ("closed_at", Time),
            ("closed_note", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "warning_incidents",
        with_subjects: false,
        from: "FROM warning_incidents t WHERE t.service_user_id = $1",
        order: "t.warning_id, t.incident_id",
        columns: &[("warning_id", Int), ("incident_id", Int)],
    },
    Spec {
        key: "restriction_requests",
        with_subjects: false,
        from: "FROM restriction_requests t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("function_id", Int),
            ("status", Text),
            ("justification", Text),
            ("proportionality", Text),
            ("internal_review_exhausted", Bool),
            ("warning_id", Int),
            ("no_warning_reason", Text),
            ("ends_on", Date),
            ("first_review_on", Date),
            ("varies_restriction_id", Int),
            ("review_id", Int),
            ("dispute_id", Int),
            ("decided_by", Text),
            ("decided_at", Time),
            ("decision_reason", Text),
            ("decided_as_head", Bool),
            ("withdrawn_by", Text),
            ("withdrawn_at", Time),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "request_criteria",
        with_subjects: false,
        from: "FROM request_criteria t JOIN restriction_requests q ON q.id = t.request_id WHERE q.service_user_id = $1",
        order: "t.request_id, t.criterion",
        columns: &[
            ("request_id", Int),
            ("criterion", Text),
            ("ticked", Bool),
            ("ticked_by", Text),
            ("ticked_at", Time),
        ],
    },
    Spec {
        key: "request_measures",
        with_subjects: false,
        from: "FROM request_measures t JOIN restriction_requests q ON q.id = t.request_id WHERE q.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("request_id", Int),
            ("kind", Text),
            ("params", ColumnKind::Json),
        ],
    },
    Spec {
        key: "request_incidents",
        with_subjects: false,
        from: "FROM request_incidents t WHERE t.service_user_id = $1",
        order: "t.request_id, t.incident_id",
        columns: &[("request_id", Int), ("incident_id", Int)],
    },
    Spec {
        key: "approval_messages",
        with_subjects: false,
        from: "FROM approval_messages t JOIN restriction_requests q ON q.id = t.request_id WHERE q.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("request_id", Int),
            ("recipient_slack_user_id", Text),
            ("outbox_id", Int),
            ("slack_channel", Text),
            ("slack_ts", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "restrictions",
        with_subjects: false,
        from: "FROM restrictions t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("function_id", Int),
            ("request_id", Int),
            ("status", Text),
            ("starts_on", Date),
            ("ends_on", Date),
            ("next_review_on", Date),
            ("awaits_notice", Bool),
            ("at_once_for_staff_safety", Bool),
            ("ended_by", Text),
            ("ended_at", Time),
            ("end_reason", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "restriction_measures",
        with_subjects: false,
        from: "FROM restriction_measures t JOIN restrictions r ON r.id = t.restriction_id WHERE r.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("restriction_id", Int),
            ("kind", Text),
            ("params", ColumnKind::Json),
        ],
    },
    Spec {
        key: "breaches",
        with_subjects: false,
        from: "FROM breaches t WHERE t.service_user_id = $1",
        order: "t.occurred_at, t.id",
        columns: &[
            ("id", Int),
            ("restriction_id", Int),
            ("function_id", Int),
            ("channel", Text),
            ("occurred_at", Time),
            ("description", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "disputes",
        with_subjects: false,
        from: "FROM disputes t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("restriction_id", Int),
            ("function_id", Int),
            ("received_on", Date),
            ("summary", Text),
            ("complaint_reference", Text),
            ("handler_slack_user_id", Text),
            ("due_on", Date),
            ("status", Text),
            ("outcome", Text),
            ("outcome_reasons", Text),
            ("variation_reasons", Text),
            ("variation_proposed_by", Text),
            ("variation_proposed_at", Time),
            ("resolved_by", Text),
            ("resolved_at", Time),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "reviews",
        with_subjects: false,
        from: "FROM reviews t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("restriction_id", Int),
            ("function_id", Int),
            ("kind", Text),
            ("status", Text),
            ("outcome", Text),
            ("reasons", Text),
            ("next_review_on", Date),
            ("variation_reasons", Text),
            ("variation_proposed_by", Text),
            ("variation_proposed_at", Time),
            ("decided_by", Text),
            ("decided_at", Time),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "review_continuations",
        with_subjects: false,
        from: "FROM review_continuations t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("review_id", Int),
            ("function_id", Int),
            ("status", Text),
            ("reasons", Text),
            ("next_review_on", Date),
            ("proposed_by", Text),
            ("proposed_at", Time),
            ("checklist_complete", Bool),
            ("decided_by", Text),
            ("decided_at", Time),
            ("decided_as_head", Bool),
            ("rejection_reason", Text),
        ],
    },
    Spec {
        key: "review_continuation_messages",
        with_subjects: false,
        from: "FROM review_continuation_messages t JOIN review_continuations c ON c.id = t.continuation_id WHERE c.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("continuation_id", Int),
            ("recipient_slack_user_id", Text),
            ("outbox_id", Int),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "letters",
        with_subjects: false,
        from: "FROM letters t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("function_id", Int),
            ("warning_id", Int),
            ("restriction_id", Int),
            ("dispute_id", Int),
            ("review_id", Int),
            ("format", Text),
            ("language", Text),
            ("template", Text),
            ("body", Text),
            ("slack_file_id", Text),
            ("held_by", Text),
            ("sent_on", Date),
            ("sent_method", Text),
            ("sent_recorded_by", Text),
            ("sent_recorded_at", Time),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "correction_notes",
        with_subjects: false,
        from: "FROM correction_notes t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("function_id", Int),
            ("record_type", Text),
            ("record_id", Int),
            ("note", Text),
            ("created_by", Text),
            ("created_at", Time),
        ],
    },
    Spec {
        key: "legal_holds",
        with_subjects: false,
        from: "FROM legal_holds t WHERE t.service_user_id = $1",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("reason", Text),
            ("held_by", Text),
            ("held_at", Time),
            ("released_by", Text),
            ("released_at", Time),
        ],
    },
    Spec {
        key: "reminders",
        with_subjects: true,
        from: "FROM reminders t JOIN subjects s ON s.subject_type = t.subject_type AND s.subject_id = t.subject_id \
               LEFT JOIN outbox o ON o.id = t.outbox_id",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("subject_type", Text),
            ("subject_id", Text),
            ("occasion", Text),
            ("recipient_slack_user_id", Text),
            ("function_id", Int),
            ("outbox_id", Int),
            ("created_at", Time),
            ("o.status AS message_status", Text),
            ("o.sent_at AS message_sent_at", Time),
            ("o.payload AS message", ColumnKind::Json),
        ],
    },
    Spec {
        key: "audit_events",
        with_subjects: true,
        from: "FROM audit_events t JOIN subjects s ON s.subject_type = t.subject_type AND s.subject_id = t.subject_id",
        order: "t.id",
        columns: &[
            ("id", Int),
            ("occurred_at", Time),
            ("actor", Text),
            ("action", Text),
            ("subject_type", Text),
            ("subject_id", Text),
            ("function_id", Int),
            ("before", ColumnKind::Json),
            ("after", ColumnKind::Json),
        ],
    },
];

/// The output name of a column spec, and the expression that selects it.
fn column_sql(column: &str) -> (&str, String) {
    match column.split_once(" AS ") {
        Some((_, name)) => (name, column.to_owned()),
        None => (column, format!("t.{column}")),
    }
}

impl Spec {
    fn sql(&self) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|(c, _)| column_sql(c).1)
            .collect();
        format!(
            "{}SELECT {} {} ORDER BY {}",
            if self.with_subjects { SUBJECTS } else { "" },
            columns.join(", "),
            self.from,
            self.order
        )
    }

    async fn read(&self, pool: &Pool<Db>, person_id: i64) -> StoreResult<Section> {
        let rows = sqlx::query(&self.sql())
            .bind(person_id)
            .fetch_all(pool)
            .await?;
        let mut read = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut values = Map::new();
            for (column, kind) in self.columns {
                let name = column_sql(column).0;
                values.insert(name.to_owned(), column_value(row, name, *kind)?);
            }
            read.push(values);
        }
        Ok(Section {
            key: self.key,
            columns: self
                .columns
                .iter()
                .map(|(c, kind)| (column_sql(c).0, *kind))
                .collect(),
            rows: read,
        })
    }
}

/// One column's value as JSON: instants as RFC 3339 in UTC, dates as `YYYY-MM-DD`.
fn column_value(row: &<Db as sqlx::Database>::Row, name: &str, kind: ColumnKind) -> StoreResult<Value> {
    Ok(match kind {
        ColumnKind::Text => row.try_get::<Option<String>, _>(name)?.map_or(Value::Null, Value::String),
        // Some integer columns are INTEGER (32 bits) on PostgreSQL, BIGINT elsewhere.
        ColumnKind::Int => row
            .try_get::<Option<i64>, _>(name)
            .or_else(|_| row.try_get::<Option<i32>, _>(name).map(|v| v.map(i64::from)))?
            .map_or(Value::Null, Value::from),
        ColumnKind::Bool => row.try_get::<Option<bool>, _>(name)?.map_or(Value::Null, Value::Bool),
        ColumnKind::Time => row
            .try_get::<Option<DateTime<Utc>>, _>(name)?
            .map_or(Value::Null, |at| Value::String(at.to_rfc3339_opts(SecondsFormat::Secs, true))),
        ColumnKind::Date => row
            .try_get::<Option<NaiveDate>, _>(name)?
            .map_or(Value::Null, |day| Value::String(day.to_string())),
        ColumnKind::Json => row.try_get::<Option<Json<Value>>, _>(name)?.map_or(Value::Null, |j| j.0),
    })
}

/// The roles every member of staff in `staff` holds now, in words.
async fn roles_of_staff(pool: &Pool<Db>, staff: &BTreeSet<String>) -> StoreResult<BTreeMap<String, Vec<String>>> {
    let mut roles: BTreeMap<String, Vec<String>> = staff.iter().map(|s| (s.clone(), Vec::new())).collect();
    let in_functions = sqlx::query(
        "SELECT f.name AS function_name, r.slack_user_id, r.role FROM function_roles r \
         JOIN functions f ON f.id = r.function_id ORDER BY f.name, r.role",
    )
    .fetch_all(pool)
    .await?;
    for row in &in_functions {
        let user: String = row.try_get("slack_user_id")?;
        if let Some(held) = roles.get_mut(&user) {
            let (role, function): (String, String) = (row.try_get("role")?, row.try_get("function_name")?);
            held.push(format!("{role} of {function}"));
        }
    }
    for (table, label) in [("admins", "admin"), ("complaints_handlers", "complaints handler")] {
        let users: Vec<String> = sqlx::query_scalar(&format!("SELECT slack_user_id FROM {table}"))
            .fetch_all(pool)
            .await?;
        for user in users {
            if let Some(held) = roles.get_mut(&user) {
                held.push(label.to_owned());
            }
        }
    }
    Ok(roles)
}

#[async_trait]
impl SubjectAccessStore for ThisStore {
    async fn subject_access_file(&self, person_id: i64) -> StoreResult<Option<SubjectAccessFile>> {
        let person = PERSON.read(&self.pool, person_id).await?;
        if person.rows.is_empty() {
            return Ok(None);
        }
        let mut sections = Vec::with_capacity(SECTIONS.len());
        for spec in SECTIONS {
            sections.push(spec.read(&self.pool, person_id).await?);
        }
        let mut staff = BTreeSet::new();
        let mut function_ids = BTreeSet::new();
        for section in std::iter::once(&person).chain(&sections) {
            for row in &section.rows {
                for (column, value) in row {
                    match value {
                        Value::String(user) if names_staff(column) => {
                            staff.insert(user.clone());
                        }
                        Value::Number(id) if column == "function_id" => {
                            function_ids.extend(id.as_i64());
                        }
                        _ => {}
                    }
                }
            }
        }
        let all_functions = sqlx::query("SELECT id, name FROM functions").fetch_all(&self.pool).await?;
        let mut functions = BTreeMap::new();
        for row in &all_functions {
            let id: i64 = row.try_get("id")?;
            if function_ids.contains(&id) {
                functions.insert(id, row.try_get::<String, _>("name")?);
            }
        }
        let staff = roles_of_staff(&self.pool, &staff).await?;
        Ok(Some(SubjectAccessFile { person_id, person, sections, functions, staff }))
    }

    async fn record_export(
        &self,
        actor: &Actor,
        person_id: i64,
        via: &'static str,
        deliveries: &[NewOutboxMessage],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        insert_outbox(&mut tx, deliveries, now).await?;
        let entry = AuditEntry::new(actor, EXPORT_ACTION, "service_user", person_id)
            .after(serde_json::json!({ "format": ["json", "html"], "via": via }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
