//! Warnings (R-RES-1) (see the parent module).

use crate::domain::incident::UnknownValue;
use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

use super::*;

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
pub(super) fn adapt_until_error(
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
