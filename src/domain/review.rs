//! Reviews of a restriction (§8, R-REV-1): every restriction is reviewed at least once a
//! year, and may be reconsidered sooner when the person shows a more acceptable approach.
//! A review is open until a manager decides it: the restriction continues (with a new
//! review date at most twelve months on), is varied (new measures, approved by the head of
//! function as any request is, R-RES-4) or is lifted.
//!
//! Open → Decided, once; stored spellings are the schema's.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};

use super::authority::Decider;
pub use super::dispute::VariationDecision;
use super::incident::UnknownValue;
use super::restriction::{head_reserved, may_decide, next_review_after, DecisionRefused};
use super::roles::Role;
use super::UserId;

/// The most a review's reasons may hold. The review form offers exactly this much (kept
/// within what Slack lets an input accept), so what a person can type is what is accepted.
pub const MAX_REASONS_CHARS: usize = 3000;

/// A review started this many days or fewer before the restriction's review date (or
/// after it) is the annual review; one started earlier is an early reconsideration.
pub const ANNUAL_REVIEW_WINDOW_DAYS: u64 = 30;

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// Why a review happens (§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewKind {
    /// The review due by the restriction's next review date.
    Annual,
    /// Reconsideration before it is due, e.g. because behaviour improved.
    Early,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 2] = [ReviewKind::Annual, ReviewKind::Early];

    /// The stored spelling (`reviews.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Annual => "annual",
            ReviewKind::Early => "early",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewKind::Annual => "annual review",
            ReviewKind::Early => "early reconsideration",
        }
    }

    /// The kind of a review started on `today` for a restriction due for review on
    /// `next_review_on`.
    pub fn starting_on(today: NaiveDate, next_review_on: NaiveDate) -> Self {
        let window_opens = next_review_on
            .checked_sub_days(Days::new(ANNUAL_REVIEW_WINDOW_DAYS))
            .unwrap_or(NaiveDate::MIN);
        if today >= window_opens {
            ReviewKind::Annual
        } else {
            ReviewKind::Early
        }
    }
}

impl fmt::Display for ReviewKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReviewKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "review kind",
                value: s.to_owned(),
            })
    }
}

/// What a review decided (§8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewOutcome {
    /// The restriction continues; reviewed again by a new date.
    Continue,
    /// New measures, which need the head of function's approval.
    Vary,
    /// The restriction is lifted.
    Lift,
}

impl ReviewOutcome {
    pub const ALL: [ReviewOutcome; 3] = [
        ReviewOutcome::Continue,
        ReviewOutcome::Vary,
        ReviewOutcome::Lift,
    ];

    /// The stored spelling (`reviews.outcome`), also the letter's `outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Continue => "continue",
            ReviewOutcome::Vary => "vary",
            ReviewOutcome::Lift => "lift",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewOutcome::Continue => "Continue the restriction",
            ReviewOutcome::Vary => "Vary the restriction (new measures)",
            ReviewOutcome::Lift => "Lift the restriction",
        }
    }
}

impl fmt::Display for ReviewOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReviewOutcome {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "review outcome",
                value: s.to_owned(),
            })
    }
}

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Open,
    Decided,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 2] = [ReviewStatus::Open, ReviewStatus::Decided];

    /// The stored spelling (`reviews.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Decided => "decided",
        }
    }
}

impl fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReviewStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue::new("review status", s))
    }
}

/// A review is decided once; a second decision is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This review was already decided.")]
pub struct AlreadyDecided;

/// The review's state machine: Open → Decided, nothing else.
pub fn decide(from: ReviewStatus) -> Result<ReviewStatus, AlreadyDecided> {
    match from {
        ReviewStatus::Open => Ok(ReviewStatus::Decided),
        ReviewStatus::Decided => Err(AlreadyDecided),
    }
}

// ---------------------------------------------------------------------------------------
// "Continue" is authorised by the head of function (§6 at review; issue 9, finding 10)
// ---------------------------------------------------------------------------------------

/// Where a manager's proposal to continue a restriction stands. Only a pending proposal
/// can move: the head (or a deputy who did not propose it) authorises it with the six §6
/// criteria, or rejects it with a reason; both are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContinuationStatus {
    Pending,
    Authorised,
    Rejected,
}

