//! Who may do what, checked against the database at the moment of acting (never from
//! what a Slack message says). Kept apart from the handlers so each rule is in one place.

use crate::config::StaffScope;
use crate::domain::authority::{Decider, DisputeHandler, Manager, Reporter, Withdrawer};
use crate::domain::dispute::{self, DisputedDecision, HandlerCandidate};
use crate::domain::restriction;
use crate::domain::roles::{self, Role};
use crate::domain::UserId;
use crate::store::records::{RequestRecord, RestrictionRecord};
use crate::store::{FunctionSummary, RoleHolding, Store, StoreResult};

/// What one user may do, loaded once per request from the database (never from what a
/// Slack message says). Its methods ask the domain's rules and hand out the proofs the
/// store's writes demand (`domain::authority`), or a refusal saying who may act instead.
#[derive(Debug, Clone)]
pub struct Authority {
    user: UserId,
    admin: bool,
    roles: Vec<RoleHolding>,
}

impl Authority {
    /// Reads `user`'s roles and whether they are an admin.
    pub async fn load(store: &dyn Store, user: &UserId) -> StoreResult<Self> {
        Ok(Self {
            user: user.clone(),
            admin: store.is_admin(user).await?,
            roles: store.roles_of(user).await?,
        })
    }

    pub fn user(&self) -> &UserId {
        &self.user
    }

    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// Their roles in one function.
    pub fn roles_in(&self, function_id: i64) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|r| r.function_id == function_id)
            .map(|r| r.role)
            .collect()
    }

    /// A manager, head or deputy of `function_id` (`roles::may_manage`).
    pub fn manages(&self, function_id: i64) -> Result<Manager, Denied> {
        roles::may_manage(&self.user, function_id, &self.roles_in(function_id))
            .map_err(|e| Denied(e.to_string()))
    }

    /// May handle (and resolve) a dispute of `restriction` through the internal
    /// complaints procedure (§7, `dispute::may_handle`); a refusal says why and who may
    /// instead ([`may_handle_dispute`]).
    pub async fn handles_dispute(
        &self,
        store: &dyn Store,
        restriction: &RestrictionRecord,
    ) -> StoreResult<Result<DisputeHandler, Denied>> {
        let complaints_handler = store.list_complaints_handlers().await?.contains(&self.user);
        let requester = UserId::from_slack(restriction.requested_by.clone());
        let approver = UserId::from_slack(restriction.approved_by.clone());
        let roles = self.roles_in(restriction.function_id);
        let candidate = HandlerCandidate {
            user: &self.user,
            complaints_handler,
            roles: &roles,
        };
        let decision = DisputedDecision {
            requester: &requester,
            approver: &approver,
            function_id: restriction.function_id,
        };
        match dispute::may_handle(&candidate, &decision) {
            Ok(proof) => Ok(Ok(proof)),
            Err(refused) => Ok(Err(may_handle_dispute(store, &self.user, restriction)
                .await?
                .err()
                .unwrap_or_else(|| Denied(refused.to_string())))),
        }
    }

    /// Anyone with a role in `function_id`, or staff in no function yet
    /// (`roles::may_report`).
    pub fn reports_in(&self, function_id: i64) -> Result<Reporter, Denied> {
        roles::may_report(
            &self.user,
            function_id,
            &self.roles_in(function_id),
            !self.roles.is_empty(),
        )
        .map_err(|e| Denied(e.to_string()))
    }

    /// Any member of staff logs a breach of a restriction in force in `function_id`
    /// (`roles::may_log_breach`).
    pub fn logs_breach_in(&self, function_id: i64) -> Reporter {
        roles::may_log_breach(&self.user, function_id)
    }

    /// The head or a deputy of the request's function who is not its requester, and the
    /// head alone after a head's rejection (`restriction::may_decide`,
    /// `restriction::head_reserved`). `rejected_by_head` is that rejection's reference.
    pub fn decides(
        &self,
        request: &RequestRecord,
        rejected_by_head: Option<&str>,
    ) -> Result<Decider, Denied> {
        let roles = self.roles_in(request.function_id);
        let decider = restriction::may_decide(
            &self.user,
            &UserId::from_slack(request.requested_by.clone()),
            request.function_id,
            &roles,
        )
        .map_err(|e| Denied(e.to_string()))?;
        restriction::head_reserved(&roles, rejected_by_head).map_err(|e| Denied(e.to_string()))?;
        Ok(decider)
    }

    /// The requester of the request, or the head of its function
    /// (`restriction::may_withdraw`).
    pub fn withdraws(&self, request: &RequestRecord) -> Result<Withdrawer, Denied> {
        restriction::may_withdraw(
            &self.user,
            &UserId::from_slack(request.requested_by.clone()),
            request.function_id,
            &self.roles_in(request.function_id),
        )
        .map_err(|e| Denied(e.to_string()))
    }
}

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

