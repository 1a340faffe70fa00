//! The plan one sweep builds: each reminder keyed once, skipped when an earlier sweep
//! issued it, addressed to whoever the permission layer says hears it (`access.rs`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::access;
use crate::domain::calendar::{add_working_days, Repeat};
use crate::domain::UserId;
use crate::slack::messages::reminders::reminder_with;
use crate::slack::send;
use crate::store::schedule::{ApprovalCopy, NewReminder, ReminderKind};
use crate::store::{FunctionSummary, Store, StoreResult};

pub(super) fn day(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// The first day something due on `d` is overdue.
pub(super) fn day_after(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// The occasion of one reminder of an overdue series: the first keeps the item's own
/// occasion (as issued before reminders repeated), each repeat adds its number, so each
/// has its own exactly-once key.
pub(super) fn repeat_occasion(base: &str, repeat: Repeat) -> String {
    match repeat.number {
        0 => base.to_owned(),
        n => format!("{base}:repeat{n}"),
    }
}

/// What a repeat adds to the reminder's text.
pub(super) fn again(repeat: Repeat) -> String {
    match repeat.number {
        0 => String::new(),
        n => format!(" Still outstanding: reminder {} of this.", n + 1),
    }
}

pub(super) struct Plan<'a> {
    /// Where fresh approval copies are read from, and the zone and day they are dated in.
    store: &'a dyn Store,
    zone: chrono_tz::Tz,
    today: NaiveDate,
    pub(super) reminders: Vec<NewReminder>,
    pub(super) functions: &'a HashMap<i64, FunctionSummary>,
    issued: &'a HashSet<String>,
    /// Keys planned in this sweep: the owner who is also the head is reminded once.
    planned: HashSet<String>,
    /// Reminders due but issued by an earlier sweep.
    pub(super) already: usize,
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        store: &'a dyn Store,
        zone: chrono_tz::Tz,
        today: NaiveDate,
        functions: &'a HashMap<i64, FunctionSummary>,
        issued: &'a HashSet<String>,
    ) -> Self {
        Self {
            store,
            zone,
            today,
            reminders: Vec::new(),
            functions,
            issued,
            planned: HashSet::new(),
            already: 0,
        }
    }

    /// Who hears of anything overdue in a function (`access::escalation_of`).
    pub(super) fn heads(&self, function_id: i64) -> Vec<UserId> {
        self.functions
            .get(&function_id)
            .map(access::escalation_of)
            .unwrap_or_default()
    }

    /// A reminder of something overdue: to `owners` and, each time, to the head of the
    /// function (or its deputies when it has no head), R-REM-2.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn overdue(
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
    pub(super) fn managers(&self, function_id: i64) -> Vec<UserId> {
        self.functions
            .get(&function_id)
            .map(access::managers_of)
            .unwrap_or_default()
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
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
    pub(super) fn add_with(
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
    pub(super) async fn approval_copy(
        &mut self,
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
        let content = match copy {
            ApprovalCopy::Request(id) => {
                crate::slack::restricting::approval_reminder(self.store, self.zone, self.today, id)
                    .await?
            }
            ApprovalCopy::Continuation(id) => {
                crate::slack::disputes::continuation_reminder(self.store, self.zone, id).await?
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
pub(super) enum ApprovalStage {
    Nudged,
    Escalated,
}

pub(super) fn approval_stage(
    asked_on: NaiveDate,
    nudge_days: u32,
    today: NaiveDate,
) -> Option<ApprovalStage> {
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
    pub(super) fn recipients<'r>(
        self,
        head: Option<&'r UserId>,
        deputies: &'r [UserId],
    ) -> Vec<(ReminderKind, &'r UserId)> {
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