impl ContinuationStatus {
    pub const ALL: [ContinuationStatus; 3] = [
        ContinuationStatus::Pending,
        ContinuationStatus::Authorised,
        ContinuationStatus::Rejected,
    ];

    /// The stored spelling (`review_continuations.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContinuationStatus::Pending => "pending",
            ContinuationStatus::Authorised => "authorised",
            ContinuationStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for ContinuationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContinuationStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "continuation status",
                value: s.to_owned(),
            })
    }
}

/// What the head can do with a pending proposal to continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContinuationEvent {
    Authorise,
    Reject,
}

/// A proposal already authorised or rejected cannot be decided again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ContinuationSettled {
    pub from: ContinuationStatus,
}

impl ContinuationSettled {
    fn message(&self) -> &'static str {
        match self.from {
            ContinuationStatus::Authorised => "This proposal to continue was already authorised.",
            ContinuationStatus::Rejected => "This proposal to continue was already rejected.",
            ContinuationStatus::Pending => "This proposal to continue is still waiting.",
        }
    }
}

/// The proposal's state machine: Pending → Authorised | Rejected, nothing else.
pub fn continuation_transition(
    from: ContinuationStatus,
    event: ContinuationEvent,
) -> Result<ContinuationStatus, ContinuationSettled> {
    match (from, event) {
        (ContinuationStatus::Pending, ContinuationEvent::Authorise) => {
            Ok(ContinuationStatus::Authorised)
        }
        (ContinuationStatus::Pending, ContinuationEvent::Reject) => {
            Ok(ContinuationStatus::Rejected)
        }
        (settled, _) => Err(ContinuationSettled { from: settled }),
    }
}

/// Where a review stands for the manager: open to decide, waiting on the head's
/// authorisation of "continue", waiting on the head's decision on the variation "vary"
/// asked for, or decided. A review is open (and reminded) until decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStage {
    Open,
    AwaitingAuthorisation,
    AwaitingVariation,
    Decided,
}

impl ReviewStage {
    /// The stage of a review with `status`, whether a proposal to continue it awaits
    /// authorisation, and whether a variation it asked for awaits the head's decision.
    pub fn of(status: ReviewStatus, continuation_pending: bool, variation_pending: bool) -> Self {
        match (status, continuation_pending, variation_pending) {
            (ReviewStatus::Decided, _, _) => ReviewStage::Decided,
            (ReviewStatus::Open, true, _) => ReviewStage::AwaitingAuthorisation,
            (ReviewStatus::Open, false, true) => ReviewStage::AwaitingVariation,
            (ReviewStatus::Open, false, false) => ReviewStage::Open,
        }
    }
}

/// "Vary" always ends in a letter (§7, §8): a review decided "vary" stays open while the
/// head decides the variation; approved, it is decided "vary" and the outcome letter sets
/// out the new measures; otherwise (rejected, withdrawn, or closed because the restriction
/// ended) it goes back to its reviewer, still open, to decide "continue" (proposed to the
/// head, finding 10) or "lift" (or vary it once more).
pub fn after_variation(decision: VariationDecision) -> ReviewStatus {
    match decision {
        VariationDecision::Approved => ReviewStatus::Decided,
        VariationDecision::NotApproved => ReviewStatus::Open,
    }
}

/// Why a review's outcome cannot be recorded now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeRefused {
    #[error("This review was already decided.")]
    Decided,
    #[error("Continuing this restriction is waiting for the head of function to authorise it (§6). If the head rejects it, you can decide otherwise then.")]
    AwaitingAuthorisation,
    #[error("Varying this restriction is waiting for the head of function to decide the new measures (§6). The review stays open until then; if they are not approved, it comes back to you to decide again.")]
    AwaitingVariation,
}

/// A manager may record an outcome only on an open review with no proposal (to continue
/// or to vary) waiting on the head.
pub fn may_record_outcome(stage: ReviewStage) -> Result<(), OutcomeRefused> {
    match stage {
        ReviewStage::Open => Ok(()),
        ReviewStage::AwaitingAuthorisation => Err(OutcomeRefused::AwaitingAuthorisation),
        ReviewStage::AwaitingVariation => Err(OutcomeRefused::AwaitingVariation),
        ReviewStage::Decided => Err(OutcomeRefused::Decided),
    }
}

