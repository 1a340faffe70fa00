// Compiled once per backend; see `common.rs`.

use chrono::NaiveDate;

use crate::store::schedule::*;

fn user(row: &<Db as sqlx::Database>::Row, column: &str) -> StoreResult<UserId> {
    Ok(UserId::from_slack(row.try_get::<String, _>(column)?))
}

/// Ids among `ids` still pending in `table`, share-locking their rows (PostgreSQL; SQLite's
/// write transaction already excludes deciders).
async fn still_pending(tx: &mut Transaction<'static, Db>, table: &str, ids: &[i64]) -> StoreResult<std::collections::HashSet<i64>> {
    if ids.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let mut query = sqlx::QueryBuilder::<Db>::new(format!("SELECT id FROM {table} WHERE status = 'pending' AND id IN ("));
    let mut bound = query.separated(", ");
    for id in ids {
        bound.push_bind(*id);
    }
    query.push(format!(") {SHARE_LOCK}"));
    Ok(query.build_query_scalar::<i64>().fetch_all(&mut **tx).await?.into_iter().collect())
}

/// Drops fresh approval copies of requests and proposals decided meanwhile. Their rows are
/// share-locked, so a decision waits for this batch and then updates every copy it holds,
/// ours included.
async fn still_pending_copies<'r>(tx: &mut Transaction<'static, Db>, batch: &'r [NewReminder]) -> StoreResult<Vec<&'r NewReminder>> {
    let requests: Vec<i64> = batch.iter().filter_map(|r| match r.copy_of { Some(ApprovalCopy::Request(id)) => Some(id), _ => None }).collect();
    let proposals: Vec<i64> = batch.iter().filter_map(|r| match r.copy_of { Some(ApprovalCopy::Continuation(id)) => Some(id), _ => None }).collect();
    let pending_requests = still_pending(tx, "restriction_requests", &requests).await?;
    let pending_proposals = still_pending(tx, "review_continuations", &proposals).await?;
    Ok(batch
        .iter()
        .filter(|r| match r.copy_of {
            None => true,
            Some(ApprovalCopy::Request(id)) => pending_requests.contains(&id),
            Some(ApprovalCopy::Continuation(id)) => pending_proposals.contains(&id),
        })
        .collect())
}

#[async_trait]
impl ScheduleStore for ThisStore {
    async fn claim_run(&self, job: &str, scheduled_for: DateTime<Utc>, worker: &str, now: DateTime<Utc>, claim_until: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.begin_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO schedule_runs (job, scheduled_for, claimed_by, claimed_until, started_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (job, scheduled_for) DO NOTHING",
        )
        .bind(job)
        .bind(scheduled_for)
        .bind(worker)
        .bind(claim_until)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let claimed = if inserted == 1 {
            true
        } else {
            // A run whose claimant died mid-sweep is taken over once its claim lapsed; the
            // sweep is idempotent, so nothing it already sent is sent again.
            sqlx::query(
                "UPDATE schedule_runs SET claimed_by = $3, claimed_until = $4, started_at = $5 \
                 WHERE job = $1 AND scheduled_for = $2 AND finished_at IS NULL AND claimed_until < $5",
            )
            .bind(job)
            .bind(scheduled_for)
            .bind(worker)
            .bind(claim_until)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        };
        tx.commit().await?;
        Ok(claimed)
    }

