//! Unacceptable behaviour as staff report it (R-REC-2, R-RPT-1..3): the three §3 headings
//! and their examples, the channel it came by, its impact on work, and whether it must be
//! reported to the police (§4). Also the reasons staff may end or hold a call (§6).

use std::fmt;
use std::str::FromStr;

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

mod call;
mod report;
#[cfg(test)]
mod tests;

pub use call::*;
pub use report::*;