/// Why someone may not authorise or reject a proposal to continue (§6, R-RES-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthorisationRefused {
    #[error("You proposed continuing this restriction, so the head of function or a deputy must authorise it.")]
    IsProposer,
    #[error("Only the head of this function or a deputy named by an admin can authorise continuing a restriction.")]
    NotHeadOrDeputy,
    #[error("The head of this function rejected continuing this restriction at this review, so only the head can authorise it now: a deputy cannot overturn the head's rejection.")]
    HeadRejectedBefore,
}

/// §6 at review: only the head of the function or a deputy may authorise continuing a
/// restriction, never the manager who proposed it — the rule of [`may_decide`] for a
/// request, worded for a review.
pub fn may_authorise(
    decider: &UserId,
    proposer: &UserId,
    function_id: i64,
    decider_roles_in_function: &[Role],
) -> Result<Decider, AuthorisationRefused> {
    may_decide(decider, proposer, function_id, decider_roles_in_function).map_err(|e| match e {
        DecisionRefused::IsRequester => AuthorisationRefused::IsProposer,
        _ => AuthorisationRefused::NotHeadOrDeputy,
    })
}

/// §6, as for a request: a head's rejection stands. Once the head rejected continuing at
/// this review (`head_rejected_before`), a new proposal is for the head alone.
pub fn authorisation_reserved(
    decider_roles_in_function: &[Role],
    head_rejected_before: bool,
) -> Result<(), AuthorisationRefused> {
    head_reserved(
        decider_roles_in_function,
        head_rejected_before.then_some(""),
    )
    .map_err(|_| AuthorisationRefused::HeadRejectedBefore)
}

/// The proposed review date must still lie ahead when the head authorises: one that has
/// passed while the proposal waited is refused, to be rejected and proposed again.
pub fn next_review_still_ahead(next_review_on: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if next_review_on > today {
        Ok(())
    } else {
        Err(format!(
            "The next review proposed ({}) is not after today. Reject the proposal with that reason so the manager can propose a new date.",
            day(next_review_on)
        ))
    }
}

/// A field of the review form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReviewField {
    Outcome,
    NextReviewOn,
    Reasons,
}

impl ReviewField {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewField::Outcome => "outcome",
            ReviewField::NextReviewOn => "next_review_on",
            ReviewField::Reasons => "reasons",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReviewFieldError {
    pub field: ReviewField,
    pub message: String,
}

fn error(field: ReviewField, message: impl Into<String>) -> ReviewFieldError {
    ReviewFieldError {
        field,
        message: message.into(),
    }
}

/// What the reviewing manager submitted, before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    pub outcome: Option<ReviewOutcome>,
    /// Continue only; None takes the latest date allowed.
    pub next_review_on: Option<NaiveDate>,
    pub reasons: String,
}

/// A decided review, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReview {
    pub outcome: ReviewOutcome,
    /// Set exactly when the outcome is continue.
    pub next_review_on: Option<NaiveDate>,
    pub reasons: String,
}

/// The review date offered when a restriction continues after a review on `today`, and
/// the latest §8 allows.
pub fn default_next_review(today: NaiveDate) -> NaiveDate {
    next_review_after(today)
}