    async fn finish_run(&self, job: &str, scheduled_for: DateTime<Utc>, worker: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE schedule_runs SET finished_at = $4 WHERE job = $1 AND scheduled_for = $2 AND claimed_by = $3")
            .bind(job)
            .bind(scheduled_for)
            .bind(worker)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn run_finished(&self, job: &str, scheduled_for: DateTime<Utc>) -> StoreResult<bool> {
        let found: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM schedule_runs WHERE job = $1 AND scheduled_for = $2 AND finished_at IS NOT NULL",
        )
        .bind(job)
        .bind(scheduled_for)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn end_expired_restrictions(&self, today: NaiveDate, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin_tx().await?;
        // What every reader already treats as ended (restriction_current!), recorded.
        let ended: Vec<(i64, i64)> = sqlx::query_as(concat!(
            "UPDATE restrictions SET status = 'ended', ended_by = 'system', ended_at = $2, end_reason = 'reached its end date' \
             WHERE status = 'active' AND NOT ", restriction_current!("", "$1"), " RETURNING id, function_id"),
        )
        .bind(today)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for (id, function_id) in &ended {
            let entry = AuditEntry::new(&Actor::system(), "restriction_ended", "restriction", id)
                .in_function(*function_id)
                .before(serde_json::json!({ "status": "active" }))
                .after(serde_json::json!({ "status": "ended", "reason": "end date reached" }));
            insert_audit(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        Ok(ended.len() as u64)
    }

    async fn due_items(&self, query: &DueQuery) -> StoreResult<DueItems> {
        let review_rows = sqlx::query(concat!(
            "SELECT r.id, r.reference, r.function_id, r.next_review_on, r.ends_on, COALESCE(r.review_owner, q.created_by) AS owner \
             FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id \
             WHERE r.next_review_on <= $1 AND ", restriction_current!("r.", "$2"), " ORDER BY r.next_review_on, r.id"
        ))
        .bind(query.reviews_until)
        .bind(query.today)
        .fetch_all(&self.pool)
        .await?;
        let ending_rows = sqlx::query(concat!(
            "SELECT r.id, r.reference, r.function_id, r.next_review_on, r.ends_on, COALESCE(r.review_owner, q.created_by) AS owner \
             FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id \
             WHERE ", restriction_current!("r.", "$1"), " AND r.ends_on IS NOT NULL AND r.ends_on <= $2 ORDER BY r.ends_on, r.id"
        ))
        .bind(query.today)
        .bind(query.ending_until)
        .fetch_all(&self.pool)
        .await?;
        let review = |row: &<Db as sqlx::Database>::Row| -> StoreResult<DueReview> {
            Ok(DueReview {
                restriction_id: row.try_get("id")?,
                reference: row.try_get("reference")?,
                function_id: row.try_get("function_id")?,
                next_review_on: row.try_get("next_review_on")?,
                ends_on: row.try_get("ends_on")?,
                owner: user(row, "owner")?,
            })
        };
        let disputes = sqlx::query(
            "SELECT id, reference, function_id, due_on, handler_slack_user_id FROM disputes \
             WHERE status = $2 AND due_on <= $1 ORDER BY due_on, id",
        )
        .bind(query.today)
        .bind(crate::domain::dispute::DisputeStatus::AwaitingResolution.as_str())
        .fetch_all(&self.pool)
        .await?;
        let requests = sqlx::query(
            "SELECT id, reference, service_user_id, function_id, created_at, created_by FROM restriction_requests \
             WHERE status = $2 AND created_at < $1 ORDER BY created_at, id",
        )
        .bind(query.requests_before)
        .bind(crate::domain::restriction::RequestStatus::Pending.as_str())
        .fetch_all(&self.pool)
        .await?;
        let proposals = sqlx::query(
            "SELECT id, review_id, function_id, proposed_at, proposed_by FROM review_continuations \
             WHERE status = $2 AND proposed_at < $1 ORDER BY proposed_at, id",
        )
        .bind(query.requests_before)
        .bind(crate::domain::review::ContinuationStatus::Pending.as_str())
        .fetch_all(&self.pool)
        .await?;
        let warnings = sqlx::query(
            "SELECT id, reference, function_id, service_user_id, adapt_until, created_by FROM warnings \
             WHERE status = $2 AND adapt_until < $1 ORDER BY adapt_until, id",
        )
        .bind(query.today)
        .bind(crate::domain::restriction::WarningStatus::Sent.as_str())
        .fetch_all(&self.pool)
        .await?;
        let reports = sqlx::query(
            "SELECT i.id, i.reference, i.function_id, i.occurred_at FROM incidents i \
             WHERE i.police_report_required AND i.occurred_at < $1 \
               AND NOT EXISTS (SELECT 1 FROM police_reports p WHERE p.incident_id = i.id) ORDER BY i.occurred_at, i.id",
        )
        .bind(query.reports_before)
        .fetch_all(&self.pool)
        .await?;
        let letters = sqlx::query(concat!(
            "SELECT l.id, l.kind, l.function_id, l.created_at, COALESCE(l.held_by, l.created_by) AS holder, \
             COALESCE(w.reference, r.reference, d.reference, v.reference, '') AS subject_reference, \
             (r.id IS NOT NULL AND r.awaits_notice AND ", restriction_current!("r.", "$2"), ") AS restriction_waits \
             FROM letters l LEFT JOIN warnings w ON w.id = l.warning_id LEFT JOIN restrictions r ON r.id = l.restriction_id \
             LEFT JOIN disputes d ON d.id = l.dispute_id LEFT JOIN reviews v ON v.id = l.review_id \
             WHERE l.sent_on IS NULL AND l.created_at < $1 ORDER BY l.created_at, l.id"
        ))
        .bind(query.letters_before)
        .bind(query.today)
        .fetch_all(&self.pool)
        .await?;
        Ok(DueItems {
            reviews: review_rows.iter().map(review).collect::<StoreResult<_>>()?,
            ending: ending_rows.iter().map(review).collect::<StoreResult<_>>()?,
            disputes: disputes
                .iter()
                .map(|row| {
                    Ok(DueDispute {
                        dispute_id: row.try_get("id")?,
                        reference: row.try_get("reference")?,
                        function_id: row.try_get("function_id")?,
                        due_on: row.try_get("due_on")?,
                        handler: user(row, "handler_slack_user_id")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            waiting_requests: requests
                .iter()
                .map(|row| {
                    Ok(WaitingRequest {
                        request_id: row.try_get("id")?,
                        reference: row.try_get("reference")?,
                        person_id: row.try_get("service_user_id")?,
                        function_id: row.try_get("function_id")?,
                        requested_at: row.try_get("created_at")?,
                        requester: user(row, "created_by")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            waiting_continuations: proposals
                .iter()
                .map(|row| {
                    Ok(WaitingContinuation {
                        continuation_id: row.try_get("id")?,
                        review_id: row.try_get("review_id")?,
                        function_id: row.try_get("function_id")?,
                        proposed_at: row.try_get("proposed_at")?,
                        proposer: user(row, "proposed_by")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            lapsed_warnings: warnings
                .iter()
                .map(|row| {
                    Ok(LapsedWarning {
                        warning_id: row.try_get("id")?,
                        reference: row.try_get("reference")?,
                        function_id: row.try_get("function_id")?,
                        person_id: row.try_get("service_user_id")?,
                        adapt_until: row.try_get("adapt_until")?,
                        owner: user(row, "created_by")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            outstanding_reports: reports
                .iter()
                .map(|row| {
                    Ok(OutstandingReport {
                        incident_id: row.try_get("id")?,
                        reference: row.try_get("reference")?,
                        function_id: row.try_get("function_id")?,
                        occurred_at: row.try_get("occurred_at")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            unsent_letters: letters
                .iter()
                .map(|row| {
                    Ok(UnsentLetter {
                        letter_id: row.try_get("id")?,
                        kind: row.try_get("kind")?,
                        function_id: row.try_get("function_id")?,
                        subject_reference: row.try_get("subject_reference")?,
                        created_at: row.try_get("created_at")?,
                        owner: user(row, "holder")?,
                        restriction_waits: row.try_get("restriction_waits")?,
                    })
                })
                .collect::<StoreResult<_>>()?,
        })
    }

    async fn record_reminders(&self, reminders: &[NewReminder], now: DateTime<Utc>) -> StoreResult<u64> {
        let mut issued = 0;
        // One transaction per batch, with multi-row statements: a crash loses the whole
        // batch, never half a reminder, and a large sweep stays a handful of round trips.
        for batch in reminders.chunks(2500) {
            let mut tx = self.begin_tx().await?;
            let batch = still_pending_copies(&mut tx, batch).await?;
            if batch.is_empty() {
                tx.commit().await?;
                continue;
            }
            let mut outbox = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO outbox (idempotency_key, method, payload, status, attempts, next_attempt_at, subject_type, subject_id, service_user_id, created_at) ",
            );
            outbox.push_values(&batch, |mut row, r| {
                row.push_bind(&r.message.idempotency_key)
                    .push_bind(&r.message.method)
                    .push_bind(Json(&r.message.payload))
                    .push_bind("pending")
                    .push_bind(0_i32)
                    .push_bind(now)
                    .push_bind(r.subject_type)
                    .push_bind(r.subject_id.to_string())
                    .push_bind(r.message.service_user_id)
                    .push_bind(now);
            });
            outbox.push(" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key");
            let inserted: Vec<(i64, String)> = outbox.build_query_as().fetch_all(&mut *tx).await?;
            if inserted.is_empty() {
                tx.commit().await?;
                continue;
            }
            let ids: std::collections::HashMap<&str, i64> = inserted.iter().map(|(id, key)| (key.as_str(), *id)).collect();
            // One reminder per inserted outbox row, even if a key was planned twice.
            let mut seen = std::collections::HashSet::new();
            let fresh: Vec<(&NewReminder, i64)> = batch
                .iter()
                .copied()
                .filter(|r| seen.insert(r.message.idempotency_key.as_str()))
                .filter_map(|r| ids.get(r.message.idempotency_key.as_str()).map(|id| (r, *id)))
                .collect();
            let mut rows = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO reminders (kind, subject_type, subject_id, occasion, recipient_slack_user_id, function_id, outbox_id, created_at) ",
            );
            rows.push_values(&fresh, |mut row, (r, outbox_id)| {
                row.push_bind(r.kind.as_str())
                    .push_bind(r.subject_type)
                    .push_bind(r.subject_id.to_string())
                    .push_bind(&r.occasion)
                    .push_bind(r.recipient.as_str())
                    .push_bind(r.function_id)
                    .push_bind(*outbox_id)
                    .push_bind(now);
            });
            rows.build().execute(&mut *tx).await?;
            let copies: Vec<(i64, &UserId, i64)> = fresh.iter().filter_map(|(r, outbox_id)| match r.copy_of { Some(ApprovalCopy::Request(id)) => Some((id, &r.recipient, *outbox_id)), _ => None }).collect();
            if !copies.is_empty() {
                let mut approval = sqlx::QueryBuilder::<Db>::new(
                    "INSERT INTO approval_messages (request_id, recipient_slack_user_id, outbox_id, created_at) ",
                );
                approval.push_values(&copies, |mut row, (request_id, recipient, outbox_id)| {
                    row.push_bind(*request_id).push_bind(recipient.as_str()).push_bind(*outbox_id).push_bind(now);
                });
                approval.build().execute(&mut *tx).await?;
            }
            let copies: Vec<(i64, &UserId, i64)> = fresh.iter().filter_map(|(r, outbox_id)| match r.copy_of { Some(ApprovalCopy::Continuation(id)) => Some((id, &r.recipient, *outbox_id)), _ => None }).collect();
            if !copies.is_empty() {
                let mut authorisation = sqlx::QueryBuilder::<Db>::new(
                    "INSERT INTO review_continuation_messages (continuation_id, recipient_slack_user_id, outbox_id, created_at) ",
                );
                authorisation.push_values(&copies, |mut row, (continuation_id, recipient, outbox_id)| {
                    row.push_bind(*continuation_id).push_bind(recipient.as_str()).push_bind(*outbox_id).push_bind(now);
                });
                authorisation.build().execute(&mut *tx).await?;
            }
            let mut audit = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, function_id, before, after) ",
            );
            audit.push_values(&fresh, |mut row, (r, _)| {
                let after = serde_json::json!({ "kind": r.kind.as_str(), "occasion": r.occasion, "recipient": r.recipient });
                row.push_bind(now)
                    .push_bind(Actor::system().as_str().to_owned())
                    .push_bind("reminder_sent")
                    .push_bind(r.subject_type)
                    .push_bind(r.subject_id.to_string())
                    .push_bind(r.function_id)
                    .push_bind(None::<Json<Value>>)
                    .push_bind(Some(Json(after)));
            });
            audit.build().execute(&mut *tx).await?;
            issued += fresh.len() as u64;
            tx.commit().await?;
        }
        Ok(issued)
    }

    async fn issued_reminder_keys(&self, occasions_from: &str) -> StoreResult<std::collections::HashSet<String>> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT kind, subject_type, subject_id, occasion, recipient_slack_user_id FROM reminders WHERE occasion >= $1",
        )
        .bind(occasions_from)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, subject_type, subject_id, occasion, recipient)| format!("reminder:{kind}:{subject_type}:{subject_id}:{occasion}:{recipient}"))
            .collect())
    }

    async fn home_items(&self, user: &UserId, today: NaiveDate, reviews_until: NaiveDate) -> StoreResult<HomeItems> {
        let me = user.as_str();
        let approvals: Vec<(i64, String, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT q.id, q.reference, q.created_at, COUNT(*) OVER () FROM restriction_requests q \
             WHERE q.status = 'pending' AND q.created_by <> $1 \
               AND EXISTS (SELECT 1 FROM approval_messages m WHERE m.request_id = q.id AND m.recipient_slack_user_id = $1) \
               AND q.function_id IN (SELECT function_id FROM function_roles WHERE slack_user_id = $1 AND role IN ('head', 'deputy')) \
             ORDER BY q.created_at LIMIT 25",
        )
        .bind(me)
        .bind(crate::domain::restriction::RequestStatus::Pending.as_str())
        .fetch_all(&self.pool)
        .await?;
        let continuations: Vec<(i64, String, String, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT c.id, v.reference, r.reference, c.proposed_at, COUNT(*) OVER () FROM review_continuations c \
             JOIN reviews v ON v.id = c.review_id JOIN restrictions r ON r.id = v.restriction_id \
             WHERE c.status = 'pending' AND c.proposed_by <> $1 \
               AND EXISTS (SELECT 1 FROM review_continuation_messages m WHERE m.continuation_id = c.id AND m.recipient_slack_user_id = $1) \
               AND c.function_id IN (SELECT function_id FROM function_roles WHERE slack_user_id = $1 AND role IN ('head', 'deputy')) \
             ORDER BY c.proposed_at LIMIT 25",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        let waiting: Vec<(String, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT reference, at, COUNT(*) OVER () FROM ( \
               SELECT q.reference AS reference, q.created_at AS at FROM restriction_requests q WHERE q.status = 'pending' AND q.created_by = $1 \
               UNION ALL \
               SELECT v.reference AS reference, c.proposed_at AS at FROM review_continuations c JOIN reviews v ON v.id = c.review_id \
                 WHERE c.status = 'pending' AND c.proposed_by = $1 \
             ) mine ORDER BY at LIMIT 25",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        // A review decided "vary" whose variation waits on the head stays due (§7).
        let reviews: Vec<(i64, String, NaiveDate, bool, i64)> = sqlx::query_as(concat!(
            "SELECT r.id, r.reference, r.next_review_on, EXISTS (SELECT 1 FROM reviews v JOIN restriction_requests p ON p.review_id = v.id \
               AND p.status = 'pending' WHERE v.restriction_id = r.id AND v.status = 'open' AND v.variation_proposed_at IS NOT NULL), \
             COUNT(*) OVER () FROM restrictions r JOIN restriction_requests q ON q.id = r.request_id \
             WHERE ", restriction_current!("r.", "$3"), " AND r.next_review_on <= $2 AND (COALESCE(r.review_owner, q.created_by) = $1 OR r.function_id IN \
               (SELECT function_id FROM function_roles WHERE slack_user_id = $1 AND role IN ('head', 'deputy'))) \
             ORDER BY r.next_review_on LIMIT 25"
        ))
        .bind(me)
        .bind(reviews_until)
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        let disputes: Vec<(i64, String, NaiveDate, i64)> = sqlx::query_as(
            "SELECT id, reference, due_on, COUNT(*) OVER () FROM disputes WHERE status = $2 AND handler_slack_user_id = $1 ORDER BY due_on LIMIT 25",
        )
        .bind(me)
        .bind(crate::domain::dispute::DisputeStatus::AwaitingResolution.as_str())
        .fetch_all(&self.pool)
        .await?;
        let reports: Vec<(i64, String, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT i.id, i.reference, i.occurred_at, COUNT(*) OVER () FROM incidents i WHERE i.police_report_required \
               AND NOT EXISTS (SELECT 1 FROM police_reports p WHERE p.incident_id = i.id) \
               AND i.function_id IN (SELECT function_id FROM function_roles WHERE slack_user_id = $1 AND role IN ('manager', 'head', 'deputy')) \
             ORDER BY i.occurred_at LIMIT 25",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        let letters: Vec<(i64, String, String, bool, i64)> = sqlx::query_as(concat!(
            "SELECT l.id, l.kind, COALESCE(w.reference, r.reference, d.reference, v.reference, ''), \
             (r.id IS NOT NULL AND r.awaits_notice AND ", restriction_current!("r.", "$2"), "), COUNT(*) OVER () FROM letters l \
             LEFT JOIN warnings w ON w.id = l.warning_id LEFT JOIN restrictions r ON r.id = l.restriction_id \
             LEFT JOIN disputes d ON d.id = l.dispute_id LEFT JOIN reviews v ON v.id = l.review_id \
             WHERE l.sent_on IS NULL AND COALESCE(l.held_by, l.created_by) = $1 ORDER BY l.created_at LIMIT 25"
        ))
        .bind(me)
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        let mine: Vec<(String, DateTime<Utc>, String, i64)> = sqlx::query_as(
            "SELECT reference, created_at, category, COUNT(*) OVER () FROM incidents WHERE created_by = $1 ORDER BY created_at DESC, id DESC LIMIT 10",
        )
        .bind(me)
        .fetch_all(&self.pool)
        .await?;
        Ok(HomeItems {
            approvals_waiting: listed(approvals, |(id, r, at, n)| ((id, r, at), n)),
            continuations_waiting: listed(continuations, |(id, v, r, at, n)| ((id, v, r, at), n)),
            waiting_on_head: listed(waiting, |(r, at, n)| ((r, at), n)),
            reviews_due: listed(reviews, |(id, r, on, varying, n)| ((id, r, on, varying), n)),
            disputes_to_resolve: listed(disputes, |(id, r, on, n)| ((id, r, on), n)),
            police_reports: listed(reports, |(id, r, at, n)| ((id, r, at), n)),
            letters_to_send: listed(letters, |(id, kind, r, waits, n)| ((id, kind, r, waits), n)),
            my_reports: listed(mine, |(r, at, category, n)| ((r, at, category), n)),
        })
    }
}

/// Rows that each carry `COUNT(*) OVER ()` (the count before LIMIT), as a `Listed`.
fn listed<R, T>(rows: Vec<R>, split: impl Fn(R) -> (T, i64)) -> crate::store::schedule::Listed<T> {
    let mut total = 0;
    let items = rows
        .into_iter()
        .map(|row| {
            let (item, count) = split(row);
            total = usize::try_from(count).unwrap_or(0);
            item
        })
        .collect();
    crate::store::schedule::Listed { items, total }
}
