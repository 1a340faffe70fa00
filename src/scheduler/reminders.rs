//! The reminder sweep (R-REM-1, R-REM-2): what is due on a given day, who must hear about
//! it, and the message with a button to act. Each reminder is keyed by kind, item, due
//! occasion and recipient, and stored with its outbox row in one transaction, so however
//! often a sweep runs (a restart mid-sweep, a catch-up, two instances) each is sent once.
//! Overdue reviews, disputes and police reports keep coming: again every
//! `OVERDUE_REPEAT_WORKING_DAYS` working days (`domain::calendar::overdue_repeat`), each
//! repeat its own occasion, so its own exactly-once key.
//! Reminders name items by reference only: no personal data leaves in them.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;

use super::plan::{again, approval_stage, day, day_after, repeat_occasion, Plan};
use crate::access;
use crate::clock::Clock;
use crate::config::ReminderConfig;
use crate::domain::calendar::overdue_repeat;
use crate::slack::ids::Action;
use crate::store::schedule::{
    ApprovalCopy, DueDispute, DueQuery, DueReview, LapsedWarning, OutstandingReport, ReminderKind,
    UnsentLetter, WaitingContinuation, WaitingRequest,
};
use crate::store::{FunctionSummary, Store, StoreResult};

/// What a sweep works with, handed over explicitly by whoever builds the scheduler.
#[derive(Clone)]
pub struct SweepDeps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// The zone in which "today" and the dates in reminders are reckoned.
    pub timezone: Tz,
    /// Nudges the outbox sender once reminders are queued.
    pub outbox_wake: Arc<Notify>,
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub due: usize,
    pub issued: u64,
    pub restrictions_ended: u64,
}

/// Finds everything due on `today` and issues the reminders not yet issued.
pub async fn sweep(
    state: &SweepDeps,
    config: &ReminderConfig,
    now: DateTime<Utc>,
) -> StoreResult<SweepReport> {
    let store = state.store.as_ref();
    let today = now.with_timezone(&state.timezone).date_naive();
    let restrictions_ended = store.end_expired_restrictions(today, now).await?;
    let query = DueQuery {
        reviews_until: today + Duration::days(config.review_due_days),
        ending_until: today + Duration::days(config.ending_soon_days),
        today,
        requests_before: now,
        reports_before: now - Duration::hours(config.police_report_after_hours),
        letters_before: now - Duration::days(config.letter_unsent_days),
    };
    let started = std::time::Instant::now();
    let due = store.due_items(&query).await?;
    let query_ms = started.elapsed().as_millis() as u64;
    let functions: HashMap<i64, FunctionSummary> = store
        .list_functions()
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    // Reminders already issued are skipped up front: the unique keys still guard the
    // insert, this only spares a repeat sweep from building messages it will not send.
    let issued_before = store
        .issued_reminder_keys(&(today - Duration::days(800)).to_string())
        .await?;
    let mut plan = Plan::new(store, state.timezone, today, &functions, &issued_before);
    let every = config.overdue_repeat_working_days;
    reviews_due(&mut plan, &due.reviews, today, every);
    restrictions_ending(&mut plan, &due.ending);
    disputes_due(&mut plan, &due.disputes, today, every);
    waiting_requests(&mut plan, state, config, &due.waiting_requests, today).await?;
    waiting_continuations(&mut plan, state, config, &due.waiting_continuations, today).await?;
    lapsed_warnings(&mut plan, &due.lapsed_warnings);
    police_reports(
        &mut plan,
        config,
        &due.outstanding_reports,
        state.timezone,
        today,
        every,
    );
    unsent_letters(&mut plan, &due.unsent_letters, state.timezone);

    let due_count = plan.reminders.len() + plan.already;
    let plan_ms = started.elapsed().as_millis() as u64 - query_ms;
    let issued = store.record_reminders(&plan.reminders, now).await?;
    let write_ms = started.elapsed().as_millis() as u64 - query_ms - plan_ms;
    if issued > 0 {
        state.outbox_wake.notify_one();
    }
    tracing::info!(
        due = due_count,
        issued,
        restrictions_ended,
        query_ms,
        plan_ms,
        write_ms,
        "reminder sweep finished"
    );
    Ok(SweepReport {
        due: due_count,
        issued,
        restrictions_ended,
    })
}

