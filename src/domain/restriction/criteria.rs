//! The §6 checklist (see the parent module).

use crate::domain::incident::UnknownValue;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::*;

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
