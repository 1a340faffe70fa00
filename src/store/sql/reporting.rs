// Compiled once per backend; see `common.rs`.

use chrono::NaiveDate;

use crate::domain::incident::{BehaviourKind, Category, Channel};
use crate::domain::measures::Measure;
use crate::domain::authority::{Manager, Reporter};
use crate::store::records::*;
use crate::store::write::ReportingWrites;

pub(super) async fn load_measures(pool: &Pool<Db>, restriction_id: i64) -> StoreResult<Vec<Measure>> {
    Ok(measures_of(pool, &[restriction_id]).await?.remove(&restriction_id).unwrap_or_default())
}

/// The measures of each of `restriction_ids`, in one query.
async fn measures_of(pool: &Pool<Db>, restriction_ids: &[i64]) -> StoreResult<std::collections::HashMap<i64, Vec<Measure>>> {
    let mut measures: std::collections::HashMap<i64, Vec<Measure>> = std::collections::HashMap::new();
    if restriction_ids.is_empty() {
        return Ok(measures);
    }
    let mut query = sqlx::QueryBuilder::<Db>::new("SELECT restriction_id, kind, params FROM restriction_measures WHERE restriction_id IN (");
    let mut list = query.separated(", ");
    for id in restriction_ids {
        list.push_bind(*id);
    }
    query.push(") ORDER BY restriction_id, id");
    for row in &query.build().fetch_all(pool).await? {
        let kind: String = row.try_get("kind")?;
        let params: Json<Value> = row.try_get("params")?;
        measures
            .entry(row.try_get("restriction_id")?)
            .or_default()
            .push(Measure::from_parts(&kind, &params.0).map_err(corrupt)?);
    }
    Ok(measures)
}

