//! Who may do what (§6): functions, their head, deputies named by an admin, managers and
//! members; and admins who set all of this up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::authority::{Manager, Reporter};
use super::UserId;

/// A role someone holds in one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Head of function: authorises restrictions (§6). At most one per function.
    Head,
    /// Deputy named by an admin: may decide in the head's place.
    Deputy,
    /// Receives staff reports, warns, requests restrictions, handles disputes and reviews.
    Manager,
    /// A member of staff who reports into the function.
    Member,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Head, Role::Deputy, Role::Manager, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Head => "head",
            Role::Deputy => "deputy",
            Role::Manager => "manager",
            Role::Member => "member",
        }
    }

    /// Whether this role may decide restriction requests for its function (§6, R-RES-5).
    pub fn may_decide_restrictions(self) -> bool {
        matches!(self, Role::Head | Role::Deputy)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?} (expected head, deputy, manager or member)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A function's name, as admins type it: trimmed, 1 to 80 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FunctionName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a function name must be 1 to 80 characters")]
pub struct InvalidFunctionName;

impl FunctionName {
    pub fn parse(raw: &str) -> Result<Self, InvalidFunctionName> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(InvalidFunctionName);
        }
        Ok(Self(name.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why someone may not act as a manager of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Only a manager, head or deputy of this function can do this; ask your manager.")]
pub struct NotAManager;

/// Managers, heads and deputies manage a function's records (§4–§8): warnings, requests,
/// police reports, FOI refusals, access requirements, proposals at review. The
/// [`Manager`] proof is made only here.
pub fn may_manage(
    user: &UserId,
    function_id: i64,
    roles_in_function: &[Role],
) -> Result<Manager, NotAManager> {
    if roles_in_function
        .iter()
        .any(|r| matches!(r, Role::Manager | Role::Head | Role::Deputy))
    {
        Ok(Manager::issue(user, function_id))
    } else {
        Err(NotAManager)
    }
}

/// Why someone may not report in a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("You are not in this function, so you cannot report for it; choose one of your own functions, or ask an admin to add you to it.")]
pub struct NotInFunction;

/// Anyone with a role in a function reports there (R-RPT-1, R-DP-3); a member of staff
/// enrolled in no function yet has no function of their own and reports into any
/// (`enrolled_anywhere` is whether they hold a role in any function). The [`Reporter`]
/// proof is made only here and in [`may_log_breach`].
pub fn may_report(
    user: &UserId,
    function_id: i64,
    roles_in_function: &[Role],
    enrolled_anywhere: bool,
) -> Result<Reporter, NotInFunction> {
    if roles_in_function.is_empty() && enrolled_anywhere {
        Err(NotInFunction)
    } else {
        Ok(Reporter::issue(user, function_id))
    }
}

/// Any member of staff who meets a breach of a restriction in force logs it, whatever
/// their function (R-RPT-4): the restriction binds everyone who handles the person's
/// contact. Whether they are staff at all is checked for every request at the door
/// (`access::require_staff`).
pub fn may_log_breach(user: &UserId, restriction_function_id: i64) -> Reporter {
    Reporter::issue(user, restriction_function_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_heads_and_deputies_may_decide_restrictions() {
        assert!(Role::Head.may_decide_restrictions());
        assert!(Role::Deputy.may_decide_restrictions());
        assert!(!Role::Manager.may_decide_restrictions());
        assert!(!Role::Member.may_decide_restrictions());
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("boss".parse::<Role>().is_err());
    }

    #[test]
    fn function_names_are_trimmed_and_bounded() {
        assert_eq!(
            FunctionName::parse("  Casework ").map(|n| n.0),
            Ok("Casework".into())
        );
        assert!(FunctionName::parse("   ").is_err());
        assert!(FunctionName::parse(&"x".repeat(81)).is_err());
    }

    #[test]
    fn managers_heads_and_deputies_manage_and_anyone_in_the_function_reports() {
        let user = UserId::from_slack("U0STAFF");
        for role in [Role::Manager, Role::Head, Role::Deputy] {
            let proof = may_manage(&user, 3, &[role]).expect("manages");
            assert_eq!((proof.user(), proof.function_id()), (&user, 3));
        }
        assert_eq!(may_manage(&user, 3, &[Role::Member]), Err(NotAManager));
        assert_eq!(may_manage(&user, 3, &[]), Err(NotAManager));
        assert!(may_report(&user, 3, &[Role::Member], true).is_ok());
        assert_eq!(may_report(&user, 3, &[], true), Err(NotInFunction));
        // Someone in no function at all has no function of their own to report to.
        assert!(may_report(&user, 3, &[], false).is_ok());
        assert_eq!(may_log_breach(&user, 4).function_id(), 4);
    }
}