/// What Slack says about the person asking (`users.info`; see `slack::staff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// An active full member of the workspace.
    FullMember,
    /// A guest (single- or multi-channel), a bot or app, a deactivated account, or someone
    /// Slack does not know.
    NotFullMember,
    /// Slack did not answer in time, and it has not answered about them before.
    Unknown,
}

/// What a guest, a bot or a deactivated account is told, whatever they asked.
pub const NOT_AVAILABLE: &str = "Sorry, the contact register is not available to you: it is for the organisation's own staff (full members of this workspace), not for guests or apps. If you are a member of staff, ask an admin of the contact register.";
/// What a full member is told when `STAFF=enrolled` and they are in no function.
pub const NOT_ENROLLED: &str = "Sorry, the contact register is not available to you yet: it is for staff enrolled in a function. Ask an admin of the contact register to add you to your function.";
/// What someone Slack could not vouch for just now is told. Nothing was done.
pub const NOT_CONFIRMED: &str = "Slack did not confirm just now that you are a member of staff, so nothing was done. Please try again in a minute.";

/// Whether someone is staff (R-DP-3): always a full member of the workspace, and under
/// `STAFF=enrolled` also enrolled in a function (any role) or an admin. When Slack has
/// never answered about them and does not answer in time, only someone enrolled is let
/// through: an admin put them in the register, so they are known staff; anyone else is
/// asked to try again. `enrolled` is asked only when the answer depends on it.
pub fn staff_decision(
    membership: Membership,
    scope: StaffScope,
    enrolled: impl FnOnce() -> bool,
) -> Result<(), Denied> {
    let refuse = |text: &str| Err(Denied(text.to_owned()));
    match (membership, scope) {
        (Membership::NotFullMember, _) => refuse(NOT_AVAILABLE),
        (Membership::FullMember, StaffScope::FullMembers) => Ok(()),
        (Membership::FullMember, StaffScope::Enrolled) => {
            if enrolled() {
                Ok(())
            } else {
                refuse(NOT_ENROLLED)
            }
        }
        (Membership::Unknown, _) => {
            if enrolled() {
                Ok(())
            } else {
                refuse(NOT_CONFIRMED)
            }
        }
    }
}

/// [`staff_decision`] for `user`, reading their enrolment only when it matters.
pub async fn require_staff(
    store: &dyn Store,
    user: &UserId,
    membership: Membership,
    scope: StaffScope,
) -> StoreResult<Result<(), Denied>> {
    let needs_enrolment = matches!(
        (membership, scope),
        (Membership::Unknown, _) | (Membership::FullMember, StaffScope::Enrolled)
    );
    let enrolled = needs_enrolment
        && (!store.roles_of(user).await?.is_empty() || store.is_admin(user).await?);
    Ok(staff_decision(membership, scope, || enrolled))
}

/// Who may record a person's access requirements and further identifiers.
/// The refusal for someone who manages no function, for what they tried (`doing`, e.g.
/// "warn a service user"): it says who may instead.
pub fn for_managers_only(doing: &str) -> Denied {
    Denied(format!(
        "Only a manager, head or deputy of a function can {doing}. Ask your manager to do it; `/contact check` shows how to handle contact."
    ))
}

/// What the managers, heads and deputies of any function may do (`/contact access`,
/// `warn`, `dispute`, `review`, `foi`, `correct`; R-DP-3); anyone else is refused with
/// [`for_managers_only`].
pub async fn require_any_manager(
    store: &dyn Store,
    user: &UserId,
    doing: &str,
) -> StoreResult<Result<(), Denied>> {
    Ok(if managed_functions(store, user).await?.is_empty() {
        Err(for_managers_only(doing))
    } else {
        Ok(())
    })
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
        function_id: restriction.function_id,
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
            function_id: restriction.function_id,
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
    let functions = store.list_functions().await?;
    let Some(function) = functions.iter().find(|f| f.id == function_id) else {
        return Ok(Vec::new());
    };
    let (head, deputies) = deciders_in(function, excluding, head_only);
    let mut out: Vec<UserId> = head.into_iter().chain(deputies).collect();
    out.dedup();
    Ok(out)
}

/// The deciders of `function` (§6), split as the scheduler reaches them: the head first,
/// then the deputies, never `excluding`; no deputy when `head_only` and there is a head
/// (a head's rejection stands: finding 11).
pub fn deciders_in(
    function: &FunctionSummary,
    excluding: &UserId,
    head_only: bool,
) -> (Option<UserId>, Vec<UserId>) {
    let head = function.head.clone().filter(|h| h != excluding);
    let deputies = if head_only && function.head.is_some() {
        Vec::new()
    } else {
        function
            .deputies
            .iter()
            .filter(|d| *d != excluding && Some(*d) != function.head.as_ref())
            .cloned()
            .collect()
    };
    (head, deputies)
}

