//! Proofs of authority: values that say "this person may do this, here", which the store's
//! writes demand. Each is made only inside `domain/`, by the rule that grants it
//! (`restriction::may_decide` makes a [`Decider`], …); `access.rs` loads a user's roles
//! once per request and asks those rules. A handler that skipped the check has no proof
//! to hand the store, so "decided by someone who may not" cannot be written.
//!
//! A proof names its holder, so the store records the proof's holder as the actor: the
//! person checked is always the person recorded.

use crate::domain::{Actor, UserId};

macro_rules! proof {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            user: UserId,
            function_id: i64,
        }

        impl $name {
            /// Issued only by the domain rule that grants it.
            #[allow(dead_code)]
            pub(in crate::domain) fn issue(user: &UserId, function_id: i64) -> Self {
                Self {
                    user: user.clone(),
                    function_id,
                }
            }

            /// Who holds it.
            pub fn user(&self) -> &UserId {
                &self.user
            }

            /// The function it holds in.
            pub fn function_id(&self) -> i64 {
                self.function_id
            }

            /// The holder, as the audit trail records them.
            pub fn actor(&self) -> Actor {
                Actor::user(&self.user)
            }
        }
    };
}

proof!(
    /// A member of staff of the function, filing a report there (R-RPT-1, R-DP-3).
    Reporter
);
proof!(
    /// A manager, head or deputy of the function: warns, requests, records police reports,
    /// FOI refusals and access requirements, proposes continuing at review (§4–§8).
    Manager
);
proof!(
    /// The head of the function or a deputy, who is not the requester (or proposer) and is
    /// not overturning a head's rejection: decides a request or authorises continuing (§6).
    Decider
);
/// The requester of a pending request, or the head of its function (finding 11); or the
/// bot itself, closing a variation that can no longer be approved
/// (`restriction::system_withdraws_unapprovable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawer {
    /// `None` when the bot withdraws.
    user: Option<UserId>,
    function_id: i64,
}

impl Withdrawer {
    /// Issued only by `restriction::may_withdraw`.
    pub(in crate::domain) fn issue(user: &UserId, function_id: i64) -> Self {
        Self {
            user: Some(user.clone()),
            function_id,
        }
    }

    /// Issued only by `restriction::system_withdraws_unapprovable`.
    pub(in crate::domain) fn system(function_id: i64) -> Self {
        Self {
            user: None,
            function_id,
        }
    }

    /// Who holds it: `None` when it is the bot.
    pub fn user(&self) -> Option<&UserId> {
        self.user.as_ref()
    }

    /// The function it holds in.
    pub fn function_id(&self) -> i64 {
        self.function_id
    }

    /// The holder, as the audit trail records them (the bot is `system`).
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(user) => Actor::user(user),
            None => Actor::system(),
        }
    }
}
proof!(
    /// A complaints handler, or a manager of the function who neither requested nor
    /// approved the restriction (§7).
    DisputeHandler
);
