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

use crate::access;
use crate::clock::Clock;
use crate::config::ReminderConfig;
use crate::domain::calendar::{add_working_days, overdue_repeat, Repeat};
use crate::domain::UserId;
use crate::slack::ids::Action;
use crate::slack::messages::reminders::reminder_with;
use crate::slack::send;
use crate::store::schedule::{ApprovalCopy, DueQuery, NewReminder, ReminderKind};
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
    let mut plan = Plan {
        reminders: Vec::new(),
        functions: &functions,
        issued: &issued_before,
        already: 0,
        planned: std::collections::HashSet::new(),
    };

    let every = config.overdue_repeat_working_days;
    for review in &due.reviews {
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
    for ending in &due.ending {
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
    for dispute in &due.disputes {
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
    // Waiting approvals: a fresh copy to the head after the nudge interval, to the deputies
    // after twice it, never to the requester or proposer, and never to a deputy when the
    // head's rejection stands (finding 11). Who they are is the permission layer's answer.
    for request in &due.waiting_requests {
        let asked_on = request
            .requested_at
            .with_timezone(&state.timezone)
            .date_naive();
        let Some(stage) = approval_stage(asked_on, config.approval_nudge_working_days, today)
        else {
            continue;
        };
        let Some(function) = functions.get(&request.function_id) else {
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
            plan.approval_copy(state, kind, copy, &occasion, recipient, request.function_id)
                .await?;
        }
    }
    for proposal in &due.waiting_continuations {
        let proposed_on = proposal
            .proposed_at
            .with_timezone(&state.timezone)
            .date_naive();
        let Some(stage) = approval_stage(proposed_on, config.approval_nudge_working_days, today)
        else {
            continue;
        };
        let Some(function) = functions.get(&proposal.function_id) else {
            continue;
        };
        let head_only =
            access::head_rejected_at_review(store, proposal.review_id, proposal.function_id)
                .await?;
        let (head, deputies) = access::deciders_in(function, &proposal.proposer, head_only);
        let copy = ApprovalCopy::Continuation(proposal.continuation_id);
        let occasion = proposed_on.to_string();
        for (kind, recipient) in stage.recipients(head.as_ref(), &deputies) {
            plan.approval_copy(
                state,
                kind,
                copy,
                &occasion,
                recipient,
                proposal.function_id,
            )
            .await?;
        }
    }
    for warning in &due.lapsed_warnings {
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
    for report in &due.outstanding_reports {
        let outstanding_from = report
            .occurred_at
            .checked_add_signed(Duration::hours(config.police_report_after_hours))
            .unwrap_or(report.occurred_at)
            .with_timezone(&state.timezone)
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
    for letter in &due.unsent_letters {
        let mut text = format!(
            "*Letter not marked sent:* the {} letter for {} was drafted on {} and is not yet marked as sent.",
            letter.kind.replace('_', " "),
            letter.subject_reference,
            day(letter.created_at.with_timezone(&state.timezone).date_naive())
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

fn day(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// The first day something due on `d` is overdue.
fn day_after(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// The occasion of one reminder of an overdue series: the first keeps the item's own
/// occasion (as issued before reminders repeated), each repeat adds its number, so each
/// has its own exactly-once key.
fn repeat_occasion(base: &str, repeat: Repeat) -> String {
    match repeat.number {
        0 => base.to_owned(),
        n => format!("{base}:repeat{n}"),
    }
}

/// What a repeat adds to the reminder's text.
fn again(repeat: Repeat) -> String {
    match repeat.number {
        0 => String::new(),
        n => format!(" Still outstanding: reminder {} of this.", n + 1),
    }
}

struct Plan<'a> {
    reminders: Vec<NewReminder>,
    functions: &'a HashMap<i64, FunctionSummary>,
    issued: &'a std::collections::HashSet<String>,
    /// Keys planned in this sweep: the owner who is also the head is reminded once.
    planned: std::collections::HashSet<String>,
    /// Reminders due but issued by an earlier sweep.
    already: usize,
}

impl Plan<'_> {
    /// Who hears of anything overdue in a function (`access::escalation_of`).
    fn heads(&self, function_id: i64) -> Vec<UserId> {
        self.functions
            .get(&function_id)
            .map(access::escalation_of)
            .unwrap_or_default()
    }

    /// A reminder of something overdue: to `owners` and, each time, to the head of the
    /// function (or its deputies when it has no head), R-REM-2.
    #[allow(clippy::too_many_arguments)]
    fn overdue(
        &mut self,
        kind: ReminderKind,
        (subject_type, subject_id): (&'static str, i64),
        occasion: &str,
        owners: &[UserId],
        function_id: i64,
        text: &str,
        button: (&str, &str, String),
    ) {
        let heads = self.heads(function_id);
        for recipient in owners.iter().chain(&heads) {
            self.add(
                kind,
                subject_type,
                subject_id,
                occasion,
                recipient,
                function_id,
                text,
                button.clone(),
            );
        }
    }

    /// Who acts on a function's police reports (`access::managers_of`).
    fn managers(&self, function_id: i64) -> Vec<UserId> {
        self.functions
            .get(&function_id)
            .map(access::managers_of)
            .unwrap_or_default()
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        kind: ReminderKind,
        subject_type: &'static str,
        subject_id: i64,
        occasion: &str,
        recipient: &UserId,
        function_id: i64,
        text: &str,
        button: (&str, &str, String),
    ) {
        self.add_with(
            kind,
            subject_type,
            subject_id,
            occasion,
            recipient,
            function_id,
            text,
            &[button],
        );
    }

    /// As [`Plan::add`], with a button for each way to act on it.
    #[allow(clippy::too_many_arguments)]
    fn add_with(
        &mut self,
        kind: ReminderKind,
        subject_type: &'static str,
        subject_id: i64,
        occasion: &str,
        recipient: &UserId,
        function_id: i64,
        text: &str,
        buttons: &[(&str, &str, String)],
    ) {
        let key = NewReminder::key(kind, subject_type, subject_id, occasion, recipient);
        if !self.planned.insert(key.clone()) {
            return;
        }
        if self.issued.contains(&key) {
            self.already += 1;
            return;
        }
        let message = send::dm(recipient, reminder_with(text, buttons), key);
        self.reminders.push(NewReminder {
            kind,
            subject_type,
            subject_id,
            occasion: occasion.to_owned(),
            recipient: recipient.clone(),
            function_id,
            message,
            copy_of: None,
        });
    }

    /// A waiting request or proposal is re-sent to the head (then the deputies) as a fresh
    /// copy of its approval message, with its checklist and buttons; the decision updates
    /// it too.
    async fn approval_copy(
        &mut self,
        state: &SweepDeps,
        kind: ReminderKind,
        copy: ApprovalCopy,
        occasion: &str,
        recipient: &UserId,
        function_id: i64,
    ) -> StoreResult<()> {
        let (subject_type, subject_id) = match copy {
            ApprovalCopy::Request(id) => ("restriction_request", id),
            ApprovalCopy::Continuation(id) => ("review_continuation", id),
        };
        let key = NewReminder::key(kind, subject_type, subject_id, occasion, recipient);
        if !self.planned.insert(key.clone()) {
            return Ok(());
        }
        if self.issued.contains(&key) {
            self.already += 1;
            return Ok(());
        }
        let store = state.store.as_ref();
        let content = match copy {
            ApprovalCopy::Request(id) => {
                let today = state
                    .clock
                    .now()
                    .with_timezone(&state.timezone)
                    .date_naive();
                crate::slack::restricting::approval_reminder(store, state.timezone, today, id)
                    .await?
            }
            ApprovalCopy::Continuation(id) => {
                crate::slack::disputes::continuation_reminder(store, state.timezone, id).await?
            }
        };
        let Some(content) = content else {
            return Ok(());
        };
        self.reminders.push(NewReminder {
            kind,
            subject_type,
            subject_id,
            occasion: occasion.to_owned(),
            recipient: recipient.clone(),
            function_id,
            message: send::dm(recipient, content, key),
            copy_of: Some(copy),
        });
        Ok(())
    }
}

/// How far a waiting approval has got: nudged to the head after `nudge_days` working days,
/// escalated to the deputies after twice that (R-REM-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApprovalStage {
    Nudged,
    Escalated,
}

fn approval_stage(asked_on: NaiveDate, nudge_days: u32, today: NaiveDate) -> Option<ApprovalStage> {
    let nudge_on = add_working_days(asked_on, nudge_days);
    let escalate_on = add_working_days(nudge_on, nudge_days);
    if today >= escalate_on {
        Some(ApprovalStage::Escalated)
    } else if today >= nudge_on {
        Some(ApprovalStage::Nudged)
    } else {
        None
    }
}

impl ApprovalStage {
    /// Who receives a copy at this stage: the head from the nudge on, the deputies once
    /// escalated.
    fn recipients<'a>(
        self,
        head: Option<&'a UserId>,
        deputies: &'a [UserId],
    ) -> Vec<(ReminderKind, &'a UserId)> {
        let mut out: Vec<(ReminderKind, &UserId)> = head
            .map(|h| (ReminderKind::ApprovalWaiting, h))
            .into_iter()
            .collect();
        if self == ApprovalStage::Escalated {
            out.extend(
                deputies
                    .iter()
                    .map(|d| (ReminderKind::ApprovalEscalated, d)),
            );
        }
        out
    }
}
