//! Restricting contact (§4, §6, §8): the written warning that comes first (R-RES-1), a
//! manager's request to the head of function (R-RES-2), the §6 checklist the head must
//! tick in full before approving (R-RES-4), who may decide (R-RES-5), the request's state
//! machine (Pending → Approved | Rejected | Withdrawn), and the review dates of §8
//! (R-REV-1). Stored spellings are the schema's.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Days, Months, NaiveDate};

use super::authority::{Decider, Withdrawer};
use super::incident::UnknownValue;
use super::measures::Measure;
use super::roles::Role;
use super::UserId;

/// The longest reason for rejecting a request; the reject form accepts exactly this much.
pub const MAX_REASON_CHARS: usize = 2000;
/// The longest justification or proportionality statement.
pub const MAX_CASE_TEXT_CHARS: usize = 4000;
/// The longest description of unacceptable behaviour in a warning; the warn form accepts
/// exactly this much.
pub const MAX_BEHAVIOUR_CHARS: usize = 2000;
/// §8: "any limits put in place will be reviewed as a minimum annually".
const REVIEW_INTERVAL: Months = Months::new(12);
/// How long a warning gives someone to adapt, unless the manager chooses otherwise.
const DEFAULT_ADAPT_DAYS: Days = Days::new(28);
/// The longest chance to adapt a warning may give.
const MAX_ADAPT: Months = Months::new(6);

/// How dates are written for staff: "14 Oct 2026".
fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

fn unknown(what: &'static str, value: &str) -> UnknownValue {
    UnknownValue {
        what,
        value: value.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// The §6 checklist
// ---------------------------------------------------------------------------------------

/// The six things §6 says the head of function must be satisfied of "before any action is
/// taken", in the policy's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    MatterAddressed,
    DecisionRight,
    CommunicationAdequate,
    MisunderstandingsDispelled,
    AccessRequirementsConsidered,
    GatewayOrLegalAdvice,
}

impl Criterion {
    pub const ALL: [Criterion; 6] = [
        Criterion::MatterAddressed,
        Criterion::DecisionRight,
        Criterion::CommunicationAdequate,
        Criterion::MisunderstandingsDispelled,
        Criterion::AccessRequirementsConsidered,
        Criterion::GatewayOrLegalAdvice,
    ];

    /// The stored spelling (`request_criteria.criterion`).
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::MatterAddressed => "matter_addressed",
            Criterion::DecisionRight => "decision_right",
            Criterion::CommunicationAdequate => "communication_adequate",
            Criterion::MisunderstandingsDispelled => "misunderstandings_dispelled",
            Criterion::AccessRequirementsConsidered => "access_requirements_considered",
            Criterion::GatewayOrLegalAdvice => "gateway_or_legal_advice",
        }
    }

    /// The policy's wording in one line, shown in full in the approval message's body.
    pub fn label(self) -> &'static str {
        match self {
            Criterion::MatterAddressed => {
                "The matter is being, or has been, considered and addressed properly"
            }
            Criterion::DecisionRight => {
                "Any case-related decision reached as a result of an investigation is the right one"
            }
            Criterion::CommunicationAdequate => {
                "Communication has been adequate and they are not providing significant new information"
            }
            Criterion::MisunderstandingsDispelled => {
                "All efforts have been made to dispel misunderstandings and move towards a resolution"
            }
            Criterion::AccessRequirementsConsidered => {
                "Access requirements and solutions have been considered, so access is not denied"
            }
            Criterion::GatewayOrLegalAdvice => {
                "A gateway organisation (e.g. Citizens Advice) was considered, or legal advice urged"
            }
        }
    }

    /// The criterion in the policy's words, short enough for a checkbox (Slack shows at
    /// most 75 characters); the full wording is [`Criterion::label`].
    pub fn short_label(self) -> &'static str {
        match self {
            Criterion::MatterAddressed => {
                "The matter is being, or has been, considered and addressed properly"
            }
            Criterion::DecisionRight => {
                "Any case-related decision from an investigation is the right one"
            }
            Criterion::CommunicationAdequate => {
                "Communication has been adequate; no significant new information"
            }
            Criterion::MisunderstandingsDispelled => {
                "All efforts made to dispel misunderstandings and move to a resolution"
            }
            Criterion::AccessRequirementsConsidered => {
                "Access requirements and solutions considered, so access is not denied"
            }
            Criterion::GatewayOrLegalAdvice => {
                "A gateway organisation was considered, or legal advice urged"
            }
        }
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Criterion {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| unknown("criterion", s))
    }
}

/// Which of the six criteria the head of function has ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriteriaTicks(BTreeSet<Criterion>);

impl CriteriaTicks {
    /// From stored spellings or checkbox values; anything unknown is ignored, so a stale
    /// or tampered checkbox can never count as a tick.
    pub fn from_values<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self(
            values
                .into_iter()
                .filter_map(|v| v.as_ref().parse().ok())
                .collect(),
        )
    }

    pub fn is_ticked(&self, criterion: Criterion) -> bool {
        self.0.contains(&criterion)
    }

    pub fn all_ticked(&self) -> bool {
        Criterion::ALL.iter().all(|c| self.0.contains(c))
    }

    /// The criteria not yet ticked, in the policy's order.
    pub fn missing(&self) -> Vec<Criterion> {
        Criterion::ALL
            .into_iter()
            .filter(|c| !self.0.contains(c))
            .collect()
    }

    /// The ticked criteria, in the policy's order.
    pub fn ticked(&self) -> impl Iterator<Item = Criterion> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Criterion> for CriteriaTicks {
    fn from_iter<I: IntoIterator<Item = Criterion>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Approval was refused because some of the §6 criteria are not ticked (R-RES-4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct MissingCriteria(pub Vec<Criterion>);

impl MissingCriteria {
    fn message(&self) -> String {
        let labels: Vec<&str> = self.0.iter().map(|c| c.label()).collect();
        format!(
            "All six criteria of §6 must be ticked before approving. Not yet ticked: {}.",
            labels.join("; ")
        )
    }
}

/// Proof that every §6 criterion was ticked. Only [`check_approval`] makes one, and the
/// store's approval takes it, so "approved without six ticks" cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteChecklist(());

impl CompleteChecklist {
    /// The criteria ticked: all of them, in the policy's order.
    pub fn criteria(&self) -> [Criterion; 6] {
        Criterion::ALL
    }
}

/// R-RES-4: a head of function may approve only when every §6 criterion is ticked; the
/// proof of it is what an approval is recorded with.
pub fn check_approval(ticks: &CriteriaTicks) -> Result<CompleteChecklist, MissingCriteria> {
    let missing = ticks.missing();
    if missing.is_empty() {
        Ok(CompleteChecklist(()))
    } else {
        Err(MissingCriteria(missing))
    }
}

/// A rejection must say why (R-RES-4); the requester is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Give the reason for rejecting this request, in 2,000 characters or fewer; the manager who asked will see it.")]
pub struct EmptyReason;

/// The reason for rejecting, trimmed: 1 to 2,000 characters.
pub fn rejection_reason(raw: &str) -> Result<String, EmptyReason> {
    let reason = raw.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        Err(EmptyReason)
    } else {
        Ok(reason.to_owned())
    }
}

// ---------------------------------------------------------------------------------------
// The request's state machine and who may decide
// ---------------------------------------------------------------------------------------

/// Where a restriction request stands. Only a pending request can move; every other state
/// is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] = [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Rejected,
        RequestStatus::Withdrawn,
    ];

    /// The stored spelling (`restriction_requests.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| unknown("request status", s))
    }
}

/// What can happen to a pending request: the head (or deputy) approves or rejects it, or
/// the manager withdraws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestEvent {
    Approve,
    Reject,
    Withdraw,
}

impl RequestEvent {
    fn outcome(self) -> RequestStatus {
        match self {
            RequestEvent::Approve => RequestStatus::Approved,
            RequestEvent::Reject => RequestStatus::Rejected,
            RequestEvent::Withdraw => RequestStatus::Withdrawn,
        }
    }
}

/// A request that is no longer pending cannot be approved, rejected or withdrawn again
/// (R-RES-5: a second click or a stale message changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct IllegalTransition {
    pub from: RequestStatus,
    pub event: RequestEvent,
}

impl IllegalTransition {
    fn message(&self) -> &'static str {
        match self.from {
            RequestStatus::Approved => "This request was already approved.",
            RequestStatus::Rejected => "This request was already rejected.",
            RequestStatus::Withdrawn => "This request was already withdrawn.",
            RequestStatus::Pending => "This request is still pending.",
        }
    }
}

/// The request's state machine: Pending → Approved | Rejected | Withdrawn, nothing else.
pub fn transition(
    from: RequestStatus,
    event: RequestEvent,
) -> Result<RequestStatus, IllegalTransition> {
    match from {
        RequestStatus::Pending => Ok(event.outcome()),
        RequestStatus::Approved | RequestStatus::Rejected | RequestStatus::Withdrawn => {
            Err(IllegalTransition { from, event })
        }
    }
}

/// Why someone may not decide a request (R-RES-5).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefused {
    #[error("You made this request, so another head or deputy must decide it.")]
    IsRequester,
    #[error(
        "Only the head of this function or a deputy named by an admin can decide this request."
    )]
    NotHeadOrDeputy,
    #[error("The head of this function rejected this person's last request ({0}), so only the head can decide this one: a deputy cannot overturn the head's rejection.")]
    HeadRejectedBefore(String),
}

/// §6: a head's rejection stands. When the last decided request for the person in the
/// function was rejected by its head, the next one is for the head alone: deputies are
/// not asked and may not decide it. `rejected_by_head` is that rejection's reference.
pub fn head_reserved(
    decider_roles_in_function: &[Role],
    rejected_by_head: Option<&str>,
) -> Result<(), DecisionRefused> {
    match rejected_by_head {
        Some(reference) if !decider_roles_in_function.contains(&Role::Head) => {
            Err(DecisionRefused::HeadRejectedBefore(reference.to_owned()))
        }
        _ => Ok(()),
    }
}

