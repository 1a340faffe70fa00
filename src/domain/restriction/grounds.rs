//! What a request stands on (§4, §6): the no-warning reasons, the warning on file and
//! whether it still stands, when the head may decide, and what a variation may vary.

use crate::domain::incident::UnknownValue;
use chrono::{Months, NaiveDate};
use std::fmt;
use std::str::FromStr;

use super::*;

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

pub(super) fn references(incidents: &[&IncidentFacts]) -> String {
    incidents
        .iter()
        .map(|i| format!("{} ({})", i.reference, day(i.occurred_on)))
        .collect::<Vec<_>>()
        .join(", ")
}