impl ReviewDraft {
    /// Checks the decision made on `today`: an outcome, reasons, and for continue a new
    /// review date after today and at most twelve months on (R-REV-1, §8).
    pub fn validate(self, today: NaiveDate) -> Result<ValidReview, Vec<ReviewFieldError>> {
        let mut errors = Vec::new();
        if self.outcome.is_none() {
            errors.push(error(ReviewField::Outcome, "Choose the outcome"));
        }
        let reasons = self.reasons.trim();
        if reasons.is_empty() {
            errors.push(error(
                ReviewField::Reasons,
                "Give the reasons: they go in the letter to the person",
            ));
        } else if reasons.chars().count() > MAX_REASONS_CHARS {
            errors.push(error(
                ReviewField::Reasons,
                "Keep this to 3,000 characters or fewer",
            ));
        }
        let mut next_review_on = None;
        if self.outcome == Some(ReviewOutcome::Continue) {
            let latest = next_review_after(today);
            let chosen = self.next_review_on.unwrap_or(latest);
            if chosen <= today {
                errors.push(error(
                    ReviewField::NextReviewOn,
                    "The next review must be after today",
                ));
            } else if chosen > latest {
                errors.push(error(
                    ReviewField::NextReviewOn,
                    format!(
                        "§8: a restriction is reviewed at least annually: choose a date on or before {}",
                        day(latest)
                    ),
                ));
            }
            next_review_on = Some(chosen);
        }
        match (self.outcome, errors.is_empty()) {
            (Some(outcome), true) => Ok(ValidReview {
                outcome,
                next_review_on,
                reasons: reasons.to_owned(),
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
    fn i9_core_every_review_status_outcome_and_kind_round_trips_through_its_spelling() {
        for status in ReviewStatus::ALL {
            assert_eq!(status.as_str().parse::<ReviewStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        for outcome in ReviewOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<ReviewOutcome>(), Ok(outcome));
        }
        for kind in ReviewKind::ALL {
            assert_eq!(kind.as_str().parse::<ReviewKind>(), Ok(kind));
        }
        for status in ContinuationStatus::ALL {
            assert_eq!(status.as_str().parse::<ContinuationStatus>(), Ok(status));
        }
        assert_eq!(
            "Decided".parse::<ReviewStatus>(),
            Err(UnknownValue::new("review status", "Decided"))
        );
        assert!("".parse::<ReviewOutcome>().is_err());
        assert!("approved".parse::<ContinuationStatus>().is_err());
        assert!("yearly".parse::<ReviewKind>().is_err());
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn reasons_are_accepted_up_to_the_limit_the_form_offers_and_no_further() {
        let today = d(2026, 3, 10);
        let draft = |n: usize| ReviewDraft {
            outcome: Some(ReviewOutcome::Lift),
            next_review_on: None,
            reasons: "x".repeat(n),
        };
        assert!(draft(MAX_REASONS_CHARS).validate(today).is_ok());
        let errors = draft(MAX_REASONS_CHARS + 1)
            .validate(today)
            .expect_err("too long");
        assert_eq!(errors[0].field, ReviewField::Reasons);
        assert!(errors[0].message.contains("3,000"), "{errors:?}");
    }

    #[test]
    fn r_rev_1_continue_sets_a_review_at_most_twelve_months_on() {
        let today = d(2026, 3, 10);
        let valid = ReviewDraft {
            outcome: Some(ReviewOutcome::Continue),
            next_review_on: None,
            reasons: "Still calling daily".to_owned(),
        }
        .validate(today)
        .expect("valid");
        assert_eq!(valid.next_review_on, Some(d(2027, 3, 10)));
        let errors = ReviewDraft {
            outcome: Some(ReviewOutcome::Continue),
            next_review_on: Some(d(2027, 3, 11)),
            reasons: "Still calling daily".to_owned(),
        }
        .validate(today)
        .expect_err("too far");
        assert_eq!(errors[0].field, ReviewField::NextReviewOn);
        assert!(errors[0].message.contains("10 Mar 2027"), "{errors:?}");
    }

    #[test]
    fn lift_and_vary_carry_no_review_date_and_all_need_reasons() {
        let valid = ReviewDraft {
            outcome: Some(ReviewOutcome::Lift),
            next_review_on: Some(d(2026, 6, 1)),
            reasons: "Behaviour improved".to_owned(),
        }
        .validate(d(2026, 3, 10))
        .expect("valid");
        assert_eq!(valid.next_review_on, None);
        let errors = ReviewDraft {
            outcome: None,
            next_review_on: None,
            reasons: String::new(),
        }
        .validate(d(2026, 3, 10))
        .expect_err("empty");
        let fields: Vec<ReviewField> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![ReviewField::Outcome, ReviewField::Reasons]);
    }

    #[test]
    fn a_review_near_its_date_is_annual_and_earlier_is_early() {
        let due = d(2026, 6, 30);
        assert_eq!(
            ReviewKind::starting_on(d(2026, 6, 1), due),
            ReviewKind::Annual
        );
        assert_eq!(
            ReviewKind::starting_on(d(2026, 7, 5), due),
            ReviewKind::Annual
        );
        assert_eq!(
            ReviewKind::starting_on(d(2026, 5, 1), due),
            ReviewKind::Early
        );
    }

    #[test]
    fn a_review_is_decided_once() {
        assert_eq!(decide(ReviewStatus::Open), Ok(ReviewStatus::Decided));
        assert_eq!(decide(ReviewStatus::Decided), Err(AlreadyDecided));
    }
    #[test]
    fn i9_f10_a_proposal_to_continue_is_authorised_or_rejected_once() {
        use ContinuationEvent::*;
        use ContinuationStatus::*;
        assert_eq!(continuation_transition(Pending, Authorise), Ok(Authorised));
        assert_eq!(continuation_transition(Pending, Reject), Ok(Rejected));
        for settled in [Authorised, Rejected] {
            for event in [Authorise, Reject] {
                assert_eq!(
                    continuation_transition(settled, event),
                    Err(ContinuationSettled { from: settled })
                );
            }
        }
        for status in ContinuationStatus::ALL {
            assert_eq!(status.as_str().parse::<ContinuationStatus>(), Ok(status));
        }
    }

    #[test]
    fn i9_f10_a_review_waiting_on_the_head_takes_no_other_outcome() {
        assert_eq!(
            ReviewStage::of(ReviewStatus::Open, false, false),
            ReviewStage::Open
        );
        assert_eq!(
            ReviewStage::of(ReviewStatus::Open, true, false),
            ReviewStage::AwaitingAuthorisation
        );
        assert_eq!(
            ReviewStage::of(ReviewStatus::Decided, false, false),
            ReviewStage::Decided
        );
        assert_eq!(may_record_outcome(ReviewStage::Open), Ok(()));
        assert_eq!(
            may_record_outcome(ReviewStage::AwaitingAuthorisation),
            Err(OutcomeRefused::AwaitingAuthorisation)
        );
        assert_eq!(
            may_record_outcome(ReviewStage::Decided),
            Err(OutcomeRefused::Decided)
        );
    }

    #[test]
    fn i9_f7_a_varied_review_is_decided_only_when_the_head_approves_the_variation() {
        assert_eq!(
            after_variation(VariationDecision::Approved),
            ReviewStatus::Decided
        );
        assert_eq!(
            after_variation(VariationDecision::NotApproved),
            ReviewStatus::Open
        );
        // While the head decides, the reviewer records nothing else.
        assert_eq!(
            ReviewStage::of(ReviewStatus::Open, false, true),
            ReviewStage::AwaitingVariation
        );
        assert_eq!(
            may_record_outcome(ReviewStage::AwaitingVariation),
            Err(OutcomeRefused::AwaitingVariation)
        );
        assert_eq!(
            ReviewStage::of(ReviewStatus::Decided, false, true),
            ReviewStage::Decided
        );
    }

    #[test]
    fn i9_f10_only_a_head_or_deputy_other_than_the_proposer_authorises() {
        let head = UserId::from_slack("UHEAD");
        let manager = UserId::from_slack("UMANAGER");
        assert!(may_authorise(&head, &manager, 7, &[Role::Head]).is_ok());
        assert!(may_authorise(&head, &manager, 7, &[Role::Deputy]).is_ok());
        assert_eq!(
            may_authorise(&manager, &manager, 7, &[Role::Head]),
            Err(AuthorisationRefused::IsProposer)
        );
        assert_eq!(
            may_authorise(&head, &manager, 7, &[Role::Manager, Role::Member]),
            Err(AuthorisationRefused::NotHeadOrDeputy)
        );
    }

    #[test]
    fn i9_f10_after_the_heads_rejection_only_the_head_authorises() {
        assert_eq!(authorisation_reserved(&[Role::Deputy], false), Ok(()));
        assert_eq!(
            authorisation_reserved(&[Role::Deputy], true),
            Err(AuthorisationRefused::HeadRejectedBefore)
        );
        assert_eq!(authorisation_reserved(&[Role::Head], true), Ok(()));
    }

    #[test]
    fn i9_f10_a_proposed_review_date_that_has_passed_is_not_authorised() {
        let today = d(2026, 3, 10);
        assert!(next_review_still_ahead(d(2026, 3, 11), today).is_ok());
        let why = next_review_still_ahead(today, today).expect_err("passed");
        assert!(why.contains("10 Mar 2026"), "{why}");
    }
}