/// R-RES-5, §6: only the head of the request's function or a deputy named by an admin may
/// decide, and never the manager who made the request, even when they are also the head.
/// `decider_roles_in_function` are the decider's roles in the request's function.
/// The [`Decider`] proof is made only here.
pub fn may_decide(
    decider: &UserId,
    requester: &UserId,
    function_id: i64,
    decider_roles_in_function: &[Role],
) -> Result<Decider, DecisionRefused> {
    if decider == requester {
        return Err(DecisionRefused::IsRequester);
    }
    if decider_roles_in_function
        .iter()
        .any(|r| r.may_decide_restrictions())
    {
        Ok(Decider::issue(decider, function_id))
    } else {
        Err(DecisionRefused::NotHeadOrDeputy)
    }
}

/// Why someone may not withdraw a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WithdrawRefused {
    #[error(
        "Only the manager who made this request, or the head of the function, can withdraw it."
    )]
    NeitherRequesterNorHead,
}

/// Who may withdraw a pending request (issue 9, finding 11): the manager who made it, or
/// the head of its function — not a deputy or another manager, so that withdrawing is
/// never a way round the head's decision. `roles_in_function` are the user's roles in
/// the request's function. The [`Withdrawer`] proof is made only here.
pub fn may_withdraw(
    user: &UserId,
    requester: &UserId,
    function_id: i64,
    roles_in_function: &[Role],
) -> Result<Withdrawer, WithdrawRefused> {
    if user == requester || roles_in_function.contains(&Role::Head) {
        Ok(Withdrawer::issue(user, function_id))
    } else {
        Err(WithdrawRefused::NeitherRequesterNorHead)
    }
}

/// The bot's own withdrawal of a pending variation that can no longer be approved: the
/// restriction it varies (`reference`, with its `status` and end date) has ended, been
/// lifted or been replaced (`variation_refused`). Issues the system's [`Withdrawer`]
/// with the reason, kept with the request; `None` while the restriction still stands,
/// so the bot can never withdraw a request that could still be decided.
pub fn system_withdraws_unapprovable(
    function_id: i64,
    reference: &str,
    status: RestrictionStatus,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<(Withdrawer, String)> {
    variation_refused(reference, status, ends_on, today)
        .map(|why| (Withdrawer::system(function_id), why))
}

/// A withdrawal must say why: the reason is kept with the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Give the reason for withdrawing this request, in 2,000 characters or fewer; it is kept with the request.")]
pub struct EmptyWithdrawReason;

/// The reason for withdrawing, trimmed: 1 to 2,000 characters.
pub fn withdraw_reason(raw: &str) -> Result<String, EmptyWithdrawReason> {
    rejection_reason(raw).map_err(|_| EmptyWithdrawReason)
}

// ---------------------------------------------------------------------------------------
// Review dates (§8)
// ---------------------------------------------------------------------------------------

/// The first review date offered for a restriction requested on `from`: twelve calendar
/// months later (29 Feb → 28 Feb), the most §8 allows.
pub fn default_first_review(from: NaiveDate) -> NaiveDate {
    twelve_months_after(from)
}

/// The latest review date §8 allows for a restriction approved or reviewed on `from`.
pub fn latest_review(from: NaiveDate) -> NaiveDate {
    twelve_months_after(from)
}

/// R-REV-1: after a review that continues a restriction, the next review is due at most
/// twelve months later.
pub fn next_review_after(reviewed_on: NaiveDate) -> NaiveDate {
    twelve_months_after(reviewed_on)
}

fn twelve_months_after(from: NaiveDate) -> NaiveDate {
    from.checked_add_months(REVIEW_INTERVAL)
        .unwrap_or(NaiveDate::MAX)
}

// ---------------------------------------------------------------------------------------
// A manager's request (R-RES-2)
// ---------------------------------------------------------------------------------------

/// Why a request goes ahead without a written warning first: §4 (violence) and §6
/// (harassment, aggression, staff safety) allow no prior warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoWarningReason {
    ViolenceUsedOrThreatened,
    HarassmentOrAggression,
    StaffSafety,
}

impl NoWarningReason {
    pub const ALL: [NoWarningReason; 3] = [
        NoWarningReason::ViolenceUsedOrThreatened,
        NoWarningReason::HarassmentOrAggression,
        NoWarningReason::StaffSafety,
    ];

    /// The stored spelling (`restriction_requests.no_warning_reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            NoWarningReason::ViolenceUsedOrThreatened => "violence_used_or_threatened",
            NoWarningReason::HarassmentOrAggression => "harassment_or_aggression",
            NoWarningReason::StaffSafety => "staff_safety",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoWarningReason::ViolenceUsedOrThreatened => {
                "Physical violence was used or threatened (§4)"
            }
            NoWarningReason::HarassmentOrAggression => {
                "The behaviour is harassment or aggressive (§6)"
            }
            NoWarningReason::StaffSafety => "It threatens staff safety and welfare (§6)",
        }
    }
}

impl NoWarningReason {
    /// Whether `incident` shows what this reason claims: violence used or threatened for
    /// the §4 reason; aggressive or abusive behaviour (§3) for harassment, aggression and
    /// staff safety (§6).
    pub fn supported_by(self, incident: &IncidentFacts) -> bool {
        match self {
            NoWarningReason::ViolenceUsedOrThreatened => incident.violence,
            NoWarningReason::HarassmentOrAggression | NoWarningReason::StaffSafety => {
                incident.aggressive
            }
        }
    }

    /// What an incident must show for this reason, in words for the manager.
    pub fn evidence(self) -> &'static str {
        match self {
            NoWarningReason::ViolenceUsedOrThreatened => "physical violence used or threatened",
            NoWarningReason::HarassmentOrAggression | NoWarningReason::StaffSafety => {
                "aggressive or abusive behaviour"
            }
        }
    }
}

impl fmt::Display for NoWarningReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NoWarningReason {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| unknown("no-warning reason", s))
    }
}

/// An incident as §4 and §6 weigh it when a request relies on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFacts {
    pub id: i64,
    pub reference: String,
    /// The day it happened, in the organisation's zone.
    pub occurred_on: NaiveDate,
    /// Aggressive or abusive behaviour (§3's first heading).
    pub aggressive: bool,
    /// Physical violence used or threatened (§4: always reported to the police).
    pub violence: bool,
}

/// A warning on file as a request relies on it (§6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningBasis {
    pub reference: String,
    /// The day its letter was sent.
    pub sent_on: NaiveDate,
    /// The end of the chance to adapt: the letter promised no decision before it.
    pub adapt_until: NaiveDate,
}

/// What a request stands on besides its incidents (§6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grounds {
    /// A warning on file: the behaviour must have continued after it was sent, and the
    /// head may decide only once the chance to adapt has run.
    Warning(WarningBasis),
    /// It varies a restriction in force, which stood on grounds of its own.
    Variation,
    /// No warning on file: a no-warning reason must be given, and be borne out by an
    /// incident the request relies on (§4, §6).
    Unwarned,
}

/// How long a sent warning stays on file for a request to rely on.
pub const WARNING_STANDS_MONTHS: u32 = 12;

/// Whether a warning counts as on file today (§6): its letter was sent within the last
/// [`WARNING_STANDS_MONTHS`] months, and it was neither closed as no further action
/// (the person adapted) nor withdrawn. A warning already relied on by a request
/// (`escalated`) still stands: if that request is rejected, the person was still warned.
pub fn warning_stands(status: WarningStatus, sent_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    let open = matches!(status, WarningStatus::Sent | WarningStatus::Escalated);
    let since = today
        .checked_sub_months(Months::new(WARNING_STANDS_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    open && sent_on.is_some_and(|sent| sent >= since && sent <= today)
}

/// A warning that is not open cannot be closed as no further action: it is only
/// drafted (its letter not yet marked sent), or already closed or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct WarningNotOpen {
    pub from: WarningStatus,
}

impl WarningNotOpen {
    fn message(&self) -> &'static str {
        match self.from {
            WarningStatus::Drafted => "This warning's letter has not been marked sent yet, so there is nothing to close.",
            WarningStatus::NoFurtherAction => "This warning was already closed as no further action, so there is nothing to close.",
            WarningStatus::Withdrawn => "This warning was withdrawn, so there is nothing to close.",
            WarningStatus::Sent | WarningStatus::Escalated => "This warning is open.",
        }
    }
}

/// Closing a warning as no further action, the person having adapted (§6): a sent
/// warning, or one a request relied on, closes; nothing else does.
pub fn close_warning(from: WarningStatus) -> Result<WarningStatus, WarningNotOpen> {
    match from {
        WarningStatus::Sent | WarningStatus::Escalated => Ok(WarningStatus::NoFurtherAction),
        WarningStatus::Drafted | WarningStatus::NoFurtherAction | WarningStatus::Withdrawn => {
            Err(WarningNotOpen { from })
        }
    }
}

/// Whether the head may decide a request today: not before the end of the chance to
/// adapt that the warning letter promised (§6). A request made without a warning, for a
/// reason §4 or §6 allows, or varying a restriction in force, may be decided at once.
pub fn decision_may_be_taken(
    warning: Option<&WarningBasis>,
    no_warning_reason: Option<NoWarningReason>,
    today: NaiveDate,
) -> Result<(), String> {
    match warning {
        Some(w) if no_warning_reason.is_none() && today < w.adapt_until => Err(format!(
            "The warning letter {} promised the person until {} to adapt their behaviour, so no decision can be taken before then (§6). Decide on or after {}.",
            w.reference,
            day(w.adapt_until),
            day(w.adapt_until)
        )),
        _ => Ok(()),
    }
}

/// Why a request cannot be approved on `today` as it stands because its first review
/// date, `first_review_on`, is today or has passed (issue 9, finding 14): the notice
/// letter would promise the person a review that is already due or over. The head
/// rejects it; the manager asks again with new dates.
pub fn first_review_passed(
    reference: &str,
    first_review_on: NaiveDate,
    today: NaiveDate,
) -> Option<String> {
    (first_review_on <= today).then(|| {
        let when = if first_review_on == today {
            "which is today"
        } else {
            "which has passed"
        };
        format!(
            "Request {reference} asks for a first review on {}, {when}, so the letter would promise a review that is already due and it cannot be approved as it stands. Reject it with that reason; the manager can ask again with new dates.",
            day(first_review_on)
        )
    })
}

/// Whether a letter drafted on `drafted_on` (the day, in the configured zone) can be
/// recorded as sent on `sent_on` (issue 9, finding 1): not in the future, and not before
/// it was drafted. A warning dated before it was written would make the incidents it was
/// about count as behaviour "since the warning" (§6). `Err` is the inline error.
pub fn letter_sent_on(
    sent_on: NaiveDate,
    drafted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), String> {
    if sent_on > today {
        return Err("This is in the future.".to_owned());
    }
    match drafted_on.filter(|drafted| sent_on < *drafted) {
        Some(drafted) => Err(format!(
            "This letter was drafted on {}, so it cannot have been sent before then. Choose {} or a later day.",
            day(drafted),
            day(drafted)
        )),
        None => Ok(()),
    }
}

