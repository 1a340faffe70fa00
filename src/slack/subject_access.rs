//! `/contact export <person>` (R-DP-1): an admin of the register asks for everything held
//! about a person and receives `SU-<id>.json` and `SU-<id>.html` in their DM. Anyone else
//! is refused and told who can do it.
//!
//! The answer comes at once ("on its way to your DM"); the file is gathered, staff are
//! named through Slack (`users.info`, which may take a while for many staff) and the two
//! files are queued after the answer, in a task of their own, so the slash command is
//! answered within Slack's 3 seconds however much the register holds. The uploads leave
//! through the outbox with subject `service_user/<id>` (so erasure can find and delete
//! them), in one transaction with the export's audit event. The files' titles and the
//! DM's text name the person by reference only, never by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use slack_morphism::prelude::*;
use tokio::sync::Notify;

use super::ctx::{text, Ctx, Reply};
use super::find::pick;
use super::ids::Action;
use super::outbound::SlackCall;
use super::send;
use super::staff::StaffDirectory;
use crate::access::Authority;
use crate::domain::{Actor, UserId};
use crate::slack::error::ApiError;
use crate::store::records::PersonRecord;
use crate::store::{NewOutboxMessage, Store, StoreResult};
use crate::subject_access::{reference, render, Documents, Export, StaffNames};

/// What a member of staff who is not an admin is told.
pub const NOT_AN_ADMIN: &str = "Only an admin of the contact register can export everything held about a person (subject access, R-DP-1). Ask one of the register's admins to do it: whoever runs the bot can list them with `contact-policy-bot admin list-admins`.";

/// `/contact export <person>`.
pub async fn export(ctx: &Ctx<'_>, query: &str) -> Result<Reply, ApiError> {
    if !is_admin(ctx).await? {
        return Ok(text(NOT_AN_ADMIN));
    }
    Ok(
        match pick(
            ctx,
            query,
            "export",
            Action::ExportPerson.as_str(),
            "Export",
        )
        .await?
        {
            Ok(person) => start(ctx, &person),
            Err(reply) => reply,
        },
    )
}

/// The "Export" button on one of several matches.
pub async fn export_person(ctx: &Ctx<'_>, person: &PersonRecord) -> Result<Reply, ApiError> {
    if !is_admin(ctx).await? {
        return Ok(text(NOT_AN_ADMIN));
    }
    Ok(start(ctx, person))
}

async fn is_admin(ctx: &Ctx<'_>) -> Result<bool, ApiError> {
    Ok(Authority::load(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .is_admin())
}

/// Starts the export of `person` for the admin in `ctx`, and answers at once.
fn start(ctx: &Ctx<'_>, person: &PersonRecord) -> Reply {
    let job = ExportJob {
        store: Arc::clone(&ctx.state.store),
        staff: Arc::clone(&ctx.state.staff),
        wake: Arc::clone(&ctx.state.outbox_wake),
        zone: ctx.state.timezone,
        admin: ctx.user.clone(),
        person_id: person.id,
        now: ctx.now,
    };
    tokio::spawn(job.run());
    text(&format!(
        "The subject access export of {} (JSON and a readable HTML document) is on its way to your DM.",
        reference(person.id)
    ))
}

/// One export, after the slash command was answered.
struct ExportJob {
    store: Arc<dyn Store>,
    staff: Arc<StaffDirectory>,
    wake: Arc<Notify>,
    zone: Tz,
    admin: UserId,
    person_id: i64,
    now: DateTime<Utc>,
}

impl ExportJob {
    async fn run(self) {
        match self.deliver().await {
            Ok(()) => {
                tracing::info!(
                    person_id = self.person_id,
                    via = "slack",
                    "subject access export queued"
                );
            }
            Err(error) => {
                tracing::error!(person_id = self.person_id, %error, "subject access export failed");
                let _ = self
                    .store
                    .enqueue(&[self.failure_dm()], None, self.now)
                    .await;
            }
        }
        self.wake.notify_one();
    }

    async fn deliver(&self) -> StoreResult<()> {
        let Some(file) = self.store.subject_access_file(self.person_id).await? else {
            return Err(crate::store::StoreError::not_found(format!(
                "person {}",
                self.person_id
            )));
        };
        let mut names = BTreeMap::new();
        for staff in file.staff.keys() {
            let Ok(user) = UserId::parse(staff) else {
                continue;
            };
            if let Some(name) = self.staff.name_of(&user).await {
                names.insert(staff.clone(), name);
            }
        }
        let documents = render(&Export {
            file: &file,
            names: &StaffNames::FromSlack(names),
            made_by: self.admin.as_str(),
            made_at: self.now,
            zone: self.zone,
        });
        self.store
            .record_export(
                &Actor::user(&self.admin),
                self.person_id,
                "slack",
                &self.uploads(&documents),
                self.now,
            )
            .await
    }

    /// The two files, to the admin's DM, as outbox rows about the person.
    fn uploads(&self, documents: &Documents) -> Vec<NewOutboxMessage> {
        let key = format!(
            "subject_access:{}:{}:{}",
            self.person_id,
            self.admin,
            self.now.timestamp_nanos_opt().unwrap_or_default()
        );
        let files = [
            (
                documents.json_filename(),
                "JSON",
                "application/json",
                &documents.json,
            ),
            (
                documents.html_filename(),
                "readable document",
                "text/html",
                &documents.html,
            ),
        ];
        files
            .into_iter()
            .filter_map(|(filename, what, content_type, content)| {
                let upload = SlackCall::UploadToUser {
                    user: self.admin.to_string(),
                    title: format!("Subject access export {} ({what})", documents.reference),
                    filename: filename.clone(),
                    content_type: content_type.to_owned(),
                    content: content.clone(),
                    content_base64: None,
                };
                upload
                    .into_outbox(
                        format!("{key}:{filename}"),
                        Some(("service_user", self.person_id.to_string())),
                    )
                    .ok()
            })
            .collect()
    }

    fn failure_dm(&self) -> NewOutboxMessage {
        send::dm(
            &self.admin,
            SlackMessageContent::new().with_text(format!(
                "The subject access export of {} could not be made just now. Please try again; if it fails again, whoever runs the bot can make it with `contact-policy-bot admin export-person {} --out DIR`.",
                reference(self.person_id),
                reference(self.person_id)
            )),
            format!(
                "subject_access_failed:{}:{}:{}",
                self.person_id,
                self.admin,
                self.now.timestamp_nanos_opt().unwrap_or_default()
            ),
        )
    }
}