/// Reviews coming due, and overdue ones again every `every` working days with the head
/// (R-REM-1, R-REM-2; finding 12).
fn reviews_due(plan: &mut Plan<'_>, due: &[DueReview], today: NaiveDate, every: u32) {
    for review in due {
        let button = (
            "Start review",
            Action::StartReview.as_str(),
            review.restriction_id.to_string(),
        );
        let occasion = review.next_review_on.to_string();
        if review.next_review_on >= today {
            let text = format!(
                "*Review due:* restriction {} is due for review by {}.",
                review.reference,
                day(review.next_review_on)
            );
            plan.add(
                ReminderKind::ReviewDue,
                "restriction",
                review.restriction_id,
                &occasion,
                &review.owner,
                review.function_id,
                &text,
                button,
            );
            continue;
        }
        let Some(repeat) = overdue_repeat(day_after(review.next_review_on), every, today) else {
            continue;
        };
        let text = format!("*Review overdue:* restriction {} was due for review on {}. §8 requires at least an annual review: start it now.{}", review.reference, day(review.next_review_on), again(repeat));
        // Overdue items escalate to the head of function (R-REM-2), at every repeat.
        plan.overdue(
            ReminderKind::ReviewOverdue,
            ("restriction", review.restriction_id),
            &repeat_occasion(&occasion, repeat),
            std::slice::from_ref(&review.owner),
            review.function_id,
            &text,
            button,
        );
    }
}

/// Restrictions ending soon: review them if contact still needs managing.
fn restrictions_ending(plan: &mut Plan<'_>, due: &[DueReview]) {
    for ending in due {
        let Some(ends_on) = ending.ends_on else {
            continue;
        };
        let text = format!(
            "*Restriction ending:* {} ends on {}. Review it now if contact still needs managing.",
            ending.reference,
            day(ends_on)
        );
        plan.add(
            ReminderKind::RestrictionEnding,
            "restriction",
            ending.restriction_id,
            &ends_on.to_string(),
            &ending.owner,
            ending.function_id,
            &text,
            (
                "Start review",
                Action::StartReview.as_str(),
                ending.restriction_id.to_string(),
            ),
        );
    }
}

/// Disputes due today, and overdue ones again with the head (§7).
fn disputes_due(plan: &mut Plan<'_>, due: &[DueDispute], today: NaiveDate, every: u32) {
    for dispute in due {
        let button = (
            "Resolve dispute",
            Action::ResolveDispute.as_str(),
            dispute.dispute_id.to_string(),
        );
        if dispute.due_on >= today {
            let text = format!(
                "*Dispute due today:* {} is awaiting resolution (§7).",
                dispute.reference
            );
            plan.add(
                ReminderKind::DisputeDue,
                "dispute",
                dispute.dispute_id,
                &dispute.due_on.to_string(),
                &dispute.handler,
                dispute.function_id,
                &text,
                button,
            );
            continue;
        }
        let Some(repeat) = overdue_repeat(day_after(dispute.due_on), every, today) else {
            continue;
        };
        let text = format!("*Dispute overdue:* {} was due to be resolved by {} and is still awaiting resolution (§7).{}", dispute.reference, day(dispute.due_on), again(repeat));
        // "Due" and "overdue" are separate occasions, so the handler hears of both.
        plan.overdue(
            ReminderKind::DisputeDue,
            ("dispute", dispute.dispute_id),
            &repeat_occasion(&format!("{}:overdue", dispute.due_on), repeat),
            std::slice::from_ref(&dispute.handler),
            dispute.function_id,
            &text,
            button,
        );
    }
}

async fn waiting_requests(
    plan: &mut Plan<'_>,
    state: &SweepDeps,
    config: &ReminderConfig,
    due: &[WaitingRequest],
    today: NaiveDate,
) -> StoreResult<()> {
    let store = state.store.as_ref();
    // Waiting approvals: a fresh copy to the head after the nudge interval, to the deputies
    // after twice it, never to the requester or proposer, and never to a deputy when the
    // head's rejection stands (finding 11). Who they are is the permission layer's answer.
    for request in due {
        let asked_on = request
            .requested_at
            .with_timezone(&state.timezone)
            .date_naive();
        let Some(stage) = approval_stage(asked_on, config.approval_nudge_working_days, today)
        else {
            continue;
        };
        let Some(function) = plan.functions.get(&request.function_id) else {
            continue;
        };
        let head_only = access::head_rejection_of(
            store,
            request.person_id,
            request.function_id,
            Some((request.request_id, request.requested_at)),
        )
        .await?
        .is_some();
        let (head, deputies) = access::deciders_in(function, &request.requester, head_only);
        let copy = ApprovalCopy::Request(request.request_id);
        let occasion = asked_on.to_string();
        for (kind, recipient) in stage.recipients(head.as_ref(), &deputies) {
            plan.approval_copy(kind, copy, &occasion, recipient, request.function_id)
                .await?;
        }
    }
    Ok(())
}

