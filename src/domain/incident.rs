//! Unacceptable behaviour as staff report it (R-REC-2, R-RPT-1..3): the three §3 headings
//! and their examples, the channel it came by, its impact on work, and whether it must be
//! reported to the police (§4). Also the reasons staff may end or hold a call (§6).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Shown on the report form (R-REC-2, §3): the policy does not treat anger on its own as
/// unacceptable, so staff report what was said or done and its effect.
pub const ANGER_ALONE_NOTE: &str = "Anger or frustration alone is not unacceptable behaviour (policy §3): report what was said or done and how it affected staff or work.";

pub use super::UnknownValue;

/// The three broad headings of §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    AggressiveAbusive,
    UnreasonableDemands,
    UnreasonablyPersistent,
}

impl Category {
    pub const ALL: [Category; 3] = [
        Category::AggressiveAbusive,
        Category::UnreasonableDemands,
        Category::UnreasonablyPersistent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::AggressiveAbusive => "aggressive_abusive",
            Category::UnreasonableDemands => "unreasonable_demands",
            Category::UnreasonablyPersistent => "unreasonably_persistent",
        }
    }

    /// The §3 heading.
    pub fn label(self) -> &'static str {
        match self {
            Category::AggressiveAbusive => "Aggressive or abusive behaviour",
            Category::UnreasonableDemands => "Unreasonable behaviour (demands)",
            Category::UnreasonablyPersistent => "Unreasonably persistent",
        }
    }

    /// The heading as it reads after "an example of".
    fn in_sentence(self) -> &'static str {
        match self {
            Category::AggressiveAbusive => "aggressive or abusive behaviour",
            Category::UnreasonableDemands => "unreasonable behaviour (demands)",
            Category::UnreasonablyPersistent => "unreasonably persistent behaviour",
        }
    }

    /// The kinds staff may choose under this heading: its §3 examples, then "Other".
    pub fn kinds(self) -> Vec<BehaviourKind> {
        BehaviourKind::ALL
            .into_iter()
            .filter(|k| k.fits(self))
            .collect()
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownValue::new("category", s))
    }
}

/// The examples §3 gives under each heading, plus "other".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BehaviourKind {
    Threats,
    PhysicalViolence,
    VerbalAbuse,
    DerogatoryRemarks,
    Rudeness,
    UnreasonableTimescales,
    InsistingOnParticularStaff,
    SeekingStaffReplaced,
    ScattergunContact,
    PursuingWithNumerousStaff,
    RefusingToAcceptDecision,
    RepeatedRequestsToReverseDecision,
    RefusingExplanations,
    Other,
}