/// Whether a request relying on the warning `reference` (in `status`, its letter sent on
/// `sent_on`) may still be approved on `today` (issue 9, finding 3): the warning must
/// still stand ([`warning_stands`]) unless the request carries a no-warning reason §4 or
/// §6 allows. A warning closed because the person adapted, withdrawn, never sent or sent
/// more than twelve months ago no longer carries it. `Err` says why, in plain words.
pub fn relied_on_warning_stands(
    reference: &str,
    status: WarningStatus,
    sent_on: Option<NaiveDate>,
    no_warning_reason: Option<NoWarningReason>,
    today: NaiveDate,
) -> Result<(), String> {
    if no_warning_reason.is_some() || warning_stands(status, sent_on, today) {
        return Ok(());
    }
    let why = match (status, sent_on) {
        (WarningStatus::NoFurtherAction, _) => {
            "was closed as no further action: the behaviour adapted".to_owned()
        }
        (WarningStatus::Withdrawn, _) => "was withdrawn".to_owned(),
        (_, Some(sent)) if sent <= today => format!(
            "was sent on {}, more than {WARNING_STANDS_MONTHS} months ago",
            day(sent)
        ),
        _ => "has not been marked sent".to_owned(),
    };
    Err(format!(
        "This request relies on warning {reference}, which {why}, so it no longer stands and cannot carry the request (§6). Reject it; if the behaviour starts again, warn again."
    ))
}

/// Why a variation of the restriction `reference` cannot be approved, if it cannot: a
/// variation replaces a restriction in force, and must not bring back one that has
/// ended, been lifted or been replaced already (§7, §8).
pub fn variation_refused(
    reference: &str,
    status: RestrictionStatus,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<String> {
    if restriction_current(status, ends_on, today) {
        return None;
    }
    let how = match (status, ends_on) {
        (RestrictionStatus::Lifted, _) => "was lifted".to_owned(),
        (RestrictionStatus::Superseded, _) => "was replaced by another variation".to_owned(),
        (_, Some(ends)) => format!("ended on {}", day(ends)),
        _ => "has ended".to_owned(),
    };
    Some(format!(
        "Restriction {reference} {how}, so a variation cannot bring it back. If contact needs restricting again, make a new request."
    ))
}

/// The incidents among `incidents` that happened after the warning was sent: the
/// behaviour that "continues" (§6).
pub fn incidents_since<'a>(
    warning: &WarningBasis,
    incidents: &'a [IncidentFacts],
) -> Vec<&'a IncidentFacts> {
    incidents
        .iter()
        .filter(|i| i.occurred_on > warning.sent_on)
        .collect()
}

fn references(incidents: &[&IncidentFacts]) -> String {
    incidents
        .iter()
        .map(|i| format!("{} ({})", i.reference, day(i.occurred_on)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a manager submitted on the restriction request form (R-RES-2), before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDraft {
    /// The incidents the request relies on.
    pub incident_ids: Vec<i64>,
    pub measures: Vec<Measure>,
    /// Why restricting contact is justified.
    pub justification: String,
    /// Why these measures are proportionate to the behaviour (§6).
    pub proportionality: String,
    /// §6: whether all internal review mechanisms have been exhausted; None if unanswered.
    pub internal_review_exhausted: Option<bool>,
    /// When the restriction ends, if it is for a fixed time.
    pub ends_on: Option<NaiveDate>,
    /// None to take [`default_first_review`].
    pub first_review_on: Option<NaiveDate>,
    /// The warning on file, a variation, or neither.
    pub grounds: Grounds,
    pub no_warning_reason: Option<NoWarningReason>,
    /// The person's incidents, so the chosen ones can be weighed (and others suggested).
    pub incidents: Vec<IncidentFacts>,
}

/// A field of the request form, so the Slack layer can show each error beside its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestField {
    Incidents,
    Measures,
    Justification,
    Proportionality,
    InternalReview,
    EndsOn,
    FirstReviewOn,
    NoWarningReason,
}

impl RequestField {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestField::Incidents => "incidents",
            RequestField::Measures => "measures",
            RequestField::Justification => "justification",
            RequestField::Proportionality => "proportionality",
            RequestField::InternalReview => "internal_review",
            RequestField::EndsOn => "ends_on",
            RequestField::FirstReviewOn => "first_review_on",
            RequestField::NoWarningReason => "no_warning_reason",
        }
    }
}

/// One problem with a request, in words for the manager who made it. At most one per
/// field: several problems with the same field are joined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestFieldError {
    pub field: RequestField,
    pub message: String,
}

impl RequestFieldError {
    fn new(field: RequestField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The message when a request has no warning on file and gives no reason (R-RES-1).
pub const NO_WARNING_MESSAGE: &str = "No warning is on file: the policy requires a written warning first (§6), unless there was violence or harassment (§4). Give the reason, or warn them first with /contact warn.";

impl RequestDraft {
    /// Checks the request and returns every problem at once. Text is trimmed, incident ids
    /// are sorted without repeats, and a missing first review date becomes the default.
    pub fn validate(self, today: NaiveDate) -> Result<ValidRequest, Vec<RequestFieldError>> {
        let mut errors = Vec::new();
        if self.incident_ids.is_empty() {
            errors.push(RequestFieldError::new(
                RequestField::Incidents,
                "Choose at least one incident the request relies on",
            ));
        }
        errors.extend(measure_error(&self.measures));
        errors.extend(case_text_error(
            RequestField::Justification,
            &self.justification,
            "Explain why contact needs to be restricted: the behaviour and its impact on the work of staff",
        ));
        errors.extend(case_text_error(
            RequestField::Proportionality,
            &self.proportionality,
            "Explain why these measures are appropriate and proportionate to the behaviour (§6)",
        ));
        if self.internal_review_exhausted.is_none() {
            errors.push(RequestFieldError::new(
                RequestField::InternalReview,
                "Say whether all internal review mechanisms have been exhausted (§6)",
            ));
        }
        if self.ends_on.is_some_and(|d| d <= today) {
            errors.push(RequestFieldError::new(
                RequestField::EndsOn,
                "The end date must be after today",
            ));
        }
        let first_review_on = self
            .first_review_on
            .unwrap_or_else(|| default_first_review(today));
        errors.extend(first_review_error(first_review_on, today));
        errors.extend(self.grounds_error());
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut incident_ids = self.incident_ids;
        incident_ids.sort_unstable();
        incident_ids.dedup();
        Ok(ValidRequest {
            incident_ids,
            measures: self.measures,
            justification: self.justification.trim().to_owned(),
            proportionality: self.proportionality.trim().to_owned(),
            internal_review_exhausted: self.internal_review_exhausted.unwrap_or(false),
            ends_on: self.ends_on,
            first_review_on,
            has_warning: self.grounds != Grounds::Unwarned,
            no_warning_reason: self.no_warning_reason,
        })
    }

    /// The request's grounds hold (§4, §6): after a warning, at least one chosen incident
    /// happened since it was sent; without one, a reason is given and a chosen incident
    /// shows it.
    fn grounds_error(&self) -> Option<RequestFieldError> {
        if self.grounds == Grounds::Unwarned && self.no_warning_reason.is_none() {
            return Some(RequestFieldError::new(
                RequestField::NoWarningReason,
                NO_WARNING_MESSAGE,
            ));
        }
        let chosen: Vec<IncidentFacts> = self
            .incidents
            .iter()
            .filter(|i| self.incident_ids.contains(&i.id))
            .cloned()
            .collect();
        if chosen.is_empty() {
            // Choosing an incident is asked for on its own.
            return None;
        }
        let others: Vec<&IncidentFacts> = self
            .incidents
            .iter()
            .filter(|i| !self.incident_ids.contains(&i.id))
            .collect();
        match (&self.grounds, self.no_warning_reason) {
            (Grounds::Variation, _) | (Grounds::Unwarned, None) => None,
            (_, Some(reason)) => {
                if chosen.iter().any(|i| reason.supported_by(i)) {
                    return None;
                }
                let would: Vec<&IncidentFacts> = others
                    .into_iter()
                    .filter(|i| reason.supported_by(i))
                    .collect();
                let message = if would.is_empty() {
                    format!(
                        "“{}” needs an incident showing {}, and none of this person's incidents does: warn them first (/contact warn, §6).",
                        reason.label(),
                        reason.evidence()
                    )
                } else {
                    format!(
                        "“{}” needs an incident showing {}: {} would support it; choose it among the incidents.",
                        reason.label(),
                        reason.evidence(),
                        references(&would)
                    )
                };
                Some(RequestFieldError::new(
                    RequestField::NoWarningReason,
                    message,
                ))
            }
            (Grounds::Warning(warning), None) => {
                if !incidents_since(warning, &chosen).is_empty() {
                    return None;
                }
                let later: Vec<&IncidentFacts> = others
                    .into_iter()
                    .filter(|i| i.occurred_on > warning.sent_on)
                    .collect();
                let message = if later.is_empty() {
                    format!(
                        "A restriction relies on behaviour that continued after the warning (§6), and no incident has been reported since warning {} was sent on {}. Report it first if it has continued.",
                        warning.reference,
                        day(warning.sent_on)
                    )
                } else {
                    format!(
                        "A restriction relies on behaviour that continued after warning {} was sent on {} (§6): choose {} as well.",
                        warning.reference,
                        day(warning.sent_on),
                        references(&later)
                    )
                };
                Some(RequestFieldError::new(RequestField::Incidents, message))
            }
        }
    }
}

/// At least one measure, and each one makes sense (R-RES-3).
fn measure_error(measures: &[Measure]) -> Option<RequestFieldError> {
    if measures.is_empty() {
        return Some(RequestFieldError::new(
            RequestField::Measures,
            "Choose at least one measure",
        ));
    }
    let problems: Vec<String> = measures
        .iter()
        .filter_map(|m| {
            m.validate()
                .err()
                .map(|e| format!("{}: {e}", m.kind().label()))
        })
        .collect();
    if problems.is_empty() {
        None
    } else {
        Some(RequestFieldError::new(
            RequestField::Measures,
            problems.join(". "),
        ))
    }
}

fn case_text_error(field: RequestField, text: &str, empty: &str) -> Option<RequestFieldError> {
    let text = text.trim();
    if text.is_empty() {
        Some(RequestFieldError::new(field, empty))
    } else if text.chars().count() > MAX_CASE_TEXT_CHARS {
        Some(RequestFieldError::new(
            field,
            "Keep this to 4,000 characters or fewer",
        ))
    } else {
        None
    }
}

/// §8: the first review is after today and no more than twelve months away.
fn first_review_error(first_review_on: NaiveDate, today: NaiveDate) -> Option<RequestFieldError> {
    let latest = latest_review(today);
    let message = if first_review_on <= today {
        "The first review must be after today".to_owned()
    } else if first_review_on > latest {
        format!(
            "§8: a restriction is reviewed at least annually: choose a date on or before {}",
            day(latest)
        )
    } else {
        return None;
    };
    Some(RequestFieldError::new(RequestField::FirstReviewOn, message))
}

/// A request that passed every check: what the store records and the head of function
/// is asked to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    incident_ids: Vec<i64>,
    measures: Vec<Measure>,
    justification: String,
    proportionality: String,
    internal_review_exhausted: bool,
    ends_on: Option<NaiveDate>,
    first_review_on: NaiveDate,
    has_warning: bool,
    no_warning_reason: Option<NoWarningReason>,
}

impl ValidRequest {
    /// At least one, sorted, no repeats.
    pub fn incident_ids(&self) -> &[i64] {
        &self.incident_ids
    }
    /// At least one, each valid.
    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }
    /// Trimmed, 1 to 4,000 characters.
    pub fn justification(&self) -> &str {
        &self.justification
    }
    /// Trimmed, 1 to 4,000 characters.
    pub fn proportionality(&self) -> &str {
        &self.proportionality
    }
    pub fn internal_review_exhausted(&self) -> bool {
        self.internal_review_exhausted
    }
    /// After the day of the request, if given.
    pub fn ends_on(&self) -> Option<NaiveDate> {
        self.ends_on
    }
    /// As chosen, or the default: after the day of the request, at most twelve months on.
    pub fn first_review_on(&self) -> NaiveDate {
        self.first_review_on
    }
    pub fn has_warning(&self) -> bool {
        self.has_warning
    }
    /// Always given when there is no warning on file; may also be given when there is.
    pub fn no_warning_reason(&self) -> Option<NoWarningReason> {
        self.no_warning_reason
    }
}

