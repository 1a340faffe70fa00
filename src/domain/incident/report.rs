//! The report form's rules (R-RPT-1): what a valid incident report is, field by field,
//! with the errors shown inline on the form.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::*;

/// How far ahead of "now" a report's time may be before it is taken for a typing mistake:
/// clocks and Slack's date pickers disagree by a little.
pub(super) const FUTURE_TOLERANCE_MINUTES: i64 = 5;
pub(super) const MAX_DESCRIPTION_CHARS: usize = 3000;
pub(super) const MAX_IMPACT_NOTE_CHARS: usize = 1000;
/// Upper bounds that catch a phone number typed into a number box, not real limits:
/// 100,000 minutes is more than two years of working hours.
pub(super) const MAX_IMPACT_STAFF_MINUTES: u32 = 100_000;
pub(super) const MAX_IMPACT_CONTACTS: u32 = 100_000;

/// What a member of staff submitted on the report form (R-RPT-1), before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentReport {
    pub category: Category,
    pub kinds: Vec<BehaviourKind>,
    pub channel: Channel,
    pub occurred_at: DateTime<Utc>,
    pub description: String,
    /// Impact on work (§3): staff time taken up, in minutes.
    pub impact_staff_minutes: Option<u32>,
    /// Impact on work (§3): number of contacts, e.g. 50 calls.
    pub impact_contacts: Option<u32>,
    /// Impact on work in words, e.g. "50+ calls a day".
    pub impact_note: String,
    /// Asked only when threats are among the kinds: whether it was a threat of physical
    /// violence (§4). `None` when not answered.
    pub threat_of_violence: Option<bool>,
}

/// A field of the report form, so the Slack layer can show each error beside its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentField {
    Category,
    Kinds,
    ThreatOfViolence,
    Channel,
    OccurredAt,
    Description,
    ImpactStaffMinutes,
    ImpactContacts,
    ImpactNote,
}

impl IncidentField {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentField::Category => "category",
            IncidentField::Kinds => "kinds",
            IncidentField::ThreatOfViolence => "threat_of_violence",
            IncidentField::Channel => "channel",
            IncidentField::OccurredAt => "occurred_at",
            IncidentField::Description => "description",
            IncidentField::ImpactStaffMinutes => "impact_staff_minutes",
            IncidentField::ImpactContacts => "impact_contacts",
            IncidentField::ImpactNote => "impact_note",
        }
    }
}

/// One problem with a report, in words for the member of staff who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IncidentFieldError {
    pub field: IncidentField,
    pub message: String,
}

