// Compiled once per backend: `include!`d by `sqlite.rs` and `postgres.rs` inside a module
// that has `use super::*`, which brings in `Db`, `ThisStore`, `SKIP_LOCKED` and the
// shared helpers of `common.rs`. Placeholders are `$1`, `$2`, … which both SQLite and
// PostgreSQL accept, so one statement serves both.

#[async_trait]
impl AuditStore for ThisStore {
    async fn audit_events(&self, subject_type: &str, subject_id: &str) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, occurred_at, actor, action, subject_type, subject_id, function_id, before, after \
             FROM audit_events WHERE subject_type = $1 AND subject_id = $2 ORDER BY id",
        )
        .bind(subject_type)
        .bind(subject_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn all_audit_events(&self) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, occurred_at, actor, action, subject_type, subject_id, function_id, before, after \
             FROM audit_events ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn record_reading(&self, actor: &Actor, action: &'static str, person_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let entry = AuditEntry::new(actor, action, "service_user", person_id);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn functions_holding_records(&self, person_id: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT function_id FROM incidents WHERE service_user_id = $1 \
             UNION SELECT function_id FROM ended_calls WHERE service_user_id = $1 \
             UNION SELECT function_id FROM warnings WHERE service_user_id = $1 \
             UNION SELECT function_id FROM restriction_requests WHERE service_user_id = $1 \
             UNION SELECT function_id FROM restrictions WHERE service_user_id = $1 \
             UNION SELECT function_id FROM disputes WHERE service_user_id = $1 \
             UNION SELECT function_id FROM foi_refusals WHERE service_user_id = $1",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
