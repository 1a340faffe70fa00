//! A manager's request (R-RES-2): the form as submitted, checked field by field.

use crate::domain::measures::Measure;
use chrono::NaiveDate;

use super::*;

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
pub(super) fn measure_error(measures: &[Measure]) -> Option<RequestFieldError> {
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

pub(super) fn case_text_error(
    field: RequestField,
    text: &str,
    empty: &str,
) -> Option<RequestFieldError> {
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
pub(super) fn first_review_error(
    first_review_on: NaiveDate,
    today: NaiveDate,
) -> Option<RequestFieldError> {
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