impl IncidentFieldError {
    fn new(field: IncidentField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The errors joined per field (a form shows one message per field), in field order.
pub fn messages_by_field(errors: &[IncidentFieldError]) -> BTreeMap<IncidentField, String> {
    let mut joined: BTreeMap<IncidentField, String> = BTreeMap::new();
    for error in errors {
        joined
            .entry(error.field)
            .and_modify(|m| {
                m.push_str(". ");
                m.push_str(&error.message);
            })
            .or_insert_with(|| error.message.clone());
    }
    joined
}

impl IncidentReport {
    /// Checks the report and returns every problem at once, so staff fix them in one go.
    /// Kinds are de-duplicated and put in the policy's order; text is trimmed.
    pub fn validate(self, now: DateTime<Utc>) -> Result<ValidIncident, Vec<IncidentFieldError>> {
        let mut errors = Vec::new();
        errors.extend(self.kind_errors());
        let threats = self.kinds.contains(&BehaviourKind::Threats);
        // A threat under the wrong heading is refused above; its answer is asked once it fits.
        let threat_fits = BehaviourKind::Threats.fits(self.category);
        if threats && threat_fits && self.threat_of_violence.is_none() {
            errors.push(IncidentFieldError::new(
                IncidentField::ThreatOfViolence,
                "Say whether it was a threat of physical violence",
            ));
        }
        if self.occurred_at > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
            errors.push(IncidentFieldError::new(
                IncidentField::OccurredAt,
                "This is in the future: when did it happen?",
            ));
        }
        let description = self.description.trim();
        let description_chars = description.chars().count();
        if description.is_empty() {
            errors.push(IncidentFieldError::new(
                IncidentField::Description,
                "Describe what happened",
            ));
        } else if description_chars > MAX_DESCRIPTION_CHARS {
            errors.push(IncidentFieldError::new(
                IncidentField::Description,
                format!(
                    "Keep the description to {} characters or fewer (it is {})",
                    thousands(MAX_DESCRIPTION_CHARS),
                    thousands(description_chars)
                ),
            ));
        }
        errors.extend(self.impact_errors());
        if !errors.is_empty() {
            return Err(errors);
        }
        let kinds = BehaviourKind::ALL
            .into_iter()
            .filter(|k| self.kinds.contains(k))
            .collect();
        Ok(ValidIncident {
            category: self.category,
            kinds,
            channel: self.channel,
            occurred_at: self.occurred_at,
            description: description.to_owned(),
            impact_staff_minutes: self.impact_staff_minutes,
            impact_contacts: self.impact_contacts,
            impact_note: self.impact_note.trim().to_owned(),
            // Only a threat can be a threat of violence: the answer is kept with threats.
            threat_of_violence: self.threat_of_violence.filter(|_| threats),
        })
    }

    fn kind_errors(&self) -> Vec<IncidentFieldError> {
        if self.kinds.is_empty() {
            return vec![IncidentFieldError::new(
                IncidentField::Kinds,
                "Choose at least one kind of behaviour",
            )];
        }
        let mut misfits: Vec<BehaviourKind> = self
            .kinds
            .iter()
            .copied()
            .filter(|k| !k.fits(self.category))
            .collect();
        misfits.sort();
        misfits.dedup();
        misfits
            .into_iter()
            .map(|kind| {
                IncidentFieldError::new(
                    IncidentField::Kinds,
                    format!(
                        "“{}” is not an example of {}; choose the matching category or “Other”",
                        kind.label(),
                        self.category.in_sentence()
                    ),
                )
            })
            .collect()
    }

    fn impact_errors(&self) -> Vec<IncidentFieldError> {
        let mut errors = Vec::new();
        if self
            .impact_staff_minutes
            .is_some_and(|m| m > MAX_IMPACT_STAFF_MINUTES)
        {
            errors.push(IncidentFieldError::new(
                IncidentField::ImpactStaffMinutes,
                format!(
                    "Give the staff time in minutes, at most {}",
                    thousands(MAX_IMPACT_STAFF_MINUTES as usize)
                ),
            ));
        }
        if self
            .impact_contacts
            .is_some_and(|c| c > MAX_IMPACT_CONTACTS)
        {
            errors.push(IncidentFieldError::new(
                IncidentField::ImpactContacts,
                format!(
                    "Give the number of contacts, at most {}",
                    thousands(MAX_IMPACT_CONTACTS as usize)
                ),
            ));
        }
        if self.impact_note.trim().chars().count() > MAX_IMPACT_NOTE_CHARS {
            errors.push(IncidentFieldError::new(
                IncidentField::ImpactNote,
                format!(
                    "Keep the note on impact to {} characters or fewer",
                    thousands(MAX_IMPACT_NOTE_CHARS)
                ),
            ));
        }
        errors
    }
}

/// 3000 → "3,000", as numbers are written for staff.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A report that passed every check: what the store records as an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidIncident {
    category: Category,
    kinds: Vec<BehaviourKind>,
    channel: Channel,
    occurred_at: DateTime<Utc>,
    description: String,
    impact_staff_minutes: Option<u32>,
    impact_contacts: Option<u32>,
    impact_note: String,
    threat_of_violence: Option<bool>,
}

impl ValidIncident {
    pub fn category(&self) -> Category {
        self.category
    }
    /// At least one, each fitting the category, no repeats, in the policy's order.
    pub fn kinds(&self) -> &[BehaviourKind] {
        &self.kinds
    }
    pub fn channel(&self) -> Channel {
        self.channel
    }
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
    /// Trimmed, 1 to 3,000 characters.
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn impact_staff_minutes(&self) -> Option<u32> {
        self.impact_staff_minutes
    }
    pub fn impact_contacts(&self) -> Option<u32> {
        self.impact_contacts
    }
    /// Trimmed; may be empty.
    pub fn impact_note(&self) -> &str {
        &self.impact_note
    }

    /// With threats among the kinds, whether it was a threat of physical violence;
    /// otherwise `None`.
    pub fn threat_of_violence(&self) -> Option<bool> {
        self.threat_of_violence
    }

    /// R-RPT-3, §4: physical violence used or threatened is always reported to the police,
    /// and no prior warning to the person is needed. The incident stays on the manager's
    /// list until a police report is recorded.
    pub fn police_report_required(&self) -> bool {
        violence_used_or_threatened(&self.kinds, self.threat_of_violence)
    }
}
