//! Disputes of a restriction (§7, R-DIS-1, R-DIS-2): a service user raises concerns about
//! a decision to restrict their contact through the internal complaints procedure. The
//! dispute is awaiting resolution until its handler records the outcome (the restricted
//! contact arrangements still apply, or a different course was agreed: they are varied or
//! lifted) with reasons, and the person is told in writing (R-LET-3).
//!
//! Awaiting resolution → Resolved, once; stored spellings are the schema's.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::authority::DisputeHandler;
use super::calendar::add_working_days;
use super::incident::UnknownValue;
use super::roles::Role;
use super::UserId;

/// How many working days the organisation gives itself to resolve a dispute, counted from
/// the day it was received; the due date offered by default (R-DIS-1).
pub const DISPUTE_RESPONSE_WORKING_DAYS: u32 = 20;

/// The most the complaints system's reference for a dispute may hold.
pub const MAX_COMPLAINT_REFERENCE_CHARS: usize = 100;

/// The most a dispute's summary or its resolution's reasons may hold. The dispute and
/// resolve forms offer exactly this much (kept within what Slack lets an input accept), so
/// what a person can type is what is accepted.
pub const MAX_TEXT_CHARS: usize = 3000;

/// The due date offered for a dispute received on `received_on`: the
/// [`DISPUTE_RESPONSE_WORKING_DAYS`]th working day after it (weekends and England and
/// Wales bank holidays skipped).
pub fn default_due_on(received_on: NaiveDate) -> NaiveDate {
    add_working_days(received_on, DISPUTE_RESPONSE_WORKING_DAYS)
}

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// Someone who would handle a dispute, as the complaints procedure weighs them (§7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlerCandidate<'a> {
    pub user: &'a UserId,
    /// Named a complaints handler by an admin: a role outside the functions.
    pub complaints_handler: bool,
    /// Their roles in the function of the restriction disputed.
    pub roles: &'a [Role],
}

/// Who had a part in the decision disputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisputedDecision<'a> {
    /// The manager who requested the restriction.
    pub requester: &'a UserId,
    /// The head or deputy who approved it.
    pub approver: &'a UserId,
    /// The function whose restriction is disputed.
    pub function_id: i64,
}

/// Why someone may not handle a dispute, worded to follow "They cannot handle it: ".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotEligible {
    #[error("they requested the restriction")]
    Requester,
    #[error("they approved the restriction")]
    Approver,
    #[error("as head or deputy of the function they decide its restrictions (the approver or their deputy)")]
    DecidesRestrictions,
    #[error("they are neither a complaints handler nor a manager of the function")]
    NotAHandler,
}

/// Who may handle a dispute (§7, the internal complaints procedure): a complaints handler,
/// or a manager of the function who neither requested nor approved the restriction; never
/// the requester, the approver or their deputies, so never the function's head or a deputy
/// (the head approves, or a deputy in the head's place), whatever else they are.
/// The [`DisputeHandler`] proof is made only here.
pub fn may_handle(
    candidate: &HandlerCandidate<'_>,
    decision: &DisputedDecision<'_>,
) -> Result<DisputeHandler, NotEligible> {
    if candidate.user == decision.requester {
        return Err(NotEligible::Requester);
    }
    if candidate.user == decision.approver {
        return Err(NotEligible::Approver);
    }
    if candidate.roles.iter().any(|r| r.may_decide_restrictions()) {
        return Err(NotEligible::DecidesRestrictions);
    }
    if candidate.complaints_handler || candidate.roles.contains(&Role::Manager) {
        Ok(DisputeHandler::issue(candidate.user, decision.function_id))
    } else {
        Err(NotEligible::NotAHandler)
    }
}

/// What a dispute's handler decided (§7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeOutcome {
    /// The restricted contact arrangements still apply.
    StillApplies,
    /// A different course: new measures, which the head of function must approve.
    Varied,
    /// A different course: the restriction is lifted.
    Lifted,
}

impl DisputeOutcome {
    pub const ALL: [DisputeOutcome; 3] = [
        DisputeOutcome::StillApplies,
        DisputeOutcome::Varied,
        DisputeOutcome::Lifted,
    ];

    /// The stored spelling (`disputes.outcome`), also the letter's `outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeOutcome::StillApplies => "still_applies",
            DisputeOutcome::Varied => "varied",
            DisputeOutcome::Lifted => "lifted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DisputeOutcome::StillApplies => "The restriction still applies",
            DisputeOutcome::Varied => "Vary the restriction (new measures)",
            DisputeOutcome::Lifted => "Lift the restriction",
        }
    }
}