/// Who hears that something in `function` is overdue, every time it is reminded (R-REM-2):
/// its head, or its deputies when it has none.
pub fn escalation_of(function: &FunctionSummary) -> Vec<UserId> {
    match &function.head {
        Some(head) => vec![head.clone()],
        None => function.deputies.clone(),
    }
}

/// Who acts on a function's police reports (§4): its managers, or, when it has none, the
/// people it escalates to ([`escalation_of`]).
pub fn managers_of(function: &FunctionSummary) -> Vec<UserId> {
    if function.managers.is_empty() {
        escalation_of(function)
    } else {
        function.managers.clone()
    }
}

/// Whether a request for the person in the function answers to the head's rejection of
/// their last request (§6: a head's rejection stands), and if so that request's reference.
/// `before` is the new request when it exists already (a waiting request the scheduler
/// reminds about): only a rejection decided before it was made counts.
pub async fn head_rejection_of(
    store: &dyn Store,
    person_id: i64,
    function_id: i64,
    before: Option<(i64, chrono::DateTime<chrono::Utc>)>,
) -> StoreResult<Option<String>> {
    let Some(rejected) = store.standing_rejection(person_id, function_id).await? else {
        return Ok(None);
    };
    if before.is_some_and(|(id, at)| id == rejected.id || at < rejected.requested_at) {
        return Ok(None);
    }
    let Some(by) = rejected.decided_by.as_deref() else {
        return Ok(None);
    };
    // As the head when they rejected it: a later change of head changes nothing.
    let by_head = match rejected.decided_as_head {
        Some(as_head) => as_head,
        None => roles_in(store, &UserId::from_slack(by), function_id)
            .await?
            .contains(&Role::Head),
    };
    Ok(by_head.then_some(rejected.reference))
}

/// Whether the head of the function rejected the latest proposal to continue at this
/// review: then the next proposal is for the head alone (§6: a head's rejection stands).
pub async fn head_rejected_at_review(
    store: &dyn Store,
    review_id: i64,
    function_id: i64,
) -> StoreResult<bool> {
    let Some(rejected) = store.last_rejected_continuation(review_id).await? else {
        return Ok(false);
    };
    let Some(by) = rejected.decided_by else {
        return Ok(false);
    };
    // As the head when they rejected it: a later change of head changes nothing.
    Ok(match rejected.decided_as_head {
        Some(as_head) => as_head,
        None => roles_in(store, &UserId::from_slack(by), function_id)
            .await?
            .contains(&Role::Head),
    })
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

/// Who may read the fairness and consistency report (R-DP-5, §2), and of which functions:
/// admins read every function's (`Ok(None)`), a head of function their own functions'
/// (`Ok(Some(ids))`); anyone else is refused and told who may.
pub fn governance_reader(
    authority: &Authority,
    functions: &[FunctionSummary],
) -> Result<Option<Vec<i64>>, Denied> {
    if authority.is_admin() {
        return Ok(None);
    }
    let headed: Vec<i64> = functions
        .iter()
        .filter(|f| authority.roles_in(f.id).contains(&Role::Head))
        .map(|f| f.id)
        .collect();
    if headed.is_empty() {
        return Err(Denied(
            "Only admins (for every function) and heads of function (for their own function) can read the governance report. Ask an admin or your head of function for it."
                .to_owned(),
        ));
    }
    Ok(Some(headed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_dp_3_guests_bots_and_the_departed_are_never_staff() {
        for scope in [StaffScope::FullMembers, StaffScope::Enrolled] {
            assert_eq!(
                staff_decision(Membership::NotFullMember, scope, || true),
                Err(Denied(NOT_AVAILABLE.to_owned()))
            );
        }
    }

    #[test]
    fn r_dp_3_full_members_are_staff_and_enrolled_narrows_them_to_functions() {
        assert_eq!(
            staff_decision(Membership::FullMember, StaffScope::FullMembers, || {
                panic!("enrolment need not be read")
            }),
            Ok(())
        );
        assert_eq!(
            staff_decision(Membership::FullMember, StaffScope::Enrolled, || true),
            Ok(())
        );
        assert_eq!(
            staff_decision(Membership::FullMember, StaffScope::Enrolled, || false),
            Err(Denied(NOT_ENROLLED.to_owned()))
        );
    }

    #[test]
    fn r_dp_3_when_slack_cannot_say_only_enrolled_staff_are_let_through() {
        for scope in [StaffScope::FullMembers, StaffScope::Enrolled] {
            assert_eq!(staff_decision(Membership::Unknown, scope, || true), Ok(()));
            assert_eq!(
                staff_decision(Membership::Unknown, scope, || false),
                Err(Denied(NOT_CONFIRMED.to_owned()))
            );
        }
    }
}