impl BehaviourKind {
    pub const ALL: [BehaviourKind; 14] = [
        BehaviourKind::Threats,
        BehaviourKind::PhysicalViolence,
        BehaviourKind::VerbalAbuse,
        BehaviourKind::DerogatoryRemarks,
        BehaviourKind::Rudeness,
        BehaviourKind::UnreasonableTimescales,
        BehaviourKind::InsistingOnParticularStaff,
        BehaviourKind::SeekingStaffReplaced,
        BehaviourKind::ScattergunContact,
        BehaviourKind::PursuingWithNumerousStaff,
        BehaviourKind::RefusingToAcceptDecision,
        BehaviourKind::RepeatedRequestsToReverseDecision,
        BehaviourKind::RefusingExplanations,
        BehaviourKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BehaviourKind::Threats => "threats",
            BehaviourKind::PhysicalViolence => "physical_violence",
            BehaviourKind::VerbalAbuse => "verbal_abuse",
            BehaviourKind::DerogatoryRemarks => "derogatory_remarks",
            BehaviourKind::Rudeness => "rudeness",
            BehaviourKind::UnreasonableTimescales => "unreasonable_timescales",
            BehaviourKind::InsistingOnParticularStaff => "insisting_on_particular_staff",
            BehaviourKind::SeekingStaffReplaced => "seeking_staff_replaced",
            BehaviourKind::ScattergunContact => "scattergun_contact",
            BehaviourKind::PursuingWithNumerousStaff => "pursuing_with_numerous_staff",
            BehaviourKind::RefusingToAcceptDecision => "refusing_to_accept_decision",
            BehaviourKind::RepeatedRequestsToReverseDecision => {
                "repeated_requests_to_reverse_decision"
            }
            BehaviourKind::RefusingExplanations => "refusing_explanations",
            BehaviourKind::Other => "other",
        }
    }

    /// The §3 example in plain English, for the form and the case file.
    pub fn label(self) -> &'static str {
        match self {
            BehaviourKind::Threats => "Threats",
            BehaviourKind::PhysicalViolence => "Physical violence",
            BehaviourKind::VerbalAbuse => "Personal or verbal abuse",
            BehaviourKind::DerogatoryRemarks => "Derogatory remarks",
            BehaviourKind::Rudeness => "Rudeness",
            BehaviourKind::UnreasonableTimescales => {
                "Demanding responses within unreasonable timescales"
            }
            BehaviourKind::InsistingOnParticularStaff => {
                "Insisting on dealing with particular staff"
            }
            BehaviourKind::SeekingStaffReplaced => "Seeking to have staff replaced",
            BehaviourKind::ScattergunContact => "Continual calls, letters or emails (scattergun)",
            BehaviourKind::PursuingWithNumerousStaff => "Pursuing issues with numerous staff",
            BehaviourKind::RefusingToAcceptDecision => "Refusing to accept a decision",
            BehaviourKind::RepeatedRequestsToReverseDecision => {
                "Repeated requests to reverse a decision"
            }
            BehaviourKind::RefusingExplanations => "Refusing to accept explanations",
            BehaviourKind::Other => "Other",
        }
    }

    /// The §3 heading this is an example of; None for "Other", which fits any heading.
    pub fn category(self) -> Option<Category> {
        match self {
            BehaviourKind::Threats
            | BehaviourKind::PhysicalViolence
            | BehaviourKind::VerbalAbuse
            | BehaviourKind::DerogatoryRemarks
            | BehaviourKind::Rudeness => Some(Category::AggressiveAbusive),
            BehaviourKind::UnreasonableTimescales
            | BehaviourKind::InsistingOnParticularStaff
            | BehaviourKind::SeekingStaffReplaced
            | BehaviourKind::ScattergunContact
            | BehaviourKind::PursuingWithNumerousStaff => Some(Category::UnreasonableDemands),
            BehaviourKind::RefusingToAcceptDecision
            | BehaviourKind::RepeatedRequestsToReverseDecision
            | BehaviourKind::RefusingExplanations => Some(Category::UnreasonablyPersistent),
            BehaviourKind::Other => None,
        }
    }

    /// Whether this kind may be chosen under `category`.
    pub fn fits(self, category: Category) -> bool {
        self.category().is_none_or(|own| own == category)
    }
}

/// R-RPT-3, §4 "This will always be the case if physical violence is used or threatened":
/// physical violence was chosen, or threats were and the reporter says the threat was of
/// physical violence. Other threats, abuse and harassment *may* be reported (§4), so they
/// do not go through the police route.
pub fn violence_used_or_threatened(
    kinds: &[BehaviourKind],
    threat_of_violence: Option<bool>,
) -> bool {
    kinds.contains(&BehaviourKind::PhysicalViolence)
        || (kinds.contains(&BehaviourKind::Threats) && threat_of_violence == Some(true))
}

/// Why an incident cannot be closed as "not reported to the police".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Physical violence was used or threatened, which the policy says is always reported to the police (§4): record the date it was reported and the police reference.")]
pub struct MustBeReported;

/// R-RPT-3, §4: an incident where physical violence was used or threatened stays open until
/// a police report (date and reference) is recorded; "not reported" closes only an incident
/// where reporting was optional.
pub fn may_close_as_not_reported(police_report_required: bool) -> Result<(), MustBeReported> {
    if police_report_required {
        Err(MustBeReported)
    } else {
        Ok(())
    }
}

impl fmt::Display for BehaviourKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BehaviourKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new("behaviour kind", s))
    }
}

/// How the behaviour reached us (R-RPT-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Email,
    Letter,
    InPerson,
    SocialMedia,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Phone,
        Channel::Email,
        Channel::Letter,
        Channel::InPerson,
        Channel::SocialMedia,
        Channel::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Letter => "letter",
            Channel::InPerson => "in_person",
            Channel::SocialMedia => "social_media",
            Channel::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Phone => "Phone",
            Channel::Email => "Email",
            Channel::Letter => "Letter",
            Channel::InPerson => "In person",
            Channel::SocialMedia => "Social media",
            Channel::Other => "Other",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownValue::new("channel", s))
    }
}

