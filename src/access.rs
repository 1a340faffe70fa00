//! Who may do what, checked against the database at the moment of acting (never from
//! what a Slack message says). Kept apart from the handlers so each rule is in one place.

use crate::domain::dispute::{self, DisputedDecision, HandlerCandidate};
use crate::domain::roles::Role;
use crate::domain::UserId;
use crate::store::records::RestrictionRecord;
use crate::store::{FunctionSummary, RoleHolding, Store, StoreResult};

/// A refusal, worded for the person refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

/// The functions `user` belongs to in any role, deduplicated, in name order.
pub async fn functions_of(store: &dyn Store, user: &UserId) -> StoreResult<Vec<(i64, String)>> {
    let mut functions: Vec<(i64, String)> = store
        .roles_of(user)
        .await?
        .into_iter()
        .map(|r: RoleHolding| (r.function_id, r.function_name))
        .collect();
    functions.dedup();
    Ok(functions)
}

fn manages(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Head | Role::Deputy)
}

/// Managers, heads and deputies act on a function's records (police reports, FOI).
pub async fn require_manager_of(
    store: &dyn Store,
    user: &UserId,
    function_id: i64,
) -> StoreResult<Result<(), Denied>> {
    let holds = store
        .roles_of(user)
        .await?
        .iter()
        .any(|r| r.function_id == function_id && manages(r.role));
    Ok(if holds {
        Ok(())
    } else {
        Err(Denied(
            "Only a manager, head or deputy of that function can do this.".to_owned(),
        ))
    })
}

/// The functions `user` manages (as manager, head or deputy).
pub async fn managed_functions(
    store: &dyn Store,
    user: &UserId,
) -> StoreResult<Vec<(i64, String)>> {
    let mut functions: Vec<(i64, String)> = store
        .roles_of(user)
        .await?
        .into_iter()
        .filter(|r| manages(r.role))
        .map(|r| (r.function_id, r.function_name))
        .collect();
    functions.dedup();
    Ok(functions)
}

/// A person's whole case file is for managers, heads, deputies and admins (data
/// minimisation: staff see what they need through `/contact check`).
/// Whether `user` may open the case file of one person (R-DP-3): admins, and the
/// managers, heads and deputies of the functions that hold records on that person. A
/// manager of another function is told who may.
pub async fn may_read_case_file(
    store: &dyn Store,
    user: &UserId,
    person_id: i64,
) -> StoreResult<Result<(), Denied>> {
    if store.is_admin(user).await? {
        return Ok(Ok(()));
    }
    let holding = store.functions_holding_records(person_id).await?;
    let managed = managed_functions(store, user).await?;
    if managed.iter().any(|(id, _)| holding.contains(id)) {
        return Ok(Ok(()));
    }
    Ok(Err(Denied(
        "This case file is open to the managers, heads and deputies of the functions that hold records on this person, and to admins. Use `/contact check` to see how to handle contact."
            .to_owned(),
    )))
}

pub async fn require_case_file_reader(
    store: &dyn Store,
    user: &UserId,
) -> StoreResult<Result<(), Denied>> {
    if store.is_admin(user).await? || !managed_functions(store, user).await?.is_empty() {
        return Ok(Ok(()));
    }
    Ok(Err(Denied(
        "Case files are for managers, heads of function and admins. Use `/contact check` to see how to handle contact."
            .to_owned(),
    )))
}

/// Who may handle (and resolve) a dispute of `restriction` through the internal complaints
/// procedure (§7), as [`dispute::may_handle`] rules: the complaints handlers, then the
/// function's managers, with `first` (say, whoever is recording the dispute) ahead of the
/// other managers when they qualify.
pub async fn dispute_handlers(
    store: &dyn Store,
    restriction: &RestrictionRecord,
    first: Option<&UserId>,
) -> StoreResult<Vec<UserId>> {
    let complaints = store.list_complaints_handlers().await?;
    let function = store
        .list_functions()
        .await?
        .into_iter()
        .find(|f| f.id == restriction.function_id);
    let mut candidates = complaints.clone();
    if let Some(function) = &function {
        let mut managers = function.managers.clone();
        if let Some(first) = first {
            managers.sort_by_key(|m| m != first);
        }
        candidates.extend(managers);
    }
    let requester = UserId::from_slack(restriction.requested_by.clone());
    let approver = UserId::from_slack(restriction.approved_by.clone());
    let decision = DisputedDecision {
        requester: &requester,
        approver: &approver,
    };
    let mut out: Vec<UserId> = Vec::new();
    for user in candidates {
        if out.contains(&user) {
            continue;
        }
        let roles = function
            .as_ref()
            .map(|f| roles_held_in(f, &user))
            .unwrap_or_default();
        let candidate = HandlerCandidate {
            user: &user,
            complaints_handler: complaints.contains(&user),
            roles: &roles,
        };
        if dispute::may_handle(&candidate, &decision).is_ok() {
            out.push(user);
        }
    }
    Ok(out)
}