#[async_trait]
impl ReportingWrites for WriteHandle {
    async fn record_incident(&mut self, new: &NewIncident, reporter: &Reporter, now: DateTime<Utc>) -> StoreResult<Recorded> {
        let actor = &reporter.actor();
        same_function(reporter.function_id(), new.function_id, "that incident")?;
        let incident = &new.incident;
        let tx = &mut self.tx;
        let person_id = resolve_person(tx, &new.person, actor, now).await?;
        let reference = next_reference(tx, "INC").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (reference, service_user_id, function_id, category, channel, occurred_at, \
             description, impact_staff_minutes, impact_contacts, impact_note, police_report_required, threat_of_violence, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(&reference)
        .bind(person_id)
        .bind(new.function_id)
        .bind(incident.category().as_str())
        .bind(incident.channel().as_str())
        .bind(incident.occurred_at())
        .bind(incident.description())
        .bind(incident.impact_staff_minutes().map(|m| m as i32))
        .bind(incident.impact_contacts().map(|c| c as i32))
        .bind(incident.impact_note())
        .bind(incident.police_report_required())
        .bind(incident.threat_of_violence())
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for kind in incident.kinds() {
            sqlx::query("INSERT INTO incident_kinds (incident_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(kind.as_str())
                .execute(&mut **tx)
                .await?;
        }
        let kinds: Vec<&str> = incident.kinds().iter().map(|k| k.as_str()).collect();
        let entry = AuditEntry::new(actor, "incident_reported", "incident", id)
            .in_function(new.function_id)
            .after(serde_json::json!({
                "reference": reference, "service_user_id": person_id, "category": incident.category().as_str(),
                "kinds": kinds, "channel": incident.channel().as_str(), "police_report_required": incident.police_report_required(),
                "threat_of_violence": incident.threat_of_violence(),
            }));
        insert_audit(tx, &entry, now).await?;
        let recorded = Recorded { id, reference };
        Ok(recorded)
    }

    async fn record_police_report(&mut self, incident_id: i64, report: &PoliceReport, manager: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
        let actor = &manager.actor();
        let tx = &mut self.tx;
        let incident = sqlx::query("SELECT reference, function_id, service_user_id FROM incidents WHERE id = $1")
            .bind(incident_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("incident {incident_id}")))?;
        let reference: String = incident.try_get("reference")?;
        let function_id: i64 = incident.try_get("function_id")?;
        same_function(manager.function_id(), function_id, &format!("incident {reference}"))?;
        let person_id: i64 = incident.try_get("service_user_id")?;
        let (reported_on, police_reference, not_reported_reason, note) = match report {
            PoliceReport::Reported { on, police_reference, note } => (Some(*on), Some(police_reference.as_str()), None, note.as_str()),
            PoliceReport::NotReported { reason, note } => (None, None, Some(reason.as_str()), note.as_str()),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO police_reports (incident_id, function_id, reported_on, police_reference, not_reported_reason, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(incident_id)
        .bind(function_id)
        .bind(reported_on)
        .bind(police_reference)
        .bind(not_reported_reason)
        .bind(note)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("a police report for {reference}")))?;
        touch_person(tx, person_id, now).await?;
        let entry = AuditEntry::new(actor, "police_report_recorded", "incident", incident_id)
            .in_function(function_id)
            .after(serde_json::json!({ "police_report_id": id, "reported": reported_on.is_some() }));
        insert_audit(tx, &entry, now).await?;
        let recorded = Recorded { id, reference };
        Ok(recorded)
    }

    async fn record_ended_call(&mut self, call: &NewEndedCall, reporter: &Reporter, now: DateTime<Utc>) -> StoreResult<Recorded> {
        let actor = &reporter.actor();
        same_function(reporter.function_id(), call.function_id, "that call")?;
        let tx = &mut self.tx;
        let person_id = match &call.person {
            Some(choice) => Some(resolve_person(tx, choice, actor, now).await?),
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ended_calls (service_user_id, function_id, outcome, reason, note, occurred_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(person_id)
        .bind(call.function_id)
        .bind(call.outcome.as_str())
        .bind(call.reason.as_str())
        .bind(&call.note)
        .bind(call.occurred_at)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let entry = AuditEntry::new(actor, "call_ended_logged", "ended_call", id)
            .in_function(call.function_id)
            .after(serde_json::json!({ "service_user_id": person_id, "outcome": call.outcome.as_str(), "reason": call.reason.as_str() }));
        insert_audit(tx, &entry, now).await?;
        let recorded = Recorded { id, reference: format!("CALL-{id:05}") };
        Ok(recorded)
    }

    async fn record_breach(&mut self, breach: &NewBreach, reporter: &Reporter, now: DateTime<Utc>) -> StoreResult<Recorded> {
        let actor = &reporter.actor();
        let tx = &mut self.tx;
        let restriction = sqlx::query(concat!(
            "SELECT reference, service_user_id, function_id FROM restrictions WHERE id = $1 AND ",
            restriction_in_force!("", "$2")
        ))
            .bind(breach.restriction_id)
            .bind(breach.today)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("active restriction {}", breach.restriction_id)))?;
        let reference: String = restriction.try_get("reference")?;
        let person_id: i64 = restriction.try_get("service_user_id")?;
        let function_id: i64 = restriction.try_get("function_id")?;
        same_function(reporter.function_id(), function_id, &format!("restriction {reference}"))?;
        touch_person(tx, person_id, now).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO breaches (restriction_id, service_user_id, function_id, channel, occurred_at, description, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(breach.restriction_id)
        .bind(person_id)
        .bind(function_id)
        .bind(breach.channel.as_str())
        .bind(breach.occurred_at)
        .bind(&breach.description)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let entry = AuditEntry::new(actor, "breach_logged", "restriction", breach.restriction_id)
            .in_function(function_id)
            .after(serde_json::json!({ "breach_id": id, "channel": breach.channel.as_str() }));
        insert_audit(tx, &entry, now).await?;
        let recorded = Recorded { id, reference };
        Ok(recorded)
    }

    async fn record_foi_refusal(&mut self, refusal: &NewFoiRefusal, manager: &Manager, now: DateTime<Utc>) -> StoreResult<Recorded> {
        let actor = &manager.actor();
        same_function(manager.function_id(), refusal.function_id, "that FOI refusal")?;
        let tx = &mut self.tx;
        touch_person(tx, refusal.person_id, now).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO foi_refusals (service_user_id, function_id, reference, refused_on, ground, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(refusal.person_id)
        .bind(refusal.function_id)
        .bind(&refusal.reference)
        .bind(refusal.refused_on)
        .bind(refusal.ground.as_str())
        .bind(&refusal.note)
        .bind(actor.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let entry = AuditEntry::new(actor, "foi_refusal_recorded", "foi_refusal", id)
            .in_function(refusal.function_id)
            .after(serde_json::json!({ "service_user_id": refusal.person_id, "ground": refusal.ground.as_str() }));
        insert_audit(tx, &entry, now).await?;
        let recorded = Recorded { id, reference: refusal.reference.clone() };
        Ok(recorded)
    }
}

#[async_trait]
impl ReportingStore for ThisStore {

    async fn incident(&self, id: i64) -> StoreResult<Option<IncidentRecord>> {
        let row = sqlx::query(
            "SELECT i.id, i.reference, i.service_user_id, i.function_id, i.category, i.channel, i.occurred_at, \
             i.description, i.police_report_required, i.threat_of_violence, i.created_by, \
             (SELECT COUNT(*) FROM police_reports r WHERE r.incident_id = i.id) AS reports \
             FROM incidents i WHERE i.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM incident_kinds WHERE incident_id = $1 ORDER BY kind")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let category: String = row.try_get("category")?;
        let channel: String = row.try_get("channel")?;
        let reports: i64 = row.try_get("reports")?;
        Ok(Some(IncidentRecord {
            id,
            reference: row.try_get("reference")?,
            person_id: row.try_get("service_user_id")?,
            function_id: row.try_get("function_id")?,
            category: category.parse::<Category>().map_err(corrupt)?,
            kinds: kinds.iter().map(|k| k.parse::<BehaviourKind>().map_err(corrupt)).collect::<StoreResult<_>>()?,
            channel: channel.parse::<Channel>().map_err(corrupt)?,
            occurred_at: row.try_get("occurred_at")?,
            description: row.try_get("description")?,
            police_report_required: row.try_get("police_report_required")?,
            threat_of_violence: row.try_get("threat_of_violence")?,
            police_report_recorded: reports > 0,
            reported_by: row.try_get("created_by")?,
        }))
    }

    async fn count_ended_calls(&self, person_id: i64, since: DateTime<Utc>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM ended_calls WHERE service_user_id = $1 AND occurred_at >= $2")
            .bind(person_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn active_restrictions(&self, person_id: i64, today: NaiveDate) -> StoreResult<Vec<ActiveRestriction>> {
        restrictions_where(
            &self.pool,
            concat!(
                "SELECT r.id, r.reference, r.function_id, f.name AS function_name, r.starts_on, r.ends_on, r.next_review_on, r.awaits_notice, \
                 1 AS in_force FROM restrictions r JOIN functions f ON f.id = r.function_id \
                 WHERE r.service_user_id = $1 AND ",
                restriction_in_force!("r.", "$2"),
                " ORDER BY r.starts_on, r.id"
            ),
            person_id,
            today,
        )
        .await
        .map(|rows| rows.into_iter().map(|(_, r)| r).collect())
    }

    async fn restrictions_not_yet_in_force(&self, person_id: i64, today: NaiveDate) -> StoreResult<Vec<ActiveRestriction>> {
        restrictions_where(
            &self.pool,
            concat!(
                "SELECT r.id, r.reference, r.function_id, f.name AS function_name, r.starts_on, r.ends_on, r.next_review_on, r.awaits_notice, \
                 0 AS in_force FROM restrictions r JOIN functions f ON f.id = r.function_id \
                 WHERE r.service_user_id = $1 AND ",
                restriction_current!("r.", "$2"),
                " AND NOT ",
                restriction_in_force!("r.", "$2"),
                " ORDER BY r.starts_on, r.id"
            ),
            person_id,
            today,
        )
        .await
        .map(|rows| rows.into_iter().map(|(_, r)| r).collect())
    }

    async fn current_restrictions(&self, person_id: i64, today: NaiveDate) -> StoreResult<CurrentRestrictions> {
        let sql = concat!(
            "SELECT r.id, r.reference, r.function_id, f.name AS function_name, r.starts_on, r.ends_on, r.next_review_on, r.awaits_notice, \
             CASE WHEN ",
            restriction_in_force!("r.", "$2"),
            " THEN 1 ELSE 0 END AS in_force FROM restrictions r JOIN functions f ON f.id = r.function_id \
             WHERE r.service_user_id = $1 AND ",
            restriction_current!("r.", "$2"),
            " ORDER BY r.starts_on, r.id"
        );
        let mut current = CurrentRestrictions::default();
        for (in_force, restriction) in restrictions_where(&self.pool, sql, person_id, today).await? {
            if in_force {
                current.in_force.push(restriction);
            } else {
                current.not_yet.push(restriction);
            }
        }
        Ok(current)
    }

    async fn open_disputes(&self, person_id: i64) -> StoreResult<Vec<OpenDispute>> {
        let rows = sqlx::query(
            "SELECT d.id, d.reference, r.reference AS restriction_reference, d.received_on, d.due_on \
             FROM disputes d JOIN restrictions r ON r.id = d.restriction_id \
             WHERE d.service_user_id = $1 AND d.status = $2 ORDER BY d.due_on, d.id",
        )
        .bind(person_id)
        .bind(crate::domain::dispute::DisputeStatus::AwaitingResolution.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OpenDispute {
                    id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    restriction_reference: row.try_get("restriction_reference")?,
                    received_on: row.try_get("received_on")?,
                    due_on: row.try_get("due_on")?,
                })
            })
            .collect()
    }

    async fn history(&self, person_id: i64, today: NaiveDate) -> StoreResult<Vec<HistoryEntry>> {
        // Each part of the case file is one simple query; they are merged and sorted here,
        // which is plenty for one person's file and keeps the SQL the same on both backends.
        let mut entries = Vec::new();
        for (kind, sql) in HISTORY_QUERIES {
            // The parts that say where something stands today take today as `$2`.
            let query = sqlx::query(sql).bind(person_id);
            let query = if sql.contains("$2") { query.bind(today) } else { query };
            let rows = query.fetch_all(&self.pool).await?;
            for row in &rows {
                entries.push(HistoryEntry {
                    at: row.try_get("at")?,
                    kind,
                    reference: row.try_get("reference")?,
                    summary: row.try_get("summary")?,
                    by: row.try_get("by_user")?,
                    record_id: row.try_get("record_id")?,
                });
            }
        }
        entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.kind.cmp(b.kind)));
        Ok(entries)
    }

    async fn outstanding_police_reports(&self, user: &UserId) -> StoreResult<Vec<OutstandingPoliceReport>> {
        let rows = sqlx::query(
            "SELECT i.id, i.reference, p.display_name, f.name AS function_name, i.occurred_at \
             FROM incidents i JOIN service_users p ON p.id = i.service_user_id JOIN functions f ON f.id = i.function_id \
             WHERE i.police_report_required \
               AND NOT EXISTS (SELECT 1 FROM police_reports r WHERE r.incident_id = i.id) \
               AND i.function_id IN (SELECT function_id FROM function_roles \
                                     WHERE slack_user_id = $1 AND role IN ('manager', 'head', 'deputy')) \
             ORDER BY i.occurred_at, i.id",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutstandingPoliceReport {
                    incident_id: row.try_get("id")?,
                    reference: row.try_get("reference")?,
                    person_name: row.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
                    function_name: row.try_get("function_name")?,
                    occurred_at: row.try_get("occurred_at")?,
                })
            })
            .collect()
    }