impl fmt::Display for DisputeOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DisputeOutcome {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "dispute outcome",
                value: s.to_owned(),
            })
    }
}

/// Where a dispute stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeStatus {
    AwaitingResolution,
    Resolved,
}

impl DisputeStatus {
    pub const ALL: [DisputeStatus; 2] =
        [DisputeStatus::AwaitingResolution, DisputeStatus::Resolved];

    /// The stored spelling (`disputes.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::AwaitingResolution => "awaiting_resolution",
            DisputeStatus::Resolved => "resolved",
        }
    }
}

impl fmt::Display for DisputeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DisputeStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "dispute status",
                value: s.to_owned(),
            })
    }
}

/// A dispute is resolved once; a second outcome is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This dispute was already resolved.")]
pub struct AlreadyResolved;

/// The dispute's state machine: AwaitingResolution → Resolved, nothing else.
pub fn resolve(from: DisputeStatus) -> Result<DisputeStatus, AlreadyResolved> {
    match from {
        DisputeStatus::AwaitingResolution => Ok(DisputeStatus::Resolved),
        DisputeStatus::Resolved => Err(AlreadyResolved),
    }
}

/// The head's decision on the variation a dispute resolved "vary" asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariationDecision {
    Approved,
    /// Rejected by the head, withdrawn, or closed because the restriction ended.
    NotApproved,
}

/// "Vary" always ends in a letter (§7): a dispute resolved "vary" stays awaiting resolution
/// while the head decides the variation; approved, it is resolved "varied" and the outcome
/// letter sets out the new measures; otherwise it goes back to its handler, still
/// awaiting resolution, to decide "still applies" or "lift".
pub fn after_variation(decision: VariationDecision) -> DisputeStatus {
    match decision {
        VariationDecision::Approved => DisputeStatus::Resolved,
        VariationDecision::NotApproved => DisputeStatus::AwaitingResolution,
    }
}

/// A field of the dispute form, so each error shows beside its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DisputeField {
    Restriction,
    ReceivedOn,
    Summary,
    Handler,
    ComplaintReference,
    DueOn,
    Outcome,
    Reasons,
}

impl DisputeField {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeField::Restriction => "restriction",
            DisputeField::ReceivedOn => "received_on",
            DisputeField::Summary => "summary",
            DisputeField::Handler => "handler",
            DisputeField::ComplaintReference => "complaint_reference",
            DisputeField::DueOn => "due_on",
            DisputeField::Outcome => "outcome",
            DisputeField::Reasons => "reasons",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DisputeFieldError {
    pub field: DisputeField,
    pub message: String,
}

fn error(field: DisputeField, message: impl Into<String>) -> DisputeFieldError {
    DisputeFieldError {
        field,
        message: message.into(),
    }
}

/// Checks free text a person wrote: present, and not too long.
fn text_error(field: DisputeField, text: &str, empty: &str) -> Option<DisputeFieldError> {
    let text = text.trim();
    if text.is_empty() {
        Some(error(field, empty))
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Some(error(field, "Keep this to 3,000 characters or fewer"))
    } else {
        None
    }
}

/// What a manager submitted on the dispute form (R-DIS-1), before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeDraft {
    pub restriction_id: Option<i64>,
    pub received_on: Option<NaiveDate>,
    pub summary: String,
    pub handler: Option<UserId>,
    /// The organisation's complaints system reference (§7).
    pub complaint_reference: String,
    /// None to take [`default_due_on`] of the date received.
    pub due_on: Option<NaiveDate>,
}

/// A dispute that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDispute {
    pub restriction_id: i64,
    pub received_on: NaiveDate,
    pub summary: String,
    pub handler: UserId,
    pub complaint_reference: String,
    pub due_on: NaiveDate,
}