/// How far ahead of "now" a report's time may be before it is taken for a typing mistake:
/// clocks and Slack's date pickers disagree by a little.
const FUTURE_TOLERANCE_MINUTES: i64 = 5;
const MAX_DESCRIPTION_CHARS: usize = 3000;
const MAX_IMPACT_NOTE_CHARS: usize = 1000;
/// Upper bounds that catch a phone number typed into a number box, not real limits:
/// 100,000 minutes is more than two years of working hours.
const MAX_IMPACT_STAFF_MINUTES: u32 = 100_000;
const MAX_IMPACT_CONTACTS: u32 = 100_000;

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
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
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

/// What staff did with a call they would not continue (§6, R-RPT-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Ended,
    OnHold,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 2] = [CallOutcome::Ended, CallOutcome::OnHold];

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ended => "ended",
            CallOutcome::OnHold => "on_hold",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallOutcome::Ended => "Call ended",
            CallOutcome::OnHold => "Caller placed on hold",
        }
    }
}

impl fmt::Display for CallOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallOutcome {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownValue::new("call outcome", s))
    }
}

/// The mandatory reason for ending or holding a call: the three §6 allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEndReason {
    Aggressive,
    Abusive,
    Offensive,
}

impl CallEndReason {
    pub const ALL: [CallEndReason; 3] = [
        CallEndReason::Aggressive,
        CallEndReason::Abusive,
        CallEndReason::Offensive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallEndReason::Aggressive => "aggressive",
            CallEndReason::Abusive => "abusive",
            CallEndReason::Offensive => "offensive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallEndReason::Aggressive => "Aggressive",
            CallEndReason::Abusive => "Abusive",
            CallEndReason::Offensive => "Offensive",
        }
    }
}

