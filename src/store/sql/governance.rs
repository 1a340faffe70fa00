// Compiled once per backend; see `common.rs`. The fairness and consistency report's reads
// (R-DP-5, `store::governance`): every statement groups and counts, and selects only
// function ids, codes the schema constrains, dates and counts — never a name, an
// identifier, free text or a record id.

use chrono::NaiveDate;

use crate::store::governance::*;

type Window = CountWindow;

/// `SELECT function_id, <one code>, COUNT(*)` over the instants of `window`.
async fn one_code(pool: &Pool<Db>, sql: &'static str, window: &Window) -> StoreResult<Vec<GroupCount>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(sql).bind(window.from).bind(window.to).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(function_id, code, count)| GroupCount { function_id, codes: vec![code], count }).collect())
}

#[async_trait]
impl GovernanceStore for ThisStore {
    async fn governance_counts(&self, query: &GovernanceQuery) -> StoreResult<GovernanceCounts> {
        let pool = &self.pool;
        let whole = &query.whole;
        let mut incidents = Vec::new();
        for (month, window) in &query.months {
            let rows: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT function_id, category, COUNT(*) FROM incidents \
                 WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY function_id, category",
            )
            .bind(window.from)
            .bind(window.to)
            .fetch_all(pool)
            .await?;
            incidents.extend(rows.into_iter().map(|(function_id, category, count)| MonthCount { month: *month, function_id, category, count }));
        }

        let kinds: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT i.function_id, i.category, k.kind, COUNT(*) FROM incidents i \
             JOIN incident_kinds k ON k.incident_id = i.id \
             WHERE i.occurred_at >= $1 AND i.occurred_at < $2 GROUP BY i.function_id, i.category, k.kind",
        )
        .bind(whole.from)
        .bind(whole.to)
        .fetch_all(pool)
        .await?;
        let incident_kinds = kinds
            .into_iter()
            .map(|(function_id, category, kind, count)| GroupCount { function_id, codes: vec![category, kind], count })
            .collect();

        let requests = one_code(
            pool,
            "SELECT function_id, status, COUNT(*) FROM restriction_requests \
             WHERE created_at >= $1 AND created_at < $2 GROUP BY function_id, status",
            whole,
        )
        .await?;

        let spans: Vec<(i64, DateTime<Utc>, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT function_id, created_at, decided_at, COUNT(*) FROM restriction_requests \
             WHERE decided_at IS NOT NULL AND decided_at >= $1 AND decided_at < $2 \
             GROUP BY function_id, created_at, decided_at",
        )
        .bind(whole.from)
        .bind(whole.to)
        .fetch_all(pool)
        .await?;
        let decisions = spans
            .into_iter()
            .map(|(function_id, requested_at, decided_at, count)| DecisionSpan { function_id, requested_at, decided_at, count })
            .collect();

        let measures = one_code(
            pool,
            "SELECT r.function_id, m.kind, COUNT(*) FROM restrictions r \
             JOIN restriction_measures m ON m.restriction_id = r.id \
             WHERE r.created_at >= $1 AND r.created_at < $2 GROUP BY r.function_id, m.kind",
            whole,
        )
        .await?;

        let dispute_rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT function_id, code, COUNT(*) FROM \
             (SELECT function_id, COALESCE(outcome, 'awaiting_resolution') AS code FROM disputes \
              WHERE received_on >= $1 AND received_on < $2) d GROUP BY function_id, code",
        )
        .bind(whole.from_date)
        .bind(whole.to_date)
        .fetch_all(pool)
        .await?;
        let disputes = dispute_rows
            .into_iter()
            .map(|(function_id, code, count)| GroupCount { function_id, codes: vec![code], count })
            .collect();

        let timings: Vec<(i64, String, DateTime<Utc>, NaiveDate, i64)> = sqlx::query_as(
            "SELECT function_id, kind, decided_at, due_on, COUNT(*) FROM \
             (SELECT v.function_id, v.kind, v.decided_at, \
                COALESCE((SELECT p.next_review_on FROM reviews p WHERE p.restriction_id = v.restriction_id \
                          AND p.outcome = 'continue' AND p.decided_at < v.decided_at \
                          ORDER BY p.decided_at DESC LIMIT 1), q.first_review_on) AS due_on \
              FROM reviews v JOIN restrictions r ON r.id = v.restriction_id \
              JOIN restriction_requests q ON q.id = r.request_id \
              WHERE v.status = 'decided' AND v.decided_at >= $1 AND v.decided_at < $2) t \
             GROUP BY function_id, kind, decided_at, due_on",
        )
        .bind(whole.from)
        .bind(whole.to)
        .fetch_all(pool)
        .await?;
        let reviews_decided = timings
            .into_iter()
            .map(|(function_id, kind, decided_at, due_on, count)| ReviewTiming { function_id, kind, decided_at, due_on, count })
            .collect();

        let overdue: Vec<(i64, i64)> = sqlx::query_as(concat!(
            "SELECT r.function_id, COUNT(*) FROM restrictions r WHERE ",
            restriction_current!("r.", "$3"),
            " AND r.next_review_on >= $1 AND r.next_review_on < $2 AND r.next_review_on < $3 GROUP BY r.function_id"
        ))
        .bind(whole.from_date)
        .bind(whole.to_date)
        .bind(query.today)
        .fetch_all(pool)
        .await?;
        let reviews_overdue = overdue
            .into_iter()
            .map(|(function_id, count)| GroupCount { function_id, codes: Vec::new(), count })
            .collect();

        let police_reports = one_code(
            pool,
            "SELECT function_id, code, COUNT(*) FROM \
             (SELECT i.function_id, CASE WHEN p.reported_on IS NOT NULL THEN 'made' \
                WHEN p.id IS NOT NULL THEN 'not_made' ELSE 'outstanding' END AS code \
              FROM incidents i LEFT JOIN police_reports p ON p.incident_id = i.id \
              WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND (i.police_report_required OR p.id IS NOT NULL)) t \
             GROUP BY function_id, code",
            whole,
        )
        .await?;

        let breaches = one_code(
            pool,
            "SELECT function_id, channel, COUNT(*) FROM breaches \
             WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY function_id, channel",
            whole,
        )
        .await?;

        let letter_rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT function_id, kind, format, language, COUNT(*) FROM letters \
             WHERE created_at >= $1 AND created_at < $2 GROUP BY function_id, kind, format, language",
        )
        .bind(whole.from)
        .bind(whole.to)
        .fetch_all(pool)
        .await?;
        let letters = letter_rows
            .into_iter()
            .map(|(function_id, kind, format, language, count)| GroupCount { function_id, codes: vec![kind, format, language], count })
            .collect();

        Ok(GovernanceCounts {
            incidents,
            incident_kinds,
            requests,
            decisions,
            measures,
            disputes,
            reviews_decided,
            reviews_overdue,
            police_reports,
            breaches,
            letters,
        })
    }

    async fn record_report_read(&self, audit: &AuditEntry, messages: &[NewOutboxMessage], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        insert_audit(&mut tx, audit, now).await?;
        insert_outbox(&mut tx, messages, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