impl DisputeDraft {
    /// Every problem at once: a restriction chosen, received on or before today, a
    /// summary, a handler, the complaints system's reference, and a due date not before
    /// the date received.
    pub fn validate(self, today: NaiveDate) -> Result<ValidDispute, Vec<DisputeFieldError>> {
        let mut errors = Vec::new();
        if self.restriction_id.is_none() {
            errors.push(error(
                DisputeField::Restriction,
                "Choose the restriction that is disputed",
            ));
        }
        match self.received_on {
            None => errors.push(error(
                DisputeField::ReceivedOn,
                "Choose the date the dispute was received",
            )),
            Some(d) if d > today => errors.push(error(
                DisputeField::ReceivedOn,
                "The date received cannot be in the future",
            )),
            Some(_) => {}
        }
        errors.extend(text_error(
            DisputeField::Summary,
            &self.summary,
            "Summarise what the person disputes",
        ));
        if self.handler.is_none() {
            errors.push(error(
                DisputeField::Handler,
                "Choose the manager who will handle the dispute",
            ));
        }
        let complaint_reference = self.complaint_reference.trim();
        if complaint_reference.is_empty() {
            errors.push(error(
                DisputeField::ComplaintReference,
                "Give the reference the complaints system gave this complaint",
            ));
        } else if complaint_reference.chars().count() > MAX_COMPLAINT_REFERENCE_CHARS {
            errors.push(error(
                DisputeField::ComplaintReference,
                "Keep the reference to 100 characters or fewer",
            ));
        }
        let received_on = self.received_on.unwrap_or(today);
        let due_on = self.due_on.unwrap_or_else(|| default_due_on(received_on));
        if due_on < received_on {
            errors.push(error(
                DisputeField::DueOn,
                format!(
                    "The due date cannot be before the date received ({})",
                    day(received_on)
                ),
            ));
        }
        match (self.restriction_id, self.handler, errors.is_empty()) {
            (Some(restriction_id), Some(handler), true) => Ok(ValidDispute {
                restriction_id,
                received_on,
                summary: self.summary.trim().to_owned(),
                handler,
                complaint_reference: complaint_reference.to_owned(),
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// The handler's outcome with its reasons (R-DIS-2), before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionDraft {
    pub outcome: Option<DisputeOutcome>,
    pub reasons: String,
}

/// An outcome with reasons, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidResolution {
    pub outcome: DisputeOutcome,
    pub reasons: String,
}

impl ResolutionDraft {
    /// An outcome and its reasons are both required: the person is told why (§7).
    pub fn validate(self) -> Result<ValidResolution, Vec<DisputeFieldError>> {
        let mut errors = Vec::new();
        if self.outcome.is_none() {
            errors.push(error(DisputeField::Outcome, "Choose the outcome"));
        }
        errors.extend(text_error(
            DisputeField::Reasons,
            &self.reasons,
            "Give the reasons: they go in the letter to the person",
        ));
        match (self.outcome, errors.is_empty()) {
            (Some(outcome), true) => Ok(ValidResolution {
                outcome,
                reasons: self.reasons.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9 (core shape): the store reads every stored spelling back into the enum.
    #[test]
    fn i9_core_every_dispute_status_and_outcome_round_trips_through_its_spelling() {
        for status in DisputeStatus::ALL {
            assert_eq!(status.as_str().parse::<DisputeStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        for outcome in DisputeOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<DisputeOutcome>(), Ok(outcome));
        }
        assert_eq!(
            "awaiting".parse::<DisputeStatus>(),
            Err(UnknownValue::new("dispute status", "awaiting"))
        );
        assert!("vary".parse::<DisputeOutcome>().is_err());
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn draft() -> DisputeDraft {
        DisputeDraft {
            restriction_id: Some(1),
            received_on: Some(d(2026, 12, 14)),
            summary: " Says the restriction is unfair ".to_owned(),
            handler: Some(UserId::from_slack("U0HANDLER")),
            complaint_reference: " CMP-2026-114 ".to_owned(),
            due_on: None,
        }
    }

    #[test]
    fn r_dis_1_due_date_defaults_to_twenty_working_days_skipping_bank_holidays() {
        let valid = draft().validate(d(2026, 12, 15)).expect("valid");
        // Christmas, the Boxing Day substitute and New Year's Day are skipped.
        assert_eq!(valid.due_on, d(2027, 1, 14));
        assert_eq!(valid.summary, "Says the restriction is unfair");
        assert_eq!(valid.complaint_reference, "CMP-2026-114");
    }

    #[test]
    fn a_summary_is_accepted_up_to_the_limit_the_form_offers_and_no_further() {
        let today = d(2026, 12, 15);
        let at_limit = DisputeDraft {
            summary: "x".repeat(MAX_TEXT_CHARS),
            ..draft()
        };
        assert!(at_limit.validate(today).is_ok());
        let errors = DisputeDraft {
            summary: "x".repeat(MAX_TEXT_CHARS + 1),
            ..draft()
        }
        .validate(today)
        .expect_err("too long");
        assert_eq!(errors[0].field, DisputeField::Summary);
        assert!(errors[0].message.contains("3,000"), "{errors:?}");
    }

    #[test]
    fn a_dispute_needs_a_restriction_summary_handler_and_past_received_date() {
        let errors = DisputeDraft {
            restriction_id: None,
            received_on: Some(d(2026, 12, 16)),
            summary: "  ".to_owned(),
            handler: None,
            complaint_reference: " ".to_owned(),
            due_on: Some(d(2026, 12, 1)),
        }
        .validate(d(2026, 12, 15))
        .expect_err("invalid");
        let fields: Vec<DisputeField> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                DisputeField::Restriction,
                DisputeField::ReceivedOn,
                DisputeField::Summary,
                DisputeField::Handler,
                DisputeField::ComplaintReference,
                DisputeField::DueOn,
            ]
        );
    }

    #[test]
    fn r_dis_2_an_outcome_needs_reasons() {
        let errors = ResolutionDraft {
            outcome: Some(DisputeOutcome::StillApplies),
            reasons: " ".to_owned(),
        }
        .validate()
        .expect_err("no reasons");
        assert_eq!(errors[0].field, DisputeField::Reasons);
        let valid = ResolutionDraft {
            outcome: Some(DisputeOutcome::Lifted),
            reasons: "Behaviour has improved".to_owned(),
        }
        .validate()
        .expect("valid");
        assert_eq!(valid.outcome.as_str(), "lifted");
    }

    #[test]
    fn a_dispute_is_resolved_once() {
        assert_eq!(
            resolve(DisputeStatus::AwaitingResolution),
            Ok(DisputeStatus::Resolved)
        );
        assert_eq!(resolve(DisputeStatus::Resolved), Err(AlreadyResolved));
    }

    #[test]
    fn i9_f7_a_varied_dispute_is_resolved_only_when_the_head_approves_the_variation() {
        assert_eq!(
            after_variation(VariationDecision::Approved),
            DisputeStatus::Resolved
        );
        assert_eq!(
            after_variation(VariationDecision::NotApproved),
            DisputeStatus::AwaitingResolution
        );
    }

    #[test]
    fn outcomes_round_trip_their_stored_spelling() {
        for outcome in DisputeOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<DisputeOutcome>(), Ok(outcome));
        }
        assert!("maybe".parse::<DisputeOutcome>().is_err());
    }

    fn candidate<'a>(
        user: &'a UserId,
        complaints: bool,
        roles: &'a [Role],
    ) -> HandlerCandidate<'a> {
        HandlerCandidate {
            user,
            complaints_handler: complaints,
            roles,
        }
    }

    #[test]
    fn i9_f9_a_complaints_handler_or_an_uninvolved_manager_may_handle_a_dispute() {
        let (requester, approver) = (UserId::from_slack("U0REQ"), UserId::from_slack("U0HEAD"));
        let decision = DisputedDecision {
            requester: &requester,
            approver: &approver,
            function_id: 7,
        };
        let outsider = UserId::from_slack("U0COMPLAINTS");
        assert_eq!(
            may_handle(&candidate(&outsider, true, &[]), &decision).map(|h| h.user().clone()),
            Ok(outsider.clone())
        );
        let manager = UserId::from_slack("U0OTHER");
        assert!(may_handle(&candidate(&manager, false, &[Role::Manager]), &decision).is_ok());
        // A member of staff, or a manager of another function (no role here), may not.
        assert_eq!(
            may_handle(&candidate(&manager, false, &[Role::Member]), &decision),
            Err(NotEligible::NotAHandler)
        );
        assert_eq!(
            may_handle(&candidate(&manager, false, &[]), &decision),
            Err(NotEligible::NotAHandler)
        );
    }

    #[test]
    fn i9_f9_never_the_requester_the_approver_or_their_deputies() {
        let (requester, approver) = (UserId::from_slack("U0REQ"), UserId::from_slack("U0HEAD"));
        let decision = DisputedDecision {
            requester: &requester,
            approver: &approver,
            function_id: 7,
        };
        // Being a complaints handler too changes nothing.
        assert_eq!(
            may_handle(&candidate(&requester, true, &[Role::Manager]), &decision),
            Err(NotEligible::Requester)
        );
        assert_eq!(
            may_handle(&candidate(&approver, true, &[Role::Head]), &decision),
            Err(NotEligible::Approver)
        );
        let deputy = UserId::from_slack("U0DEPUTY");
        assert_eq!(
            may_handle(&candidate(&deputy, true, &[Role::Deputy]), &decision),
            Err(NotEligible::DecidesRestrictions)
        );
        // A head who did not approve (a deputy did) is still the approver's head.
        let head = UserId::from_slack("U0NEWHEAD");
        assert_eq!(
            may_handle(
                &candidate(&head, false, &[Role::Manager, Role::Head]),
                &decision
            ),
            Err(NotEligible::DecidesRestrictions)
        );
    }
}