// ---------------------------------------------------------------------------------------
// Warnings (R-RES-1)
// ---------------------------------------------------------------------------------------

/// Where a written warning stands: drafted, sent, then closed as no further action (the
/// person adapted), escalated (a restriction request relies on it) or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningStatus {
    Drafted,
    Sent,
    NoFurtherAction,
    Escalated,
    Withdrawn,
}

impl WarningStatus {
    pub const ALL: [WarningStatus; 5] = [
        WarningStatus::Drafted,
        WarningStatus::Sent,
        WarningStatus::NoFurtherAction,
        WarningStatus::Escalated,
        WarningStatus::Withdrawn,
    ];

    /// The stored spelling (`warnings.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            WarningStatus::Drafted => "drafted",
            WarningStatus::Sent => "sent",
            WarningStatus::NoFurtherAction => "no_further_action",
            WarningStatus::Escalated => "escalated",
            WarningStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for WarningStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WarningStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| unknown("warning status", s))
    }
}

/// Where a restriction stands (`restrictions.status`): active until it is lifted (at a
/// review or a dispute), ends (its end date passed) or is superseded (by an approved
/// variation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RestrictionStatus {
    Active,
    Lifted,
    Ended,
    Superseded,
}

impl RestrictionStatus {
    pub const ALL: [RestrictionStatus; 4] = [
        RestrictionStatus::Active,
        RestrictionStatus::Lifted,
        RestrictionStatus::Ended,
        RestrictionStatus::Superseded,
    ];

    /// The stored spelling (`restrictions.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            RestrictionStatus::Active => "active",
            RestrictionStatus::Lifted => "lifted",
            RestrictionStatus::Ended => "ended",
            RestrictionStatus::Superseded => "superseded",
        }
    }

    /// Where the restriction stands on `today` (a Europe/London date): one still stored as
    /// active whose end date has passed has ended, from the day after its end date, whether
    /// or not the nightly sweep has recorded that yet. Every reader goes by this (the store
    /// by its SQL twin, `restriction_status_on!`), so `/contact check`, App Home, the case
    /// file and the forms agree.
    pub fn on(self, ends_on: Option<NaiveDate>, today: NaiveDate) -> RestrictionStatus {
        match self {
            RestrictionStatus::Active if ends_on.is_some_and(|end| end < today) => {
                RestrictionStatus::Ended
            }
            other => other,
        }
    }
}

impl fmt::Display for RestrictionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RestrictionStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| unknown("restriction status", s))
    }
}

/// Whether a restriction still stands on `today`: active and not past its end date (it
/// applies through its end date). The store's SQL twin is `restriction_current!`.
pub fn restriction_current(
    status: RestrictionStatus,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status.on(ends_on, today) == RestrictionStatus::Active
}

/// Where an approved restriction stands on `today` for the staff who meet the person
/// (§4, §6: the organisation "advises service users prior to putting any restrictions in
/// place"). The one rule; the store's SQL twins are `restriction_in_force!` and
/// `restriction_standing!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Approved, not yet in force: waiting for its notice letter to be marked sent.
    AwaitingNotice,
    /// Approved and the person told, not yet in force: it starts on this later date.
    Starts(NaiveDate),
    /// In force: staff follow its measures.
    InForce,
    /// Over: lifted, ended or superseded (an active one past its end date has ended).
    Over(RestrictionStatus),
}

impl Standing {
    /// Approved, still standing, but not in force yet: staff handle contact as normal.
    pub fn not_yet_in_force(self) -> bool {
        matches!(self, Standing::AwaitingNotice | Standing::Starts(_))
    }

    /// What staff are told about a restriction that is not in force yet.
    pub fn waiting_for(self) -> Option<String> {
        match self {
            Standing::AwaitingNotice => Some("waiting for the notice letter to be sent".to_owned()),
            Standing::Starts(on) => Some(format!("it starts on {}", day(on))),
            _ => None,
        }
    }
}

/// Where a restriction stands on `today`: over once lifted, ended or superseded (or past
/// its end date); not yet in force while `awaits_notice` (its notice letter is not marked
/// sent) or before `starts_on`; otherwise in force.
pub fn restriction_standing(
    status: RestrictionStatus,
    awaits_notice: bool,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Standing {
    if !restriction_current(status, ends_on, today) {
        return Standing::Over(status.on(ends_on, today));
    }
    if awaits_notice {
        Standing::AwaitingNotice
    } else if starts_on > today {
        Standing::Starts(starts_on)
    } else {
        Standing::InForce
    }
}

/// Whether a restriction is in force on `today`: it still stands, the person has been
/// told (or the head decided it applies at once for staff safety) and it has started.
/// Only a restriction in force is checked against, breached, disputed or reviewed.
pub fn restriction_in_force(
    status: RestrictionStatus,
    awaits_notice: bool,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    restriction_standing(status, awaits_notice, starts_on, ends_on, today) == Standing::InForce
}

/// Whether a variation may be asked for of the restriction `reference` on `today`: only of
/// one in force (issue 9, finding 15). One still waiting for its own letter, or for its
/// later start, has not bound the person yet; one that is over has nothing to vary.
/// `Err` says why, in plain words.
pub fn may_be_varied(
    reference: &str,
    status: RestrictionStatus,
    awaits_notice: bool,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), String> {
    match restriction_standing(status, awaits_notice, starts_on, ends_on, today) {
        Standing::InForce => Ok(()),
        Standing::AwaitingNotice => Err(format!(
            "Restriction {reference} is approved but not in force yet: it waits for its notice letter to be marked sent. Only a restriction in force can be varied, so ask again once its letter is sent."
        )),
        Standing::Starts(on) => Err(format!(
            "Restriction {reference} is not in force yet: it starts on {}. Only a restriction in force can be varied, so ask again from then.",
            day(on)
        )),
        Standing::Over(over) => Err(format!(
            "Restriction {reference} is no longer in force ({over}), so there is nothing to vary."
        )),
    }
}

/// How an approved restriction is to take effect, as the head decided at approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakesEffect {
    /// The day it starts, or the earliest day while it waits for its notice.
    pub starts_on: NaiveDate,
    /// Waits for its notice letter to be marked sent.
    pub awaits_notice: bool,
    /// The head recorded that it must apply at once for staff safety (§4, §6).
    pub at_once_for_staff_safety: bool,
}

/// When a restriction approved on `today` takes effect (§4, §6): once its notice letter
/// is sent, or on `not_before` if the head chose a later day; at once only if the head
/// records that staff safety requires it. A variation too waits for its letter (issue 9,
/// finding 15): its new measures bind the person only once they are told, and until then
/// the restriction it varies stays in force; it replaces that one on the day its letter is
/// sent, so it takes no later start. `Err` says what to change.
pub fn takes_effect(
    at_once_for_staff_safety: bool,
    not_before: Option<NaiveDate>,
    varies_a_restriction: bool,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<TakesEffect, String> {
    if let Some(start) = not_before {
        if start < today {
            return Err(format!(
                "The start date {} has passed. Choose today or a later day, or leave it empty to start when the notice letter is sent.",
                day(start)
            ));
        }
        if at_once_for_staff_safety && start > today {
            return Err(
                "Choose either \"apply at once for staff safety\" or a later start date, not both."
                    .to_owned(),
            );
        }
        if varies_a_restriction && start > today {
            return Err(
                "A variation replaces the restriction in force on the day its letter is sent, so it takes no later start: leave the start date empty."
                    .to_owned(),
            );
        }
        if let Some(ends) = ends_on.filter(|ends| start > *ends) {
            return Err(format!(
                "The start date {} is after the end date asked for, {}. Choose an earlier start.",
                day(start),
                day(ends)
            ));
        }
    }
    let starts_on = not_before.unwrap_or(today).max(today);
    Ok(TakesEffect {
        starts_on,
        awaits_notice: !at_once_for_staff_safety,
        at_once_for_staff_safety,
    })
}

/// The day a restriction waiting for its notice starts, once the letter was sent on
/// `sent_on`: the later of that day and the earliest start the head set (`starts_on`).
/// `None` when its end date would come first: it ended before the person was told, and
/// never takes effect. Its review date stays the one the notice letter promised: a
/// review may come sooner than twelve months after the start, never later than promised.
pub fn start_on_notice(
    sent_on: NaiveDate,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let start = sent_on.max(starts_on);
    if ends_on.is_some_and(|ends| ends < start) {
        return None;
    }
    Some(start)
}

/// The date offered for the end of the chance to adapt: four weeks from today.
pub fn default_adapt_until(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(DEFAULT_ADAPT_DAYS)
        .unwrap_or(NaiveDate::MAX)
}

/// What a manager submitted on the warning form (R-RES-1), before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningDraft {
    /// The incidents the warning is about.
    pub incident_ids: Vec<i64>,
    /// What was unacceptable, as the letter will put it.
    pub behaviour: String,
    /// The end of the chance to adapt (§6).
    pub adapt_until: Option<NaiveDate>,
}

