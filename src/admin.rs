//! `contact-policy-bot admin …`: setting up functions, their head, deputies, managers
//! and members, and the admins themselves. Every change writes an audit event naming
//! the operator (`--actor`).

use std::fmt::Write as _;

use clap::Subcommand;

use crate::clock::Clock;
use crate::domain::roles::{FunctionName, Role};
use crate::domain::{Actor, UserId};
use crate::store::Store;

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Create a function (a team or directorate with its own head).
    AddFunction {
        name: String,
    },
    /// List functions with their head, deputies, managers and members.
    ListFunctions,
    /// Make USER the head of FUNCTION (replaces any previous head).
    SetHead {
        function: String,
        user: String,
    },
    /// Name USER as a deputy who may decide restriction requests for FUNCTION.
    AddDeputy {
        function: String,
        user: String,
    },
    RemoveDeputy {
        function: String,
        user: String,
    },
    /// Make USER a manager in FUNCTION.
    AddManager {
        function: String,
        user: String,
    },
    RemoveManager {
        function: String,
        user: String,
    },
    /// Make USER a member of staff in FUNCTION.
    AddMember {
        function: String,
        user: String,
    },
    RemoveMember {
        function: String,
        user: String,
    },
    /// Let USER administer the bot (roles, exports, erasure).
    AddAdmin {
        user: String,
    },
    RemoveAdmin {
        user: String,
    },
    ListAdmins,
    /// Name USER a complaints handler (§7): a role outside the functions, who may handle
    /// any dispute of a restriction they neither requested nor approved.
    GrantComplaintsHandler {
        user: String,
    },
    RevokeComplaintsHandler {
        user: String,
    },
    ListComplaintsHandlers,
    /// Retention (R-DP-2): list who is due for erasure and why (--dry-run, changes
    /// nothing), or erase them (--apply). People are named SU-<id> only.
    Retention {
        #[arg(long, conflicts_with = "apply", required_unless_present = "apply")]
        dry_run: bool,
        #[arg(long)]
        apply: bool,
        #[command(flatten)]
        settings: crate::retention::RetentionArgs,
    },
    /// Place a legal hold on PERSON (id or SU-<id>): kept from erasure until released.
    Hold {
        person: String,
        #[arg(long)]
        reason: String,
    },
    /// Release the legal hold on PERSON.
    Release {
        person: String,
    },
    /// Erase PERSON's personal data on request (right to erasure). Refused while a
    /// restriction stands, a legal hold, dispute, review, pending request or outstanding
    /// police report keeps them. REASON is the ground (e.g. the request's reference), not
    /// the person's name.
    Erase {
        person: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        settings: crate::retention::RetentionArgs,
    },
    /// Export everything held about a person (subject access, R-DP-1): writes
    /// `SU-<id>.json` and `SU-<id>.html` into DIR, readable by you only. PERSON is the
    /// person's id (`12` or `SU-12`) or a phone number, email address or case reference
    /// that exactly one person holds.
    ExportPerson {
        person: String,
        /// The directory to write the two files into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
        /// The time zone the readable document shows times in.
        #[arg(long, env = "TIMEZONE", default_value = "Europe/London")]
        timezone: chrono_tz::Tz,
    },
    /// The fairness and consistency report (R-DP-5) for every function, as CSV or JSON:
    /// counts only, any count from 1 to 4 shown as "fewer than 5". The reading is audited.
    Governance(crate::governance::AdminArgs),
    #[command(flatten)]
    Ops(crate::ops::OpsCommand),
}

