//! Ended or held calls (R-RPT-2): how a call ended and why.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::*;

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