/// Proposals to continue at review waiting for authorisation, nudged like requests.
async fn waiting_continuations(
    plan: &mut Plan<'_>,
    state: &SweepDeps,
    config: &ReminderConfig,
    due: &[WaitingContinuation],
    today: NaiveDate,
) -> StoreResult<()> {
    let store = state.store.as_ref();
    for proposal in due {
        let proposed_on = proposal
            .proposed_at
            .with_timezone(&state.timezone)
            .date_naive();
        let Some(stage) = approval_stage(proposed_on, config.approval_nudge_working_days, today)
        else {
            continue;
        };
        let Some(function) = plan.functions.get(&proposal.function_id) else {
            continue;
        };
        let head_only =
            access::head_rejected_at_review(store, proposal.review_id, proposal.function_id)
                .await?;
        let (head, deputies) = access::deciders_in(function, &proposal.proposer, head_only);
        let copy = ApprovalCopy::Continuation(proposal.continuation_id);
        let occasion = proposed_on.to_string();
        for (kind, recipient) in stage.recipients(head.as_ref(), &deputies) {
            plan.approval_copy(kind, copy, &occasion, recipient, proposal.function_id)
                .await?;
        }
    }
    Ok(())
}

/// Warnings whose chance to adapt has run: the manager decides what next (§6).
fn lapsed_warnings(plan: &mut Plan<'_>, due: &[LapsedWarning]) {
    for warning in due {
        let text = format!(
            "*Adapt period passed:* the chance to adapt under warning {} ended on {}. Decide what happens next: no further action, or request a restriction.",
            warning.reference,
            day(warning.adapt_until)
        );
        plan.add_with(
            ReminderKind::AdaptPeriodPassed,
            "warning",
            warning.warning_id,
            &warning.adapt_until.to_string(),
            &warning.owner,
            warning.function_id,
            &text,
            &[
                (
                    "No further action: adapted",
                    Action::CloseWarning.as_str(),
                    warning.warning_id.to_string(),
                ),
                (
                    "Request restriction",
                    Action::RestrictPerson.as_str(),
                    warning.person_id.to_string(),
                ),
            ],
        );
    }
}

/// Police reports still required (§4), again every `every` working days with the head.
fn police_reports(
    plan: &mut Plan<'_>,
    config: &ReminderConfig,
    due: &[OutstandingReport],
    zone: Tz,
    today: NaiveDate,
    every: u32,
) {
    for report in due {
        let outstanding_from = report
            .occurred_at
            .checked_add_signed(Duration::hours(config.police_report_after_hours))
            .unwrap_or(report.occurred_at)
            .with_timezone(&zone)
            .date_naive();
        let Some(repeat) = overdue_repeat(outstanding_from, every, today) else {
            continue;
        };
        let text = format!("*Police report still required* for incident {} (physical violence used or threatened, §4). Record it once made.{}", report.reference, again(repeat));
        let occasion = report.occurred_at.date_naive().to_string();
        let managers = plan.managers(report.function_id);
        plan.overdue(
            ReminderKind::PoliceReportOutstanding,
            ("incident", report.incident_id),
            &repeat_occasion(&occasion, repeat),
            &managers,
            report.function_id,
            &text,
            (
                "Record police report",
                Action::RecordPoliceReport.as_str(),
                report.incident_id.to_string(),
            ),
        );
    }
}

/// Letters not marked sent, to the manager holding the draft (finding 12), saying when a
/// restriction waits on one (finding 15).
fn unsent_letters(plan: &mut Plan<'_>, due: &[UnsentLetter], zone: Tz) {
    for letter in due {
        let mut text = format!(
            "*Letter not marked sent:* the {} letter for {} was drafted on {} and is not yet marked as sent.",
            letter.kind.replace('_', " "),
            letter.subject_reference,
            day(letter.created_at.with_timezone(&zone).date_naive())
        );
        if letter.restriction_waits {
            text.push_str(&format!(
                " Restriction {} is approved but not yet in force: it waits on this letter, and takes effect once you mark it sent (§4, §6).",
                letter.subject_reference
            ));
        }
        plan.add(
            ReminderKind::LetterUnsent,
            "letter",
            letter.letter_id,
            &letter.created_at.date_naive().to_string(),
            &letter.owner,
            letter.function_id,
            &text,
            (
                "Mark as sent",
                Action::MarkLetterSent.as_str(),
                letter.letter_id.to_string(),
            ),
        );
    }
}
