// Compiled once per backend: `include!`d by `sqlite.rs` and `postgres.rs` inside a module
// that has `use super::*`, which brings in `Db`, `ThisStore`, `SKIP_LOCKED` and the
// shared helpers of `common.rs`. Placeholders are `$1`, `$2`, … which both SQLite and
// PostgreSQL accept, so one statement serves both.

#[async_trait]
impl OutboxStore for ThisStore {
    async fn event_seen(&self, event_id: &str) -> StoreResult<bool> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM slack_events_seen WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn forget_event(&self, event_id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM slack_events_seen WHERE event_id = $1").bind(event_id).execute(&self.pool).await?;
        Ok(())
    }

    async fn first_sighting_of_event(&self, event_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO slack_events_seen (event_id, received_at) VALUES ($1, $2) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn enqueue(&self, messages: &[NewOutboxMessage], audit: Option<&AuditEntry>, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin_tx().await?;
        let stored = insert_outbox(&mut tx, messages, now).await?;
        if let (Some(entry), true) = (audit, stored > 0) {
            insert_audit(&mut tx, entry, now).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn claim_outbox(&self, worker: &str, now: DateTime<Utc>, claim_until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        let mut tx = self.begin_tx().await?;
        // A row still marked as claimed, whose claim lapsed, was being sent by a worker that
        // died: Slack may or may not have it. It is claimed "in doubt", so the sender looks
        // before sending it again.
        let due = format!(
            "SELECT id, claimed_by FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT $2 {SKIP_LOCKED}"
        );
        let due: Vec<(i64, Option<String>)> = sqlx::query_as(&due).bind(now).bind(limit).fetch_all(&mut *tx).await?;
        if due.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        // Claiming is not an attempt: only a failure for a passing reason counts (recorded
        // with its outcome), and a lapsed claim, whose sender died mid-send.
        let mut claim = sqlx::QueryBuilder::<Db>::new("UPDATE outbox SET claimed_by = ");
        claim.push_bind(worker).push(", claimed_until = ").push_bind(claim_until);
        claim.push(", first_attempted_at = COALESCE(first_attempted_at, ").push_bind(now);
        claim.push("), attempts = attempts + CASE WHEN claimed_by IS NULL THEN 0 ELSE 1 END WHERE id IN (");
        let mut ids = claim.separated(", ");
        for (id, _) in &due {
            ids.push_bind(*id);
        }
        claim.push(format!(") RETURNING {OUTBOX_COLUMNS}"));
        let rows = claim.build().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let mut claimed = rows.iter().map(outbox_from_row).collect::<StoreResult<Vec<_>>>()?;
        for message in &mut claimed {
            message.in_doubt = due.iter().any(|(id, by)| *id == message.id && by.is_some());
        }
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    async fn record_delivery(&self, id: i64, worker: &str, outcome: &DeliveryOutcome, now: DateTime<Utc>) -> StoreResult<bool> {
        let query = match outcome {
            // A file's bytes (a letter, a subject access export, a report) are not kept
            // once Slack has the file: the register holds what the file was made from, and
            // a second copy of a whole case file in the outbox would outlive its purpose.
            DeliveryOutcome::Sent { channel, ts } => sqlx::query(
                "UPDATE outbox SET status = 'sent', slack_channel = $3, slack_ts = $4, sent_at = $5, \
                 last_error = NULL, claimed_by = NULL, claimed_until = NULL, \
                 payload = CASE WHEN method = 'files.upload:dm' THEN '{}' ELSE payload END \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(channel.clone())
            .bind(ts.clone())
            .bind(now),
            DeliveryOutcome::Retry { next_attempt_at, error } => sqlx::query(
                "UPDATE outbox SET next_attempt_at = $3, last_error = $4, attempts = attempts + 1, \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(*next_attempt_at)
            .bind(error.clone()),
            DeliveryOutcome::Deferred { next_attempt_at, error } => sqlx::query(
                "UPDATE outbox SET next_attempt_at = $3, last_error = $4, \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(*next_attempt_at)
            .bind(error.clone()),
            DeliveryOutcome::Failed { error } => sqlx::query(
                "UPDATE outbox SET status = 'failed', last_error = $3, failed_at = $4, \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(worker)
            .bind(error.clone())
            .bind(now),
        };
        let updated = query.execute(&self.pool).await?.rows_affected();
        Ok(updated == 1)
    }

    async fn renew_outbox_claim(&self, id: i64, worker: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        let renewed = sqlx::query("UPDATE outbox SET claimed_until = $3 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'")
            .bind(id)
            .bind(worker)
            .bind(until)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(renewed == 1)
    }

    async fn release_outbox_claim(&self, id: i64, worker: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL \
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn outbox_messages(&self) -> StoreResult<Vec<OutboxMessage>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(outbox_from_row).collect()
    }

    async fn outbox_message(&self, id: i64) -> StoreResult<Option<OutboxMessage>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(outbox_from_row).transpose()
    }

    async fn next_outbox_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(
            // A row held by a live claim is not due until that claim lapses; without this
            // the sender would spin on empty claims while another worker holds the row.
            "SELECT CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at \
                    THEN claimed_until ELSE next_attempt_at END AS due \
             FROM outbox WHERE status = 'pending' ORDER BY due LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }
}
