//! Who may do what, checked against the database at the moment of acting (never from
//! what a Slack message says). Kept apart from the handlers so each rule is in one place.

use crate::domain::roles::Role;
use crate::domain::UserId;
use crate::store::{RoleHolding, Store, StoreResult};

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