    async fn report_recipients(&self, function_id: i64) -> StoreResult<Vec<UserId>> {
        let managers: Vec<String> = sqlx::query_scalar(
            "SELECT slack_user_id FROM function_roles WHERE function_id = $1 AND role = 'manager' ORDER BY slack_user_id",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?;
        let users = if managers.is_empty() {
            sqlx::query_scalar(
                "SELECT DISTINCT slack_user_id FROM function_roles WHERE function_id = $1 AND role IN ('head', 'deputy') ORDER BY slack_user_id",
            )
            .bind(function_id)
            .fetch_all(&self.pool)
            .await?
        } else {
            managers
        };
        Ok(users.into_iter().map(UserId::from_slack).collect())
    }
}

/// The parts of a case file: each query takes the person id as `$1` and yields
/// `at`, `record_id` (the row a correction note names, else NULL), `reference`, `summary`
/// and `by_user`.
const HISTORY_QUERIES: &[(&str, &str)] = &[
    ("incident", "SELECT occurred_at AS at, id AS record_id, reference, \
        category || ' via ' || channel \
        || CASE WHEN threat_of_violence THEN ', a threat of physical violence' WHEN NOT threat_of_violence THEN ', a threat not of physical violence' ELSE '' END \
        || CASE WHEN police_report_required THEN ' (police report required)' ELSE '' END || ': ' || description AS summary, \
        created_by AS by_user FROM incidents WHERE service_user_id = $1"),
    ("police_report", "SELECT r.created_at AS at, CAST(NULL AS BIGINT) AS record_id, i.reference, \
        CASE WHEN r.police_reference IS NOT NULL THEN 'Police report ' || r.police_reference || ' made on ' || r.reported_on \
             ELSE 'Not reported to the police: ' || r.not_reported_reason END AS summary, \
        r.created_by AS by_user FROM police_reports r JOIN incidents i ON i.id = r.incident_id WHERE i.service_user_id = $1"),
    ("call_ended", "SELECT occurred_at AS at, id AS record_id, NULL AS reference, \
        'Call ' || CASE WHEN outcome = 'ended' THEN 'ended' ELSE 'put on hold' END || ' (' || reason || '): ' || note AS summary, \
        created_by AS by_user FROM ended_calls WHERE service_user_id = $1"),
    ("warning", "SELECT created_at AS at, id AS record_id, reference, \
        'Warning (' || status || '), chance to adapt until ' || adapt_until AS summary, \
        created_by AS by_user FROM warnings WHERE service_user_id = $1"),
    ("request", "SELECT created_at AS at, CAST(NULL AS BIGINT) AS record_id, reference, \
        'Restriction requested (' || status || ')' AS summary, created_by AS by_user \
        FROM restriction_requests WHERE service_user_id = $1"),
    ("decision", "SELECT decided_at AS at, CAST(NULL AS BIGINT) AS record_id, reference, \
        'Request ' || status || COALESCE(': ' || decision_reason, '') AS summary, decided_by AS by_user \
        FROM restriction_requests WHERE service_user_id = $1 AND decided_at IS NOT NULL"),
    ("restriction", concat!("SELECT created_at AS at, CAST(NULL AS BIGINT) AS record_id, reference, \
        'Restriction ' || ", restriction_standing!("", "$2"), " || ' from ' || starts_on || COALESCE(' to ' || ends_on, '') || ', next review ' || next_review_on AS summary, \
        created_by AS by_user FROM restrictions WHERE service_user_id = $1")),
    ("breach", "SELECT b.occurred_at AS at, b.id AS record_id, r.reference, 'Breach via ' || b.channel || ': ' || b.description AS summary, \
        b.created_by AS by_user FROM breaches b JOIN restrictions r ON r.id = b.restriction_id WHERE b.service_user_id = $1"),
    ("dispute", "SELECT created_at AS at, CAST(NULL AS BIGINT) AS record_id, reference, \
        'Dispute received ' || received_on || ' (' || status || COALESCE(', ' || outcome, '') || '), due ' || due_on \
        || COALESCE(', complaint reference ' || complaint_reference, '') AS summary, \
        created_by AS by_user FROM disputes WHERE service_user_id = $1"),
    ("review", "SELECT created_at AS at, CAST(NULL AS BIGINT) AS record_id, reference, \
        'Review (' || kind || ', ' || status || COALESCE(', ' || outcome, '') \
        || CASE WHEN status = 'open' AND variation_proposed_at IS NOT NULL THEN ', vary: waits on the head''s decision on the variation' ELSE '' END || ')' AS summary, \
        created_by AS by_user FROM reviews WHERE service_user_id = $1"),
    ("foi_refusal", "SELECT created_at AS at, CAST(NULL AS BIGINT) AS record_id, reference, \
        'FOI request refused under section 14 (' || ground || ') on ' || refused_on AS summary, \
        created_by AS by_user FROM foi_refusals WHERE service_user_id = $1"),
];

/// The person's restrictions that `sql` selects (binding the person as `$1` and today as
/// `$2`), with their measures.
/// The restrictions `sql` selects (binding the person as `$1` and today as `$2`), each with
/// its measures, and whether it is in force (its `in_force` column, 1 or 0).
async fn restrictions_where(pool: &sqlx::Pool<Db>, sql: &'static str, person_id: i64, today: NaiveDate) -> StoreResult<Vec<(bool, ActiveRestriction)>> {
    let rows = sqlx::query(sql).bind(person_id).bind(today).fetch_all(pool).await?;
    let ids = rows.iter().map(|row| row.try_get("id")).collect::<Result<Vec<i64>, _>>()?;
    let mut measures = measures_of(pool, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let in_force = row.try_get::<i32, _>("in_force")? == 1;
        out.push((
            in_force,
            ActiveRestriction {
                id,
                reference: row.try_get("reference")?,
                person_id,
                function_id: row.try_get("function_id")?,
                function_name: row.try_get("function_name")?,
                starts_on: row.try_get("starts_on")?,
                ends_on: row.try_get("ends_on")?,
                next_review_on: row.try_get("next_review_on")?,
                awaits_notice: row.try_get("awaits_notice")?,
                measures: measures.remove(&id).unwrap_or_default(),
            },
        ));
    }
    Ok(out)
}
