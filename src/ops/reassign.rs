//! `admin reassign --from U… --to U…`: hands a leaver's open items to someone else. Each
//! item needs a role of whoever takes it (the permission layer's rules, as in Slack): a
//! decision needs the function's head or a deputy who did not make the request; a dispute
//! someone who may handle it (§7); reviews and letters a manager, head or deputy of the
//! function. If the new person lacks one, nothing moves and the refusal says who has it.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::bail;
use chrono::{DateTime, Utc};

use crate::access;
use crate::domain::{Actor, UserId};
use crate::store::ops::{HandoverKind, OpenItem};
use crate::store::{FunctionSummary, Store};

/// The kinds of item `--kind` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ItemKind {
    Decisions,
    Disputes,
    Reviews,
    Letters,
}

impl ItemKind {
    /// Decisions are both kinds a head or deputy decides: requests and proposals to
    /// continue at review.
    fn includes(self, kind: HandoverKind) -> bool {
        match self {
            ItemKind::Decisions => {
                matches!(kind, HandoverKind::Decision | HandoverKind::Authorisation)
            }
            ItemKind::Disputes => kind == HandoverKind::Dispute,
            ItemKind::Reviews => kind == HandoverKind::Review,
            ItemKind::Letters => kind == HandoverKind::Letter,
        }
    }
}

pub async fn run(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    from: &str,
    to: &str,
    kinds: &[ItemKind],
) -> anyhow::Result<String> {
    let (from, to) = (UserId::parse(from)?, UserId::parse(to)?);
    if from == to {
        bail!("--from and --to are both {from}: name the person taking the items over");
    }
    let items: Vec<OpenItem> = store
        .open_items_of(&from, now)
        .await?
        .into_iter()
        .filter(|item| kinds.is_empty() || kinds.iter().any(|k| k.includes(item.kind)))
        .collect();
    if items.is_empty() {
        return Ok(format!("{from} holds no open items: nothing to hand over"));
    }
    let functions: HashMap<i64, FunctionSummary> = store
        .list_functions()
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let mut refusals = Vec::new();
    for item in &items {
        if let Some(why) = refusal(store, &functions, item, &to).await? {
            refusals.push(format!("  {}: {why}", described(item)));
        }
    }
    if !refusals.is_empty() {
        bail!(
            "{to} cannot take over every item, so nothing was handed over:\n{}",
            refusals.join("\n")
        );
    }
    let moved = store.hand_over(&items, &from, &to, actor, now).await?;
    let mut out = format!("handed {moved} of {from}'s open items to {to}:\n");
    for item in &items {
        let _ = writeln!(out, "  {}", described(item));
    }
    let _ = write!(
        out,
        "Reminders about them now go to {to}. {from}'s roles are unchanged: remove them with remove-manager, remove-deputy, remove-member or set-head."
    );
    Ok(out)
}

fn described(item: &OpenItem) -> String {
    match item.kind {
        HandoverKind::Decision => format!("{} to decide", item.reference),
        HandoverKind::Authorisation => format!(
            "the proposal to continue at {} to authorise",
            item.reference
        ),
        HandoverKind::Dispute => format!("dispute {} to resolve", item.reference),
        HandoverKind::Review => format!("reviews of {}", item.reference),
        HandoverKind::Letter => format!("{} to send", item.reference),
    }
}

fn names(users: &[UserId]) -> String {
    if users.is_empty() {
        return "no one".to_owned();
    }
    users
        .iter()
        .map(UserId::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `to` may not take `item`, naming who may; `None` when they may.
async fn refusal(
    store: &dyn Store,
    functions: &HashMap<i64, FunctionSummary>,
    item: &OpenItem,
    to: &UserId,
) -> anyhow::Result<Option<String>> {
    let Some(function) = functions.get(&item.function_id) else {
        return Ok(Some(format!(
            "its function {} no longer exists",
            item.function_id
        )));
    };
    Ok(match item.kind {
        HandoverKind::Decision => {
            let requester = match store.request(item.id).await? {
                Some(request) => UserId::from_slack(request.requested_by),
                None => return Ok(Some("the request is no longer on record".to_owned())),
            };
            let (head, deputies) = access::deciders_in(function, &requester, false);
            let deciders: Vec<UserId> = head.into_iter().chain(deputies).collect();
            (!deciders.contains(to)).then(|| {
                format!(
                    "deciding it needs the head or a deputy of {} who did not make the request (who may: {})",
                    function.name,
                    names(&deciders)
                )
            })
        }
        HandoverKind::Authorisation => {
            let proposer = match store.continuation(item.id).await? {
                Some(proposal) => UserId::from_slack(proposal.proposed_by),
                None => return Ok(Some("the proposal is no longer on record".to_owned())),
            };
            let (head, deputies) = access::deciders_in(function, &proposer, false);
            let deciders: Vec<UserId> = head.into_iter().chain(deputies).collect();
            (!deciders.contains(to)).then(|| {
                format!(
                    "authorising it needs the head or a deputy of {} who did not propose it (who may: {})",
                    function.name,
                    names(&deciders)
                )
            })
        }
        HandoverKind::Dispute => {
            let restriction = match item.restriction_id {
                Some(id) => store.restriction(id).await?,
                None => None,
            };
            let Some(restriction) = restriction else {
                return Ok(Some("its restriction is no longer on record".to_owned()));
            };
            let handlers = access::dispute_handlers(store, &restriction, None).await?;
            (!handlers.contains(to)).then(|| {
                format!(
                    "it needs a complaints handler, or a manager of {} who neither requested nor approved {} (§7) (who may: {})",
                    function.name,
                    restriction.reference,
                    names(&handlers)
                )
            })
        }
        HandoverKind::Review | HandoverKind::Letter => {
            let mut managing: Vec<UserId> = function.head.iter().cloned().collect();
            managing.extend(function.deputies.iter().cloned());
            managing.extend(function.managers.iter().cloned());
            managing.dedup();
            (!managing.contains(to)).then(|| {
                format!(
                    "it needs a manager, head or deputy of {} (who are: {})",
                    function.name,
                    names(&managing)
                )
            })
        }
    })
}
