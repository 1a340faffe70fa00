//! The policy as types and rules. Nothing here knows about HTTP, SQL or Slack's wire
//! format, so each rule can be read and tested on its own.

pub mod audit;
pub mod authority;
pub mod calendar;
pub mod correction;
pub mod dispute;
pub mod foi;
pub mod incident;
pub mod measures;
pub mod person;
pub mod restriction;
pub mod retention;
pub mod review;
pub mod roles;

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stored spelling that names none of the values the domain knows, e.g. a
/// `preferred_format` of `"huge"`. Seeing one means the database and the code disagree.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub(crate) fn new(what: &'static str, value: &str) -> Self {
        Self {
            what,
            value: value.to_owned(),
        }
    }
}

/// A Slack user id such as `U012AB3CD`: who did something (R-REC-3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a Slack user id (expected something like U012AB3CD)")]
pub struct InvalidUserId(String);

impl UserId {
    /// Accepts Slack user ids (`U…` or `W…`, upper-case letters and digits) and the
    /// mention form `<@U012AB3CD>` or `<@U012AB3CD|name>` that Slack puts in command text.
    pub fn parse(raw: &str) -> Result<Self, InvalidUserId> {
        let trimmed = raw.trim();
        let inner = trimmed
            .strip_prefix("<@")
            .and_then(|s| s.strip_suffix('>'))
            .map(|s| s.split('|').next().unwrap_or(s))
            .unwrap_or(trimmed);
        let valid = inner.len() >= 3
            && inner.len() <= 32
            && (inner.starts_with('U') || inner.starts_with('W'))
            && inner
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid {
            Ok(Self(inner.to_owned()))
        } else {
            Err(InvalidUserId(raw.to_owned()))
        }
    }

    /// For values that come from Slack's own payloads, which are trusted to be ids.
    pub fn from_slack(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who made a change, as recorded in the audit trail: a Slack user or an operator at
/// the command line (named with `--actor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    pub fn user(user: &UserId) -> Self {
        Self(user.as_str().to_owned())
    }
    pub fn cli(name: &str) -> Self {
        Self(format!("cli:{name}"))
    }
    pub fn system() -> Self {
        Self("system".to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_parse_plain_and_mention_forms() {
        assert_eq!(
            UserId::parse("U012AB3CD").map(|u| u.0),
            Ok("U012AB3CD".into())
        );
        assert_eq!(
            UserId::parse("<@U012AB3CD|sam>").map(|u| u.0),
            Ok("U012AB3CD".into())
        );
        assert_eq!(UserId::parse(" W0123 ").map(|u| u.0), Ok("W0123".into()));
        assert!(UserId::parse("sam").is_err());
        assert!(UserId::parse("u012ab3cd").is_err());
        assert!(UserId::parse("").is_err());
    }
}