/// Runs one admin command and returns what to print.
pub async fn run(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    command: AdminCommand,
) -> anyhow::Result<String> {
    let now = clock.now();
    let grant = |function: String, user: String, role: Role| async move {
        let (function, user) = (FunctionName::parse(&function)?, UserId::parse(&user)?);
        store.grant_role(&function, &user, role, actor, now).await?;
        anyhow::Ok(format!("{user} is now {role} of {function}"))
    };
    let revoke = |function: String, user: String, role: Role| async move {
        let (function, user) = (FunctionName::parse(&function)?, UserId::parse(&user)?);
        store
            .revoke_role(&function, &user, role, actor, now)
            .await?;
        anyhow::Ok(format!("{user} is no longer {role} of {function}"))
    };
    match command {
        AdminCommand::AddFunction { name } => {
            let name = FunctionName::parse(&name)?;
            if let Some(existing) = store.function_by_name(&name).await? {
                anyhow::bail!(
                    "a function named \"{}\" already exists: function names are unique whatever their case",
                    existing.name
                );
            }
            let id = store.add_function(&name, actor, now).await?;
            Ok(format!("created function {name} (id {id})"))
        }
        AdminCommand::ListFunctions => list_functions(store).await,
        AdminCommand::SetHead { function, user } => grant(function, user, Role::Head).await,
        AdminCommand::AddDeputy { function, user } => grant(function, user, Role::Deputy).await,
        AdminCommand::RemoveDeputy { function, user } => revoke(function, user, Role::Deputy).await,
        AdminCommand::AddManager { function, user } => grant(function, user, Role::Manager).await,
        AdminCommand::RemoveManager { function, user } => {
            revoke(function, user, Role::Manager).await
        }
        AdminCommand::AddMember { function, user } => grant(function, user, Role::Member).await,
        AdminCommand::RemoveMember { function, user } => revoke(function, user, Role::Member).await,
        AdminCommand::AddAdmin { user } => {
            let user = UserId::parse(&user)?;
            store.add_admin(&user, actor, now).await?;
            Ok(format!("{user} is now an admin"))
        }
        AdminCommand::RemoveAdmin { user } => {
            let user = UserId::parse(&user)?;
            store.remove_admin(&user, actor, now).await?;
            Ok(format!("{user} is no longer an admin"))
        }
        AdminCommand::ListAdmins => {
            let admins = store.list_admins().await?;
            if admins.is_empty() {
                return Ok("no admins".to_owned());
            }
            Ok(admins
                .iter()
                .map(UserId::to_string)
                .collect::<Vec<_>>()
                .join("\n"))
        }
        AdminCommand::GrantComplaintsHandler { user } => {
            let user = UserId::parse(&user)?;
            store.add_complaints_handler(&user, actor, now).await?;
            Ok(format!("{user} is now a complaints handler"))
        }
        AdminCommand::RevokeComplaintsHandler { user } => {
            let user = UserId::parse(&user)?;
            store.remove_complaints_handler(&user, actor, now).await?;
            Ok(format!("{user} is no longer a complaints handler"))
        }
        AdminCommand::Retention {
            apply, settings, ..
        } => crate::retention::admin_retention(store, clock, actor, apply, &settings).await,
        AdminCommand::Hold { person, reason } => {
            crate::retention::admin_hold(store, clock, actor, &person, &reason).await
        }
        AdminCommand::Release { person } => {
            crate::retention::admin_release(store, clock, actor, &person).await
        }
        AdminCommand::Erase {
            person,
            reason,
            settings,
        } => crate::retention::admin_erase(store, clock, actor, &person, &reason, &settings).await,
        AdminCommand::ExportPerson {
            person,
            out,
            timezone,
        } => {
            crate::subject_access::cli::export_person(store, actor, now, &person, &out, timezone)
                .await
        }
        AdminCommand::Ops(command) => crate::ops::run(store, clock, actor, command).await,
        AdminCommand::Governance(args) => {
            crate::governance::admin_report(store, actor, now, args).await
        }
        AdminCommand::ListComplaintsHandlers => {
            let handlers = store.list_complaints_handlers().await?;
            if handlers.is_empty() {
                return Ok("no complaints handlers".to_owned());
            }
            Ok(handlers
                .iter()
                .map(UserId::to_string)
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

async fn list_functions(store: &dyn Store) -> anyhow::Result<String> {
    let functions = store.list_functions().await?;
    if functions.is_empty() {
        return Ok("no functions".to_owned());
    }
    let retired = store.retired_functions().await?;
    let join = |users: &[UserId]| {
        if users.is_empty() {
            "-".to_owned()
        } else {
            users
                .iter()
                .map(UserId::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut out = String::new();
    for f in &functions {
        let head = f
            .head
            .as_ref()
            .map_or_else(|| "-".to_owned(), UserId::to_string);
        let _ = writeln!(
            out,
            "{}{}\n  head: {head}\n  deputies: {}\n  managers: {}\n  members: {}",
            f.name,
            if retired.contains(&f.id) {
                " (retired)"
            } else {
                ""
            },
            join(&f.deputies),
            join(&f.managers),
            join(&f.members)
        );
    }
    Ok(out.trim_end().to_owned())
}
