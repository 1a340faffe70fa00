//! The scheduled retention review in Slack (R-DP-2): each admin's DM listing who is due
//! for erasure (references `SU-<id>`, last activity and what keeps the others: never a
//! name), and an admin's confirmation, which erases only the candidates of that run still
//! due when the button is clicked, once, and updates every admin's copy with what was done
//! and by whom.

use chrono::Duration;

use super::blocks::{actions, button, context, message, section};
use super::ctx::Ctx;
use super::ids::Action;
use super::outbound::SlackCall;
use super::send;
use crate::access::Authority;
use crate::domain::person::PersonRef;
use crate::domain::retention::Kept;
use crate::domain::{Actor, UserId};
use crate::retention::Review;
use crate::slack::error::ApiError;
use crate::store::retention::Confirmation;
use crate::store::{NewOutboxMessage, StoreError};

/// People listed per section, so each stays well within Slack's 3,000 characters.
const PER_SECTION: usize = 40;
/// Sections of people at most; the rest are counted (the run holds them all).
const MAX_SECTIONS: usize = 10;

/// `admin`'s copy of the dry run's DM, with the button that confirms it.
pub fn dry_run_dm(run_id: i64, review: &Review, admin: &UserId) -> NewOutboxMessage {
    let due = review.due.len();
    let mut blocks = vec![section(&format!(
        "*Retention review {run_id}*: {due} {} had no activity since before {} (retention period {}) and nothing keeps them. \
         Confirm to erase their personal data; records, categories and dates stay for governance.",
        if due == 1 { "person has" } else { "people have" },
        review.cutoff.date_naive(),
        review.period
    ))];
    let lines: Vec<String> = review
        .due
        .iter()
        .map(|f| {
            format!(
                "• {}: last activity {}",
                PersonRef(f.person_id),
                f.last_activity_at.date_naive()
            )
        })
        .collect();
    for chunk in lines.chunks(PER_SECTION).take(MAX_SECTIONS) {
        blocks.push(section(&chunk.join("\n")));
    }
    if lines.len() > PER_SECTION * MAX_SECTIONS {
        blocks.push(context(&format!(
            "… and {} more (`admin retention --dry-run` lists everyone).",
            lines.len() - PER_SECTION * MAX_SECTIONS
        )));
    }
    if !review.kept.is_empty() {
        let kept: Vec<String> = review
            .kept
            .iter()
            .take(PER_SECTION)
            .map(|(f, reasons)| {
                let reasons: Vec<String> = reasons.iter().map(Kept::to_string).collect();
                format!("• {}: {}", PersonRef(f.person_id), reasons.join("; "))
            })
            .collect();
        blocks.push(context(&format!(
            "Kept although past the period: {}",
            review.kept.len()
        )));
        blocks.push(section(&kept.join("\n")));
    }
    blocks.push(actions(vec![button(
        &format!("Erase {due}"),
        Action::ConfirmRetention.as_str(),
        run_id.to_string(),
    )]));
    let content = message(
        &format!("Retention review {run_id}: {due} due for erasure"),
        blocks,
    );
    send::dm(admin, content, format!("retention:{run_id}:dm:{admin}"))
}