impl fmt::Display for CallEndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallEndReason {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue::new("call end reason", s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 28, 10, 0, 0).unwrap()
    }

    fn report(category: Category, kinds: &[BehaviourKind]) -> IncidentReport {
        IncidentReport {
            category,
            kinds: kinds.to_vec(),
            channel: Channel::Phone,
            occurred_at: now() - Duration::hours(1),
            description: "Shouted and swore at the caseworker".into(),
            impact_staff_minutes: Some(30),
            impact_contacts: Some(1),
            impact_note: String::new(),
            threat_of_violence: None,
        }
    }

    fn messages(result: Result<ValidIncident, Vec<IncidentFieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn r_rec_2_each_category_offers_exactly_its_section_3_examples_and_other() {
        use BehaviourKind::*;
        assert_eq!(
            Category::AggressiveAbusive.kinds(),
            vec![
                Threats,
                PhysicalViolence,
                VerbalAbuse,
                DerogatoryRemarks,
                Rudeness,
                Other
            ]
        );
        assert_eq!(
            Category::UnreasonableDemands.kinds(),
            vec![
                UnreasonableTimescales,
                InsistingOnParticularStaff,
                SeekingStaffReplaced,
                ScattergunContact,
                PursuingWithNumerousStaff,
                Other
            ]
        );
        assert_eq!(
            Category::UnreasonablyPersistent.kinds(),
            vec![
                RefusingToAcceptDecision,
                RepeatedRequestsToReverseDecision,
                RefusingExplanations,
                Other
            ]
        );
        assert_eq!(Other.category(), None);
    }

    #[test]
    fn r_rec_2_categories_are_labelled_with_the_section_3_headings() {
        assert_eq!(
            Category::AggressiveAbusive.label(),
            "Aggressive or abusive behaviour"
        );
        assert_eq!(
            Category::UnreasonableDemands.label(),
            "Unreasonable behaviour (demands)"
        );
        assert_eq!(
            Category::UnreasonablyPersistent.label(),
            "Unreasonably persistent"
        );
    }

    #[test]
    fn r_rec_2_stored_spellings_match_the_schema_and_round_trip() {
        let kinds: Vec<&str> = BehaviourKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "threats",
                "physical_violence",
                "verbal_abuse",
                "derogatory_remarks",
                "rudeness",
                "unreasonable_timescales",
                "insisting_on_particular_staff",
                "seeking_staff_replaced",
                "scattergun_contact",
                "pursuing_with_numerous_staff",
                "refusing_to_accept_decision",
                "repeated_requests_to_reverse_decision",
                "refusing_explanations",
                "other"
            ]
        );
        for kind in BehaviourKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        for category in Category::ALL {
            assert_eq!(category.as_str().parse(), Ok(category));
        }
        for channel in Channel::ALL {
            assert_eq!(channel.as_str().parse(), Ok(channel));
        }
        for outcome in CallOutcome::ALL {
            assert_eq!(outcome.as_str().parse(), Ok(outcome));
        }
        for reason in CallEndReason::ALL {
            assert_eq!(reason.as_str().parse(), Ok(reason));
        }
        assert_eq!(Channel::SocialMedia.as_str(), "social_media");
        assert_eq!(CallOutcome::OnHold.as_str(), "on_hold");
        assert_eq!(
            "shouting".parse::<BehaviourKind>(),
            Err(UnknownValue::new("behaviour kind", "shouting"))
        );
    }

    #[test]
    fn r_rec_2_the_form_reminds_staff_that_anger_alone_is_not_unacceptable() {
        assert!(ANGER_ALONE_NOTE.starts_with("Anger or frustration alone is not unacceptable"));
        assert!(!ANGER_ALONE_NOTE.contains('\n'));
    }

    #[test]
    fn r_rpt_1_a_complete_report_is_accepted_with_text_trimmed_and_kinds_in_order() {
        let mut submitted = report(
            Category::AggressiveAbusive,
            &[
                BehaviourKind::Rudeness,
                BehaviourKind::VerbalAbuse,
                BehaviourKind::Rudeness,
            ],
        );
        submitted.description = "  Shouted at the caseworker \n".into();
        submitted.impact_note = " 50+ calls a day ".into();
        let valid = submitted.validate(now()).expect("valid report");
        assert_eq!(
            valid.kinds(),
            [BehaviourKind::VerbalAbuse, BehaviourKind::Rudeness]
        );
        assert_eq!(valid.description(), "Shouted at the caseworker");
        assert_eq!(valid.impact_note(), "50+ calls a day");
        assert_eq!(valid.impact_staff_minutes(), Some(30));
        assert!(!valid.police_report_required());
    }

    #[test]
    fn r_rpt_1_a_kind_from_another_heading_is_refused_with_a_way_out() {
        let result = report(
            Category::UnreasonableDemands,
            &[BehaviourKind::Threats, BehaviourKind::ScattergunContact],
        )
        .validate(now());
        assert_eq!(
            messages(result),
            ["“Threats” is not an example of unreasonable behaviour (demands); choose the matching category or “Other”"]
        );
        assert!(
            report(Category::UnreasonablyPersistent, &[BehaviourKind::Other])
                .validate(now())
                .is_ok()
        );
    }

    #[test]
    fn r_rpt_1_every_problem_is_reported_at_once() {
        let mut submitted = report(Category::AggressiveAbusive, &[]);
        submitted.occurred_at = now() + Duration::minutes(6);
        submitted.description = "   ".into();
        let errors = submitted.validate(now()).unwrap_err();
        let fields: Vec<IncidentField> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                IncidentField::Kinds,
                IncidentField::OccurredAt,
                IncidentField::Description
            ]
        );
        let text: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            text,
            [
                "Choose at least one kind of behaviour",
                "This is in the future: when did it happen?",
                "Describe what happened"
            ]
        );
    }

    #[test]
    fn r_rpt_1_a_time_a_few_minutes_ahead_is_allowed_for_clock_drift() {
        let mut submitted = report(Category::AggressiveAbusive, &[BehaviourKind::Rudeness]);
        submitted.occurred_at = now() + Duration::minutes(5);
        assert!(submitted.validate(now()).is_ok());
    }

    #[test]
    fn r_rpt_1_descriptions_and_impact_are_bounded() {
        let mut submitted = report(Category::AggressiveAbusive, &[BehaviourKind::Rudeness]);
        submitted.description = "x".repeat(3000);
        assert!(submitted.clone().validate(now()).is_ok());
        submitted.description = "x".repeat(3001);
        submitted.impact_contacts = Some(7_700_900);
        submitted.impact_staff_minutes = Some(100_001);
        submitted.impact_note = "y".repeat(1001);
        let errors = submitted.validate(now()).unwrap_err();
        let by_field = messages_by_field(&errors);
        assert_eq!(
            by_field[&IncidentField::Description],
            "Keep the description to 3,000 characters or fewer (it is 3,001)"
        );
        assert_eq!(
            by_field.keys().copied().collect::<Vec<_>>(),
            [
                IncidentField::Description,
                IncidentField::ImpactStaffMinutes,
                IncidentField::ImpactContacts,
                IncidentField::ImpactNote
            ]
        );
    }

    fn threat(answer: Option<bool>) -> IncidentReport {
        let mut submitted = report(
            Category::AggressiveAbusive,
            &[BehaviourKind::Rudeness, BehaviourKind::Threats],
        );
        submitted.threat_of_violence = answer;
        submitted
    }

    #[test]
    fn r_rpt_3_physical_violence_used_or_threatened_requires_a_police_report() {
        for answer in [None, Some(false), Some(true)] {
            let mut submitted = report(
                Category::AggressiveAbusive,
                &[BehaviourKind::Rudeness, BehaviourKind::PhysicalViolence],
            );
            submitted.threat_of_violence = answer;
            let valid = submitted.validate(now()).expect("valid report");
            assert!(valid.police_report_required(), "{answer:?}");
            assert_eq!(valid.threat_of_violence(), None, "no threat was chosen");
        }
        for kind in [
            BehaviourKind::VerbalAbuse,
            BehaviourKind::DerogatoryRemarks,
            BehaviourKind::Rudeness,
            BehaviourKind::Other,
        ] {
            let valid = report(Category::AggressiveAbusive, &[kind])
                .validate(now())
                .expect("valid report");
            assert!(!valid.police_report_required(), "{kind}");
        }
    }

    #[test]
    fn i9_f4_a_threat_of_physical_violence_is_always_reported_to_the_police() {
        let valid = threat(Some(true)).validate(now()).expect("valid report");
        assert!(valid.police_report_required());
        assert_eq!(valid.threat_of_violence(), Some(true));
        assert!(violence_used_or_threatened(
            &[BehaviourKind::Threats],
            Some(true)
        ));
    }

    #[test]
    fn i9_f4_a_threat_not_of_violence_does_not_require_a_police_report() {
        let valid = threat(Some(false)).validate(now()).expect("valid report");
        assert!(!valid.police_report_required());
        assert_eq!(valid.threat_of_violence(), Some(false));
        assert!(!violence_used_or_threatened(
            &[BehaviourKind::Threats],
            Some(false)
        ));
        assert!(!violence_used_or_threatened(
            &[BehaviourKind::Threats],
            None
        ));
    }

    #[test]
    fn i9_f4_a_threat_must_say_whether_it_was_of_physical_violence() {
        let errors = threat(None).validate(now()).unwrap_err();
        assert_eq!(
            messages_by_field(&errors)[&IncidentField::ThreatOfViolence],
            "Say whether it was a threat of physical violence"
        );
        assert_eq!(
            IncidentField::ThreatOfViolence.as_str(),
            "threat_of_violence"
        );
    }

    #[test]
    fn i9_f4_the_threat_answer_is_kept_only_with_threats() {
        let mut submitted = report(Category::AggressiveAbusive, &[BehaviourKind::Rudeness]);
        submitted.threat_of_violence = Some(true);
        let valid = submitted.validate(now()).expect("valid report");
        assert_eq!(valid.threat_of_violence(), None);
        assert!(
            !valid.police_report_required(),
            "an answer without a threat does not make rudeness violent"
        );
    }

    #[test]
    fn i9_f4_violence_used_or_threatened_cannot_be_closed_as_not_reported() {
        assert_eq!(may_close_as_not_reported(true), Err(MustBeReported));
        assert_eq!(may_close_as_not_reported(false), Ok(()));
        assert!(MustBeReported
            .to_string()
            .contains("always reported to the police (§4)"));
    }

    #[test]
    fn messages_for_one_field_are_joined() {
        let errors = report(
            Category::UnreasonablyPersistent,
            &[BehaviourKind::Threats, BehaviourKind::Rudeness],
        )
        .validate(now())
        .unwrap_err();
        assert_eq!(
            messages_by_field(&errors)[&IncidentField::Kinds],
            "“Threats” is not an example of unreasonably persistent behaviour; choose the matching category or “Other”. \
             “Rudeness” is not an example of unreasonably persistent behaviour; choose the matching category or “Other”"
        );
    }

    #[test]
    fn thousands_are_separated_with_commas() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(3000), "3,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