fn roles_held_in(function: &FunctionSummary, user: &UserId) -> Vec<Role> {
    let mut roles = Vec::new();
    if function.head.as_ref() == Some(user) {
        roles.push(Role::Head);
    }
    for (holders, role) in [
        (&function.deputies, Role::Deputy),
        (&function.managers, Role::Manager),
        (&function.members, Role::Member),
    ] {
        if holders.contains(user) {
            roles.push(role);
        }
    }
    roles
}

/// Whether `user` may handle or resolve a dispute of `restriction` (§7); a refusal says
/// why and who may instead.
pub async fn may_handle_dispute(
    store: &dyn Store,
    user: &UserId,
    restriction: &RestrictionRecord,
) -> StoreResult<Result<(), Denied>> {
    let handlers = dispute_handlers(store, restriction, None).await?;
    if handlers.contains(user) {
        return Ok(Ok(()));
    }
    let requester = UserId::from_slack(restriction.requested_by.clone());
    let approver = UserId::from_slack(restriction.approved_by.clone());
    let roles: Vec<Role> = store
        .roles_of(user)
        .await?
        .into_iter()
        .filter(|r| r.function_id == restriction.function_id)
        .map(|r| r.role)
        .collect();
    let complaints_handler = store.list_complaints_handlers().await?.contains(user);
    let why = dispute::may_handle(
        &HandlerCandidate {
            user,
            complaints_handler,
            roles: &roles,
        },
        &DisputedDecision {
            requester: &requester,
            approver: &approver,
        },
    )
    .err()
    .map(|e| format!("<@{user}> cannot handle it: {e}. "))
    .unwrap_or_default();
    let who = if handlers.is_empty() {
        "No one may yet: ask an admin to name a complaints handler (`contact-policy-bot admin grant-complaints-handler`).".to_owned()
    } else {
        format!(
            "Who may: {}.",
            handlers
                .iter()
                .map(|u| format!("<@{u}>"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Ok(Err(Denied(format!(
        "A dispute of {} goes through the internal complaints procedure (§7): a complaints handler, or a manager of the function who neither requested nor approved it, handles it; never the requester, the approver or their deputies. {why}{who}",
        restriction.reference
    ))))
}

/// Who may authorise restricting contact in a function (§6): its head and deputies, never
/// `excluding` (the manager who proposed it), head first; only the head when `head_only`
/// (the head's rejection stands) and there is one.
pub async fn deciders_of(
    store: &dyn Store,
    function_id: i64,
    excluding: &UserId,
    head_only: bool,
) -> StoreResult<Vec<UserId>> {
    let Some(function) = store
        .list_functions()
        .await?
        .into_iter()
        .find(|f| f.id == function_id)
    else {
        return Ok(Vec::new());
    };
    let deputies = if head_only && function.head.is_some() {
        Vec::new()
    } else {
        function.deputies
    };
    let mut out: Vec<UserId> = function
        .head
        .into_iter()
        .chain(deputies)
        .filter(|u| u != excluding)
        .collect();
    out.dedup();
    Ok(out)
}

/// The user's roles in one function.
pub async fn roles_in(
    store: &dyn Store,
    user: &UserId,
    function_id: i64,
) -> StoreResult<Vec<Role>> {
    Ok(store
        .roles_of(user)
        .await?
        .into_iter()
        .filter(|r| r.function_id == function_id)
        .map(|r| r.role)
        .collect())
}