/// An admin's click on "Erase": applies run `run_id` once, re-checking each candidate.
pub async fn confirm(ctx: &Ctx<'_>, run_id: i64) -> Result<String, ApiError> {
    let store = ctx.state.store.as_ref();
    if !Authority::load(store, &ctx.user).await?.is_admin() {
        return Err(ApiError::Refused(
            "Only an admin can confirm a retention review. Ask one of the bot's admins (`contact-policy-bot admin list-admins`)."
                .to_owned(),
        ));
    }
    let Some(run) = store.retention_run(run_id).await? else {
        return Ok("That retention review is not on record.".to_owned());
    };
    if !run.dry_run {
        return Ok("That retention run was not a review to confirm.".to_owned());
    }
    let already = |by: &str| {
        format!(
            "Retention review {run_id} was already confirmed by <@{by}>; nothing more was done."
        )
    };
    let mut tx = store.begin_write().await?;
    let confirmed = tx
        .confirm_retention_run(run_id, &ctx.user, run.inactive_days, ctx.now)
        .await;
    let applying = match confirmed {
        Ok(Confirmation::AlreadyConfirmed { by }) => return Ok(already(&by)),
        Ok(Confirmation::Confirmed { run_id }) => run_id,
        // Two admins clicked at once (on PostgreSQL the second waits on the first, then
        // meets its confirmation): theirs stands.
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let by = store
                .retention_run(run_id)
                .await?
                .and_then(|r| r.confirmed_by_run)
                .map(|c| c.confirmed_by)
                .unwrap_or_default();
            return Ok(already(&by));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    // Due at click time: the period the review used, counted back from now. The erasures
    // run after the click is answered (a long list would outlast Slack's 3 seconds, and a
    // handler cut off at the budget would stop half way); every admin's copy of the DM
    // says what was done once they are finished.
    let cutoff = ctx.now - Duration::days(run.inactive_days);
    let candidates: Vec<i64> = run.candidates.iter().map(|c| c.person_id).collect();
    let work = Apply {
        store: ctx.state.store.clone(),
        wake: ctx.state.outbox_wake.clone(),
        timezone: ctx.tz(),
        user: ctx.user.clone(),
        now: ctx.now,
        today: ctx.today(),
        review_id: run_id,
        run_id: applying,
        candidates,
        cutoff,
    };
    let count = work.candidates.len();
    tokio::spawn(async move {
        let review_id = work.review_id;
        if let Err(e) = work.run().await {
            tracing::error!(error = %e, review_id, "confirmed retention run did not finish; `admin retention --apply` erases whoever is still due");
        }
    });
    Ok(format!(
        "Retention review {run_id} confirmed: erasing up to {count} {}. Every admin's copy of the review will say what was done.",
        if count == 1 { "person" } else { "people" }
    ))
}

/// A confirmed run's erasures, done after the click was answered.
struct Apply {
    store: std::sync::Arc<dyn crate::store::Store>,
    wake: std::sync::Arc<tokio::sync::Notify>,
    timezone: chrono_tz::Tz,
    user: UserId,
    now: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
    review_id: i64,
    run_id: i64,
    candidates: Vec<i64>,
    cutoff: chrono::DateTime<chrono::Utc>,
}

impl Apply {
    async fn run(self) -> crate::store::StoreResult<()> {
        let store = self.store.as_ref();
        let run_id = self.review_id;
        let applied = crate::retention::apply_run(
            store,
            self.run_id,
            &self.candidates,
            self.cutoff,
            self.today,
            &Actor::user(&self.user),
            self.now,
        )
        .await?;
        let outcome = format!(
            "*Retention review {run_id}*: confirmed by <@{}> on {}. Erased {} of {}; {} no longer due and kept.",
            self.user,
            super::ctx::local_time(self.timezone, self.now),
            applied.erased.len(),
            self.candidates.len(),
            applied.skipped.len()
        );
        let mut lines: Vec<String> = applied
            .skipped
            .iter()
            .take(PER_SECTION)
            .map(|(id, kept)| {
                let reasons: Vec<String> = kept.iter().map(Kept::to_string).collect();
                format!("• {} kept: {}", PersonRef(*id), reasons.join("; "))
            })
            .collect();
        lines.insert(0, outcome);
        let content = message(
            &format!("Retention review {run_id}: erased {}", applied.erased.len()),
            vec![section(&lines.join("\n"))],
        );
        let updates: Vec<NewOutboxMessage> = store
            .retention_run_copies(run_id)
            .await?
            .into_iter()
            .filter_map(|outbox_id| {
                SlackCall::UpdateSent {
                    of_outbox_id: outbox_id,
                    content: content.clone(),
                }
                .into_outbox(format!("retention:{run_id}:applied:{outbox_id}"), None)
                .ok()
            })
            .collect();
        store.enqueue(&updates, None, self.now).await?;
        self.wake.notify_one();
        Ok(())
    }
}