/// A field of the warning form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningField {
    Incidents,
    Behaviour,
    AdaptUntil,
}

impl WarningField {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningField::Incidents => "incidents",
            WarningField::Behaviour => "behaviour",
            WarningField::AdaptUntil => "adapt_until",
        }
    }
}

/// One problem with a warning, in words for the manager.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WarningFieldError {
    pub field: WarningField,
    pub message: String,
}

impl WarningFieldError {
    fn new(field: WarningField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl WarningDraft {
    /// Checks the warning and returns every problem at once. The behaviour is trimmed and
    /// incident ids are sorted without repeats.
    pub fn validate(self, today: NaiveDate) -> Result<ValidWarning, Vec<WarningFieldError>> {
        let mut errors = Vec::new();
        if self.incident_ids.is_empty() {
            errors.push(WarningFieldError::new(
                WarningField::Incidents,
                "Choose at least one incident the warning is about",
            ));
        }
        let behaviour = self.behaviour.trim();
        if behaviour.is_empty() {
            errors.push(WarningFieldError::new(
                WarningField::Behaviour,
                "Say what behaviour was unacceptable; the letter tells them",
            ));
        } else if behaviour.chars().count() > MAX_BEHAVIOUR_CHARS {
            errors.push(WarningFieldError::new(
                WarningField::Behaviour,
                "Keep this to 2,000 characters or fewer",
            ));
        }
        errors.extend(adapt_until_error(self.adapt_until, today));
        match (errors.is_empty(), self.adapt_until) {
            (true, Some(adapt_until)) => {
                let mut incident_ids = self.incident_ids;
                incident_ids.sort_unstable();
                incident_ids.dedup();
                Ok(ValidWarning {
                    incident_ids,
                    behaviour: behaviour.to_owned(),
                    adapt_until,
                })
            }
            _ => Err(errors),
        }
    }
}

/// §6: "the opportunity to adapt their behaviour", ending after today and at most six
/// months ahead.
fn adapt_until_error(
    adapt_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<WarningFieldError> {
    let latest = today
        .checked_add_months(MAX_ADAPT)
        .unwrap_or(NaiveDate::MAX);
    let message = match adapt_until {
        None => "Give the date until which they have the chance to adapt their behaviour (§6)"
            .to_owned(),
        Some(d) if d <= today => "The chance to adapt must end after today".to_owned(),
        Some(d) if d > latest => format!(
            "Give at most six months to adapt: choose a date on or before {}",
            day(latest)
        ),
        Some(_) => return None,
    };
    Some(WarningFieldError::new(WarningField::AdaptUntil, message))
}

/// A warning that passed every check: what the store records and the letter is drafted
/// from (R-LET).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWarning {
    incident_ids: Vec<i64>,
    behaviour: String,
    adapt_until: NaiveDate,
}

impl ValidWarning {
    /// At least one, sorted, no repeats.
    pub fn incident_ids(&self) -> &[i64] {
        &self.incident_ids
    }
    /// Trimmed, 1 to 2,000 characters.
    pub fn behaviour(&self) -> &str {
        &self.behaviour
    }
    /// After the day of the warning, at most six months on.
    pub fn adapt_until(&self) -> NaiveDate {
        self.adapt_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::Category;
    use crate::domain::measures::{ContactMethod, ContactMode, ContactWindow};
    use chrono::{NaiveTime, Weekday};

    #[test]
    fn i9_core_only_an_open_warning_closes_as_no_further_action() {
        for from in WarningStatus::ALL {
            let closes = matches!(from, WarningStatus::Sent | WarningStatus::Escalated);
            match close_warning(from) {
                Ok(to) => {
                    assert!(closes, "{from} closed");
                    assert_eq!(to, WarningStatus::NoFurtherAction);
                }
                Err(refused) => {
                    assert!(!closes, "{from} refused");
                    assert!(
                        refused.to_string().contains("nothing to close"),
                        "{refused}"
                    );
                }
            }
        }
    }

    /// Issue 9 (core shape): the store reads every stored spelling back into the enum.
    #[test]
    fn i9_core_every_request_warning_and_restriction_status_round_trips_through_its_spelling() {
        for status in RequestStatus::ALL {
            assert_eq!(status.as_str().parse::<RequestStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        for status in WarningStatus::ALL {
            assert_eq!(status.as_str().parse::<WarningStatus>(), Ok(status));
        }
        for status in RestrictionStatus::ALL {
            assert_eq!(status.as_str().parse::<RestrictionStatus>(), Ok(status));
        }
        assert_eq!(
            "Pending".parse::<RequestStatus>(),
            Err(crate::domain::UnknownValue::new(
                "request status",
                "Pending"
            ))
        );
        assert!("open".parse::<WarningStatus>().is_err());
        assert!("in_force".parse::<RestrictionStatus>().is_err());
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    /// Tuesday 14 October 2025.
    fn today() -> NaiveDate {
        date(2025, 10, 14)
    }

    fn email_only() -> Measure {
        Measure::SingleContactMethod {
            method: ContactMethod::Email,
        }
    }

    fn draft() -> RequestDraft {
        RequestDraft {
            incident_ids: vec![7, 3, 7],
            measures: vec![email_only()],
            justification: "  Over 50 calls a day for three weeks.  ".into(),
            proportionality: "Email keeps access to the service open.".into(),
            internal_review_exhausted: Some(true),
            ends_on: None,
            first_review_on: None,
            grounds: Grounds::Warning(basis()),
            no_warning_reason: None,
            incidents: vec![
                facts(3, date(2025, 9, 20), Category::UnreasonablyPersistent),
                facts(7, date(2025, 10, 1), Category::UnreasonablyPersistent),
            ],
        }
    }

    /// A warning sent on 15 Sep 2025 with the chance to adapt until 13 Oct.
    fn basis() -> WarningBasis {
        WarningBasis {
            reference: "WRN-000001".into(),
            sent_on: date(2025, 9, 15),
            adapt_until: date(2025, 10, 13),
        }
    }

    fn facts(id: i64, occurred_on: NaiveDate, category: Category) -> IncidentFacts {
        IncidentFacts {
            id,
            reference: format!("INC-{id:06}"),
            occurred_on,
            aggressive: category == Category::AggressiveAbusive,
            violence: false,
        }
    }

    fn fields(errors: &[RequestFieldError]) -> Vec<RequestField> {
        errors.iter().map(|e| e.field).collect()
    }

    fn warning() -> WarningDraft {
        WarningDraft {
            incident_ids: vec![4],
            behaviour: " Shouting at staff on the phone. ".into(),
            adapt_until: Some(default_adapt_until(today())),
        }
    }

    // §6 checklist, R-RES-4

    #[test]
    fn r_res_4_the_six_criteria_are_in_policy_order_with_schema_spellings() {
        let stored: Vec<&str> = Criterion::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            stored,
            [
                "matter_addressed",
                "decision_right",
                "communication_adequate",
                "misunderstandings_dispelled",
                "access_requirements_considered",
                "gateway_or_legal_advice"
            ]
        );
        for criterion in Criterion::ALL {
            assert_eq!(criterion.as_str().parse(), Ok(criterion));
            assert!(!criterion.label().contains('\n'));
            assert!(!criterion.short_label().contains('\n'));
            // Slack refuses an option text over 75 characters (SLACK-LIMITS.md).
            assert!(criterion.short_label().chars().count() <= 75, "{criterion}");
        }
        assert_eq!(
            Criterion::MatterAddressed.label(),
            "The matter is being, or has been, considered and addressed properly"
        );
        assert!("vibes".parse::<Criterion>().is_err());
    }

    #[test]
    fn head_of_function_cannot_approve_without_all_six_criteria() {
        let five = CriteriaTicks::from_values(Criterion::ALL[..5].iter().map(|c| c.as_str()));
        assert!(!five.all_ticked());
        assert_eq!(five.missing(), [Criterion::GatewayOrLegalAdvice]);
        let refused = check_approval(&five).unwrap_err();
        assert_eq!(
            refused,
            MissingCriteria(vec![Criterion::GatewayOrLegalAdvice])
        );
        assert_eq!(
            refused.to_string(),
            "All six criteria of §6 must be ticked before approving. Not yet ticked: \
             A gateway organisation (e.g. Citizens Advice) was considered, or legal advice urged."
        );
        assert_eq!(
            check_approval(&CriteriaTicks::default()),
            Err(MissingCriteria(Criterion::ALL.to_vec()))
        );
    }

    #[test]
    fn head_of_function_can_approve_with_all_six_criteria_ticked() {
        let all = CriteriaTicks::from_values(Criterion::ALL.map(Criterion::as_str));
        assert!(all.all_ticked());
        assert!(all.missing().is_empty());
        assert_eq!(
            check_approval(&all).map(|c| c.criteria()),
            Ok(Criterion::ALL)
        );
        assert_eq!(all.ticked().collect::<Vec<_>>(), Criterion::ALL);
    }

    #[test]
    fn r_res_4_unknown_checkbox_values_never_count_as_ticks() {
        let ticks =
            CriteriaTicks::from_values(["decision_right", "everything", "", "DECISION_RIGHT"]);
        assert!(ticks.is_ticked(Criterion::DecisionRight));
        assert!(!ticks.is_ticked(Criterion::MatterAddressed));
        assert_eq!(ticks.missing().len(), 5);
        let owned = vec!["matter_addressed".to_owned()];
        assert!(CriteriaTicks::from_values(&owned).is_ticked(Criterion::MatterAddressed));
    }

    #[test]
    fn r_res_4_a_rejection_needs_a_reason() {
        assert_eq!(
            rejection_reason("  Not yet warned in writing. \n"),
            Ok("Not yet warned in writing.".into())
        );
        assert_eq!(rejection_reason(" \n\t"), Err(EmptyReason));
        assert_eq!(
            rejection_reason(&"x".repeat(2000)).map(|r| r.len()),
            Ok(2000)
        );
        assert_eq!(rejection_reason(&"x".repeat(2001)), Err(EmptyReason));
    }

    // State machine, R-RES-5

    #[test]
    fn a_pending_request_can_be_approved_rejected_or_withdrawn() {
        use RequestEvent::*;
        use RequestStatus::*;
        assert_eq!(transition(Pending, Approve), Ok(Approved));
        assert_eq!(transition(Pending, Reject), Ok(Rejected));
        assert_eq!(transition(Pending, Withdraw), Ok(Withdrawn));
    }

    #[test]
    fn decided_request_cannot_be_decided_again() {
        use RequestEvent::*;
        use RequestStatus::*;
        for from in [Approved, Rejected, Withdrawn] {
            for event in [Approve, Reject, Withdraw] {
                assert_eq!(
                    transition(from, event),
                    Err(IllegalTransition { from, event })
                );
            }
        }
        assert_eq!(
            transition(Approved, Reject).unwrap_err().to_string(),
            "This request was already approved."
        );
        assert_eq!(
            transition(Rejected, Approve).unwrap_err().to_string(),
            "This request was already rejected."
        );
        assert_eq!(
            transition(Withdrawn, Approve).unwrap_err().to_string(),
            "This request was already withdrawn."
        );
    }

    #[test]
    fn request_and_warning_statuses_use_the_schema_spellings() {
        let stored: Vec<&str> = RequestStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(stored, ["pending", "approved", "rejected", "withdrawn"]);
        for status in RequestStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        let stored: Vec<&str> = WarningStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            stored,
            [
                "drafted",
                "sent",
                "no_further_action",
                "escalated",
                "withdrawn"
            ]
        );
        for status in WarningStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        let stored: Vec<&str> = NoWarningReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            stored,
            [
                "violence_used_or_threatened",
                "harassment_or_aggression",
                "staff_safety"
            ]
        );
        for reason in NoWarningReason::ALL {
            assert_eq!(reason.as_str().parse(), Ok(reason));
            assert!(reason.label().contains('§'));
        }
        assert!("Pending".parse::<RequestStatus>().is_err());
        assert!("closed".parse::<WarningStatus>().is_err());
        assert!("bad_day".parse::<NoWarningReason>().is_err());
    }

    #[test]
    fn only_the_head_of_function_or_a_deputy_may_decide() {
        let (manager, head) = (user("U0MANAGER"), user("U0HEAD"));
        assert_eq!(
            may_decide(&head, &manager, 7, &[Role::Head]).map(|d| d.function_id()),
            Ok(7)
        );
        assert!(may_decide(&head, &manager, 7, &[Role::Member, Role::Deputy]).is_ok());
        for roles in [&[][..], &[Role::Manager], &[Role::Member, Role::Manager]] {
            let refused = may_decide(&head, &manager, 7, roles).unwrap_err();
            assert_eq!(refused, DecisionRefused::NotHeadOrDeputy);
            assert_eq!(
                refused.to_string(),
                "Only the head of this function or a deputy named by an admin can decide this request."
            );
        }
    }

    #[test]
    fn requester_cannot_decide_own_request_even_as_head() {
        let head = user("U0HEAD");
        for roles in [&[Role::Head][..], &[Role::Deputy], &[Role::Manager], &[]] {
            let refused = may_decide(&head, &head, 7, roles).unwrap_err();
            assert_eq!(refused, DecisionRefused::IsRequester);
            assert_eq!(
                refused.to_string(),
                "You made this request, so another head or deputy must decide it."
            );
        }
    }

    // Review dates, §8, R-REV-1

    #[test]
    fn reviews_fall_due_twelve_calendar_months_on() {
        assert_eq!(default_first_review(today()), date(2026, 10, 14));
        assert_eq!(latest_review(today()), date(2026, 10, 14));
        assert_eq!(next_review_after(date(2026, 10, 14)), date(2027, 10, 14));
        assert_eq!(next_review_after(date(2025, 12, 31)), date(2026, 12, 31));
    }

    #[test]
    fn a_leap_day_review_falls_due_on_28_february() {
        assert_eq!(default_first_review(date(2024, 2, 29)), date(2025, 2, 28));
        assert_eq!(latest_review(date(2024, 2, 29)), date(2025, 2, 28));
        assert_eq!(next_review_after(date(2028, 2, 29)), date(2029, 2, 28));
        assert_eq!(next_review_after(date(2027, 3, 1)), date(2028, 3, 1));
    }

    // Requests, R-RES-1, R-RES-2

    #[test]
    fn r_res_2_a_complete_request_is_accepted_with_the_default_first_review() {
        let valid = draft().validate(today()).unwrap();
        assert_eq!(valid.incident_ids(), [3, 7]);
        assert_eq!(valid.measures(), [email_only()]);
        assert_eq!(
            valid.justification(),
            "Over 50 calls a day for three weeks."
        );
        assert_eq!(
            valid.proportionality(),
            "Email keeps access to the service open."
        );
        assert!(valid.internal_review_exhausted());
        assert_eq!(valid.ends_on(), None);
        assert_eq!(valid.first_review_on(), date(2026, 10, 14));
        assert!(valid.has_warning());
        assert_eq!(valid.no_warning_reason(), None);
    }

    #[test]
    fn r_res_2_internal_review_not_exhausted_is_an_answer_the_head_weighs() {
        let request = RequestDraft {
            internal_review_exhausted: Some(false),
            ends_on: Some(date(2026, 4, 14)),
            first_review_on: Some(date(2026, 1, 14)),
            ..draft()
        };
        let valid = request.validate(today()).unwrap();
        assert!(!valid.internal_review_exhausted());
        assert_eq!(valid.ends_on(), Some(date(2026, 4, 14)));
        assert_eq!(valid.first_review_on(), date(2026, 1, 14));
    }

    #[test]
    fn r_res_2_an_empty_request_gets_every_error_at_once() {
        let empty = RequestDraft {
            incident_ids: vec![],
            measures: vec![],
            justification: " ".into(),
            proportionality: String::new(),
            internal_review_exhausted: None,
            ends_on: Some(today()),
            first_review_on: Some(today()),
            grounds: Grounds::Unwarned,
            no_warning_reason: None,
            incidents: vec![],
        };
        let errors = empty.validate(today()).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                RequestField::Incidents,
                RequestField::Measures,
                RequestField::Justification,
                RequestField::Proportionality,
                RequestField::InternalReview,
                RequestField::EndsOn,
                RequestField::FirstReviewOn,
                RequestField::NoWarningReason,
            ]
        );
        assert_eq!(
            errors[0].message,
            "Choose at least one incident the request relies on"
        );
        assert_eq!(errors[1].message, "Choose at least one measure");
        assert_eq!(errors[5].message, "The end date must be after today");
        assert_eq!(errors[6].message, "The first review must be after today");
    }

    #[test]
    fn r_res_2_each_measure_must_make_sense() {
        let backwards = ContactWindow {
            weekday: Weekday::Tue,
            start: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        };
        let request = RequestDraft {
            measures: vec![
                email_only(),
                Measure::TimeLimitedContact {
                    mode: ContactMode::Phone,
                    windows: vec![backwards],
                    max_minutes: None,
                },
                Measure::RefuseReopen {
                    case_reference: " ".into(),
                },
            ],
            ..draft()
        };
        let errors = request.validate(today()).unwrap_err();
        assert_eq!(fields(&errors), [RequestField::Measures]);
        assert_eq!(
            errors[0].message,
            "Time-limited calls or visits: Each time window must end after it starts (Tuesday 12:00–09:00). \
             Refuse to reopen a closed case or decision: Give the reference of the case that will not be reopened"
        );
    }

    #[test]
    fn r_res_2_justification_and_proportionality_are_bounded() {
        let request = RequestDraft {
            justification: "x".repeat(4001),
            proportionality: "y".repeat(4000),
            ..draft()
        };
        let errors = request.validate(today()).unwrap_err();
        assert_eq!(fields(&errors), [RequestField::Justification]);
        assert_eq!(errors[0].message, "Keep this to 4,000 characters or fewer");
    }

    #[test]
    fn first_review_is_never_more_than_twelve_months_ahead() {
        let on_the_limit = RequestDraft {
            first_review_on: Some(date(2026, 10, 14)),
            ..draft()
        };
        assert_eq!(
            on_the_limit.validate(today()).unwrap().first_review_on(),
            date(2026, 10, 14)
        );
        let a_day_late = RequestDraft {
            first_review_on: Some(date(2026, 10, 15)),
            ..draft()
        };
        let errors = a_day_late.validate(today()).unwrap_err();
        assert_eq!(fields(&errors), [RequestField::FirstReviewOn]);
        assert_eq!(
            errors[0].message,
            "§8: a restriction is reviewed at least annually: choose a date on or before 14 Oct 2026"
        );
    }

    #[test]
    fn first_review_from_a_leap_day_is_at_most_28_february() {
        let leap_day = date(2024, 2, 29);
        assert_eq!(
            draft().validate(leap_day).unwrap().first_review_on(),
            date(2025, 2, 28)
        );
        let first_of_march = RequestDraft {
            first_review_on: Some(date(2025, 3, 1)),
            ..draft()
        };
        let errors = first_of_march.validate(leap_day).unwrap_err();
        assert!(errors[0].message.ends_with("on or before 28 Feb 2025"));
    }

    #[test]
    fn i9_f1_a_request_after_a_warning_relies_on_behaviour_since_it_was_sent() {
        let only_before = RequestDraft {
            incident_ids: vec![1],
            incidents: vec![
                facts(1, date(2025, 9, 1), Category::UnreasonablyPersistent),
                facts(2, date(2025, 10, 2), Category::UnreasonablyPersistent),
            ],
            ..draft()
        };
        let errors = only_before.clone().validate(today()).unwrap_err();
        assert_eq!(fields(&errors), [RequestField::Incidents]);
        assert!(
            errors[0].message.contains("INC-000002 (2 Oct 2025)"),
            "{}",
            errors[0].message
        );
        // Nothing since the warning: say so.
        let nothing_since = RequestDraft {
            incidents: vec![facts(1, date(2025, 9, 1), Category::UnreasonablyPersistent)],
            ..only_before.clone()
        };
        let errors = nothing_since.validate(today()).unwrap_err();
        assert!(
            errors[0].message.contains(
                "no incident has been reported since warning WRN-000001 was sent on 15 Sep 2025"
            ),
            "{}",
            errors[0].message
        );
        // An incident on the day the letter went does not show the behaviour continued.
        let same_day = RequestDraft {
            incident_ids: vec![1],
            incidents: vec![facts(
                1,
                date(2025, 9, 15),
                Category::UnreasonablyPersistent,
            )],
            ..draft()
        };
        assert!(same_day.validate(today()).is_err());
        let with_later = RequestDraft {
            incident_ids: vec![1, 2],
            ..only_before
        };
        assert!(with_later.validate(today()).is_ok());
        // A variation stands on the restriction it varies.
        let variation = RequestDraft {
            incident_ids: vec![1],
            grounds: Grounds::Variation,
            incidents: vec![facts(1, date(2025, 9, 1), Category::UnreasonablyPersistent)],
            ..draft()
        };
        assert!(variation.validate(today()).is_ok());
    }

    #[test]
    fn i9_f1_no_decision_before_the_end_of_the_chance_to_adapt() {
        let warning = basis();
        let refused = decision_may_be_taken(Some(&warning), None, date(2025, 10, 12)).unwrap_err();
        assert!(refused.contains("until 13 Oct 2025"), "{refused}");
        assert!(
            refused.contains("Decide on or after 13 Oct 2025"),
            "{refused}"
        );
        assert_eq!(
            decision_may_be_taken(Some(&warning), None, date(2025, 10, 13)),
            Ok(())
        );
        assert_eq!(
            decision_may_be_taken(None, Some(NoWarningReason::StaffSafety), date(2025, 9, 16)),
            Ok(())
        );
        assert_eq!(
            decision_may_be_taken(
                Some(&warning),
                Some(NoWarningReason::ViolenceUsedOrThreatened),
                date(2025, 9, 16)
            ),
            Ok(())
        );
    }

    #[test]
    fn i9_f2_a_no_warning_reason_must_be_borne_out_by_an_incident_relied_on() {
        let persistent = facts(1, date(2025, 10, 1), Category::UnreasonablyPersistent);
        let abusive = facts(2, date(2025, 10, 2), Category::AggressiveAbusive);
        let violent = IncidentFacts {
            violence: true,
            ..facts(3, date(2025, 10, 3), Category::AggressiveAbusive)
        };
        let unwarned =
            |ids: Vec<i64>, reason: NoWarningReason, incidents: Vec<IncidentFacts>| RequestDraft {
                incident_ids: ids,
                grounds: Grounds::Unwarned,
                no_warning_reason: Some(reason),
                incidents,
                ..draft()
            };
        // Violence needs violence: abuse alone does not bear it out, and the violent
        // incident not chosen is named.
        let errors = unwarned(
            vec![1, 2],
            NoWarningReason::ViolenceUsedOrThreatened,
            vec![persistent.clone(), abusive.clone(), violent.clone()],
        )
        .validate(today())
        .unwrap_err();
        assert_eq!(fields(&errors), [RequestField::NoWarningReason]);
        assert!(
            errors[0]
                .message
                .contains("INC-000003 (3 Oct 2025) would support it"),
            "{}",
            errors[0].message
        );
        assert!(unwarned(
            vec![3],
            NoWarningReason::ViolenceUsedOrThreatened,
            vec![violent.clone()]
        )
        .validate(today())
        .is_ok());
        // Harassment and staff safety need aggressive or abusive behaviour.
        for reason in [
            NoWarningReason::HarassmentOrAggression,
            NoWarningReason::StaffSafety,
        ] {
            let errors = unwarned(vec![1], reason, vec![persistent.clone()])
                .validate(today())
                .unwrap_err();
            assert!(
                errors[0]
                    .message
                    .contains("none of this person's incidents does"),
                "{}",
                errors[0].message
            );
            assert!(unwarned(
                vec![1, 2],
                reason,
                vec![persistent.clone(), abusive.clone()]
            )
            .validate(today())
            .is_ok());
        }
    }

    #[test]
    fn i9_f11_after_the_heads_rejection_only_the_head_decides() {
        assert_eq!(head_reserved(&[Role::Deputy], None), Ok(()));
        assert_eq!(head_reserved(&[Role::Head], Some("REQ-1")), Ok(()));
        let refused = head_reserved(&[Role::Deputy, Role::Manager], Some("REQ-1")).unwrap_err();
        assert_eq!(refused, DecisionRefused::HeadRejectedBefore("REQ-1".into()));
        assert!(refused.to_string().contains("cannot overturn"));
    }

    #[test]
    fn i9_f11_only_the_requester_or_the_head_may_withdraw_and_with_a_reason() {
        let requester = UserId::from_slack("U0MGR");
        let other = UserId::from_slack("U0OTHER");
        assert!(may_withdraw(&requester, &requester, 7, &[Role::Manager]).is_ok());
        assert_eq!(
            may_withdraw(&other, &requester, 7, &[Role::Head]).map(|w| w.user().cloned()),
            Ok(Some(other.clone()))
        );
        for roles in [vec![Role::Deputy], vec![Role::Manager], vec![]] {
            assert_eq!(
                may_withdraw(&other, &requester, 7, &roles),
                Err(WithdrawRefused::NeitherRequesterNorHead)
            );
        }
        assert_eq!(withdraw_reason("  "), Err(EmptyWithdrawReason));
        assert_eq!(
            withdraw_reason(" Sent in error "),
            Ok("Sent in error".into())
        );
    }

    #[test]
    fn i9_f8_a_variation_cannot_bring_back_a_restriction_that_is_over() {
        let today = date(2025, 10, 14);
        assert_eq!(
            variation_refused("RES-1", RestrictionStatus::Active, None, today),
            None
        );
        assert_eq!(
            variation_refused("RES-1", RestrictionStatus::Active, Some(today), today),
            None
        );
        let ended = variation_refused(
            "RES-1",
            RestrictionStatus::Active,
            Some(date(2025, 10, 13)),
            today,
        )
        .unwrap();
        assert!(ended.contains("ended on 13 Oct 2025"), "{ended}");
        let lifted = variation_refused("RES-1", RestrictionStatus::Lifted, None, today).unwrap();
        assert!(lifted.contains("was lifted"), "{lifted}");
        assert!(variation_refused(
            "RES-1",
            RestrictionStatus::Ended,
            Some(date(2025, 9, 1)),
            today
        )
        .is_some());
        assert!(variation_refused("RES-1", RestrictionStatus::Superseded, None, today).is_some());
    }

    #[test]
    fn i9_f3_a_warning_stands_once_sent_for_twelve_months_until_closed() {
        let today = date(2025, 10, 14);
        let sent = Some(date(2025, 1, 10));
        assert!(warning_stands(WarningStatus::Sent, sent, today));
        assert!(warning_stands(WarningStatus::Escalated, sent, today));
        assert!(!warning_stands(WarningStatus::Drafted, None, today));
        assert!(!warning_stands(WarningStatus::Sent, None, today));
        assert!(!warning_stands(WarningStatus::NoFurtherAction, sent, today));
        assert!(!warning_stands(WarningStatus::Withdrawn, sent, today));
        assert!(warning_stands(
            WarningStatus::Sent,
            Some(date(2024, 10, 14)),
            today
        ));
        assert!(!warning_stands(
            WarningStatus::Sent,
            Some(date(2024, 10, 13)),
            today
        ));
    }

    #[test]
    fn i9_f1_a_letter_is_sent_on_or_after_the_day_it_was_drafted() {
        let today = date(2025, 10, 28);
        let drafted = Some(date(2025, 10, 20));
        assert_eq!(letter_sent_on(date(2025, 10, 20), drafted, today), Ok(()));
        assert_eq!(letter_sent_on(today, drafted, today), Ok(()));
        let early = letter_sent_on(date(2025, 10, 19), drafted, today).unwrap_err();
        assert!(
            early.contains("drafted on 20 Oct 2025, so it cannot have been sent before then"),
            "{early}"
        );
        assert_eq!(
            letter_sent_on(date(2025, 10, 29), drafted, today),
            Err("This is in the future.".to_owned())
        );
        assert_eq!(letter_sent_on(date(2025, 1, 1), None, today), Ok(()));
    }

    #[test]
    fn i9_f14_a_first_review_today_or_earlier_cannot_be_approved() {
        let today = date(2025, 10, 28);
        assert_eq!(
            first_review_passed("REQ-1", date(2025, 10, 29), today),
            None
        );
        let due = first_review_passed("REQ-1", today, today).expect("today");
        assert!(due.contains("28 Oct 2025, which is today"), "{due}");
        let past = first_review_passed("REQ-1", date(2025, 10, 1), today).expect("past");
        assert!(past.contains("which has passed"), "{past}");
        assert!(
            past.ends_with("Reject it with that reason; the manager can ask again with new dates."),
            "{past}"
        );
    }

    #[test]
    fn i9_f3_a_request_is_carried_only_by_a_warning_that_still_stands() {
        let today = date(2025, 10, 28);
        let sent = Some(date(2025, 9, 1));
        for status in [WarningStatus::Sent, WarningStatus::Escalated] {
            assert_eq!(
                relied_on_warning_stands("WRN-1", status, sent, None, today),
                Ok(())
            );
        }
        let closed =
            relied_on_warning_stands("WRN-1", WarningStatus::NoFurtherAction, sent, None, today)
                .unwrap_err();
        assert!(closed.contains("closed as no further action"), "{closed}");
        assert!(closed.contains("warn again"), "{closed}");
        let withdrawn =
            relied_on_warning_stands("WRN-1", WarningStatus::Withdrawn, sent, None, today)
                .unwrap_err();
        assert!(withdrawn.contains("was withdrawn"), "{withdrawn}");
        let old = Some(date(2024, 10, 1));
        let stale = relied_on_warning_stands("WRN-1", WarningStatus::Escalated, old, None, today)
            .unwrap_err();
        assert!(stale.contains("more than 12 months ago"), "{stale}");
        // A no-warning reason carries the request on its own.
        assert_eq!(
            relied_on_warning_stands(
                "WRN-1",
                WarningStatus::NoFurtherAction,
                sent,
                Some(NoWarningReason::StaffSafety),
                today
            ),
            Ok(())
        );
    }

    #[test]
    fn request_without_warning_needs_a_violence_or_harassment_reason() {
        let unwarned = RequestDraft {
            grounds: Grounds::Unwarned,
            incidents: vec![IncidentFacts {
                violence: true,
                ..facts(3, date(2025, 9, 20), Category::AggressiveAbusive)
            }],
            ..draft()
        };
        let errors = unwarned.clone().validate(today()).unwrap_err();
        assert_eq!(fields(&errors), [RequestField::NoWarningReason]);
        assert_eq!(
            errors[0].message,
            "No warning is on file: the policy requires a written warning first (§6), unless there was violence or harassment (§4). Give the reason, or warn them first with /contact warn."
        );
        for reason in NoWarningReason::ALL {
            let with_reason = RequestDraft {
                no_warning_reason: Some(reason),
                ..unwarned.clone()
            };
            let valid = with_reason.validate(today()).unwrap();
            assert!(!valid.has_warning());
            assert_eq!(valid.no_warning_reason(), Some(reason));
        }
    }

    // Warnings, R-RES-1

    #[test]
    fn r_res_1_a_warning_gives_four_weeks_to_adapt_by_default() {
        assert_eq!(default_adapt_until(today()), date(2025, 11, 11));
        let valid = warning().validate(today()).unwrap();
        assert_eq!(valid.incident_ids(), [4]);
        assert_eq!(valid.behaviour(), "Shouting at staff on the phone.");
        assert_eq!(valid.adapt_until(), date(2025, 11, 11));
    }

    #[test]
    fn r_res_1_a_warning_says_what_was_unacceptable_and_relies_on_incidents() {
        let empty = WarningDraft {
            incident_ids: vec![],
            behaviour: "\n".into(),
            adapt_until: None,
        };
        let errors = empty.validate(today()).unwrap_err();
        let fields: Vec<WarningField> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                WarningField::Incidents,
                WarningField::Behaviour,
                WarningField::AdaptUntil
            ]
        );
        let too_long = WarningDraft {
            behaviour: "x".repeat(2001),
            ..warning()
        };
        assert_eq!(
            too_long.validate(today()).unwrap_err()[0].message,
            "Keep this to 2,000 characters or fewer"
        );
    }

    #[test]
    fn r_res_1_the_chance_to_adapt_ends_after_today_and_within_six_months() {
        let at = |d: NaiveDate| WarningDraft {
            adapt_until: Some(d),
            ..warning()
        };
        assert!(at(date(2025, 10, 15)).validate(today()).is_ok());
        assert!(at(date(2026, 4, 14)).validate(today()).is_ok());
        let errors = at(today()).validate(today()).unwrap_err();
        assert_eq!(
            errors[0].message,
            "The chance to adapt must end after today"
        );
        let errors = at(date(2026, 4, 15)).validate(today()).unwrap_err();
        assert_eq!(errors[0].field, WarningField::AdaptUntil);
        assert_eq!(
            errors[0].message,
            "Give at most six months to adapt: choose a date on or before 14 Apr 2026"
        );
    }

    #[test]
    fn i9_f13_a_restriction_has_ended_the_day_after_its_end_date_whatever_the_sweep() {
        let today = date(2025, 10, 28);
        let active = RestrictionStatus::Active;
        // Ended yesterday, still stored as active: ended, not in force.
        let yesterday = Some(date(2025, 10, 27));
        assert_eq!(active.on(yesterday, today), RestrictionStatus::Ended);
        assert!(!restriction_current(active, yesterday, today));
        assert!(!restriction_in_force(
            active,
            false,
            date(2025, 1, 1),
            yesterday,
            today
        ));
        // It applies through its end date, and without one until lifted.
        for ends_on in [Some(today), Some(date(2025, 10, 29)), None] {
            assert_eq!(
                active.on(ends_on, today),
                RestrictionStatus::Active,
                "{ends_on:?}"
            );
            assert!(restriction_current(active, ends_on, today), "{ends_on:?}");
            assert!(
                restriction_in_force(active, false, today, ends_on, today),
                "{ends_on:?}"
            );
        }
        // Not started yet: it stands, but is not in force.
        assert!(!restriction_in_force(
            active,
            false,
            date(2025, 10, 29),
            None,
            today
        ));
        // Lifted, ended and superseded restrictions stay as they are.
        for status in [
            RestrictionStatus::Lifted,
            RestrictionStatus::Ended,
            RestrictionStatus::Superseded,
        ] {
            assert_eq!(status.on(yesterday, today), status);
            assert_eq!(status.on(None, today), status);
            assert!(!restriction_current(status, None, today));
        }
    }

    #[test]
    fn i9_f13_restriction_statuses_round_trip_their_stored_spelling() {
        let stored: Vec<&str> = RestrictionStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(stored, ["active", "lifted", "ended", "superseded"]);
        for status in RestrictionStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!("paused".parse::<RestrictionStatus>().is_err());
    }

    #[test]
    fn i9_f15_an_approved_restriction_is_in_force_only_once_the_person_was_told() {
        let today = date(2025, 10, 28);
        let active = RestrictionStatus::Active;
        // Approved today, notice not yet sent: not in force, whatever its start date.
        let waiting = restriction_standing(active, true, today, None, today);
        assert_eq!(waiting, Standing::AwaitingNotice);
        assert!(waiting.not_yet_in_force());
        assert_eq!(
            waiting.waiting_for().as_deref(),
            Some("waiting for the notice letter to be sent")
        );
        assert!(!restriction_in_force(
            active,
            true,
            date(2025, 1, 1),
            None,
            today
        ));
        // Told, starting later: not in force until then.
        let later = restriction_standing(active, false, date(2025, 11, 3), None, today);
        assert_eq!(later, Standing::Starts(date(2025, 11, 3)));
        assert!(later.not_yet_in_force());
        // Told and started: in force.
        assert_eq!(
            restriction_standing(active, false, today, None, today),
            Standing::InForce
        );
        assert!(restriction_in_force(active, false, today, None, today));
        // Over is over, told or not.
        let yesterday = Some(date(2025, 10, 27));
        assert_eq!(
            restriction_standing(active, true, date(2025, 10, 1), yesterday, today),
            Standing::Over(RestrictionStatus::Ended)
        );
        assert_eq!(
            restriction_standing(RestrictionStatus::Lifted, true, today, None, today),
            Standing::Over(RestrictionStatus::Lifted)
        );
        assert!(!Standing::InForce.not_yet_in_force());
    }

    #[test]
    fn i9_f15_a_restriction_waits_for_its_notice_unless_staff_safety_needs_it_at_once() {
        let today = date(2025, 10, 28);
        // By default it waits for the notice letter, from today at the earliest.
        assert_eq!(
            takes_effect(false, None, false, None, today),
            Ok(TakesEffect {
                starts_on: today,
                awaits_notice: true,
                at_once_for_staff_safety: false
            })
        );
        // A later start the head sets: still waits for the notice.
        let later = date(2025, 11, 10);
        assert_eq!(
            takes_effect(false, Some(later), false, None, today),
            Ok(TakesEffect {
                starts_on: later,
                awaits_notice: true,
                at_once_for_staff_safety: false
            })
        );
        // At once for staff safety (§4, §6): in force today.
        assert_eq!(
            takes_effect(true, None, false, None, today),
            Ok(TakesEffect {
                starts_on: today,
                awaits_notice: false,
                at_once_for_staff_safety: true
            })
        );
        // A variation waits for its letter too (the old one stays in force meanwhile),
        // unless the head records it must apply at once for staff safety.
        let varied = takes_effect(false, None, true, None, today).expect("variation");
        assert!(varied.awaits_notice);
        assert!(!varied.at_once_for_staff_safety);
        let at_once = takes_effect(true, None, true, None, today).expect("variation");
        assert!(!at_once.awaits_notice);
        assert!(at_once.at_once_for_staff_safety);
        // What cannot be: both at once and later; a start in the past or after the end;
        // a variation starting later than the restriction it replaces ends.
        assert!(takes_effect(true, Some(later), false, None, today).is_err());
        assert!(takes_effect(false, Some(date(2025, 10, 27)), false, None, today).is_err());
        assert!(takes_effect(false, Some(later), false, Some(date(2025, 11, 1)), today).is_err());
        assert!(takes_effect(false, Some(later), true, None, today).is_err());
        assert!(takes_effect(true, Some(today), false, None, today).is_ok());
    }

    #[test]
    fn i9_f15_only_a_restriction_in_force_can_be_varied() {
        let today = date(2025, 10, 28);
        let active = RestrictionStatus::Active;
        assert_eq!(
            may_be_varied("RES-1", active, false, today, None, today),
            Ok(())
        );
        let waiting = may_be_varied("RES-1", active, true, today, None, today).unwrap_err();
        assert!(waiting.contains("waits for its notice letter"), "{waiting}");
        let later =
            may_be_varied("RES-1", active, false, date(2025, 11, 3), None, today).unwrap_err();
        assert!(later.contains("starts on 3 Nov 2025"), "{later}");
        let lifted = RestrictionStatus::Lifted;
        let over = may_be_varied("RES-1", lifted, false, today, None, today).unwrap_err();
        assert!(over.contains("no longer in force (lifted)"), "{over}");
    }

    #[test]
    fn i9_f15_it_starts_the_day_the_notice_is_sent_or_the_later_start_set() {
        let approved = date(2025, 10, 28);
        // Sent three days after approval: starts then.
        assert_eq!(
            start_on_notice(date(2025, 10, 31), approved, None),
            Some(date(2025, 10, 31))
        );
        // Sent before the later start the head set: starts on that day.
        assert_eq!(
            start_on_notice(date(2025, 10, 29), date(2025, 11, 10), None),
            Some(date(2025, 11, 10))
        );
        // Through its end date it may still start; after it, it never takes effect.
        assert_eq!(
            start_on_notice(date(2025, 11, 30), approved, Some(date(2025, 11, 30))),
            Some(date(2025, 11, 30))
        );
        assert_eq!(
            start_on_notice(date(2025, 12, 1), approved, Some(date(2025, 11, 30))),
            None
        );
    }
}
