//! `/contact warn` (R-RES-1, R-LET-1): the written warning that comes before a
//! restriction, with its chance to adapt and its letter in the person's format.

use super::{ctx_actor, incidents_blocks, managed_function, one_person, read_incidents};
use super::{WARN, WARN_PERSON};
use crate::access;
use crate::domain::correction::{CorrectedRecord, RecordRef};
use crate::domain::restriction::{
    default_adapt_until, WarningDraft, WarningField, WarningNotOpen, MAX_BEHAVIOUR_CHARS,
};
use crate::letters::LetterKind;
use crate::slack::blocks::*;
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::letters::{base_letter, corrections_cited, incident_dates, render_letter};
use crate::slack::metadata::Metadata;
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::records::*;

pub async fn warn(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    ctx.managers_only("warn a service user").await?;
    match one_person(ctx, query, "warn", WARN_PERSON).await? {
        Ok(person) => open_warn_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

pub async fn open_warn_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let incidents = ctx.state.store.incidents_of(person.id).await?;
    if incidents.is_empty() {
        return Ok(text(&format!("{} has no reported incidents to warn them about. Report the behaviour first with `/contact report`.", escape(&person.name))));
    }
    let Some((function_id, _)) = managed_function(ctx, &incidents).await? else {
        return Ok(text(
            "Only a manager, head or deputy of a function can warn a service user.",
        ));
    };
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let metadata = Metadata {
        person_id: Some(person.id),
        function_id: Some(function_id),
        ..Metadata::default()
    };
    let mut blocks = vec![
        section(&format!("*Service user:* {}\nThey will be told in writing that this behaviour is unacceptable, sent a copy of the policy, and given a chance to adapt (§6).", escape(&person_label(person)))),
    ];
    blocks.extend(incidents_blocks(ctx, person.id, &incidents).await?);
    blocks.extend([
        text_input(
            "behaviour",
            "What behaviour is unacceptable (goes in the letter)",
            true,
            false,
            MAX_BEHAVIOUR_CHARS as u64,
        ),
        input(
            "adapt_until",
            "Chance to adapt until",
            date("adapt_until", Some(default_adapt_until(today))),
            false,
        ),
    ]);
    let view = metadata_modal(
        "Warn in writing",
        WARN,
        "Draft warning",
        &metadata,
        blocks,
        None,
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_warn(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let (Some(person_id), Some(function_id)) = (metadata.person_id, metadata.function_id) else {
        return Err(ApiError::BadRequest(
            "warning modal without a person".into(),
        ));
    };
    let mut errors = FieldErrors::default();
    let manager_proof = match access::Authority::load(store, &ctx.user)
        .await?
        .manages(function_id)
    {
        Ok(manager) => manager,
        Err(denied) => {
            errors.add("behaviour", denied.0);
            return Err(ApiError::Invalid(errors));
        }
    };
    let Some(person) = store.person(person_id).await? else {
        errors.add("behaviour", "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let known = store.incidents_of(person_id).await?;
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let draft = WarningDraft {
        incident_ids: read_incidents(form, &known),
        behaviour: form.text("behaviour").unwrap_or_default(),
        adapt_until: form.date("adapt_until"),
    };
    let warning = match draft.validate(today) {
        Ok(warning) => warning,
        Err(field_errors) => {
            for e in field_errors {
                let field = match e.field {
                    WarningField::Incidents => "incidents",
                    WarningField::Behaviour => "behaviour",
                    WarningField::AdaptUntil => "adapt_until",
                };
                errors.add(field, e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let function_name = crate::slack::functions::function_name_of(ctx, function_id).await?;
    let signature = crate::slack::letters::signature(ctx, function_id).await?;
    let new = NewWarning {
        person_id,
        function_id,
        incident_ids: warning.incident_ids().to_vec(),
        behaviour: warning.behaviour().to_owned(),
        adapt_until: warning.adapt_until(),
    };
    let dates = incident_dates(ctx, person_id, warning.incident_ids()).await?;
    // The letter cites these incidents: it repeats any correction note on them (R-REC-1).
    let cited: Vec<RecordRef> = warning
        .incident_ids()
        .iter()
        .map(|id| RecordRef::new(CorrectedRecord::Incident, *id))
        .collect();
    let corrections = corrections_cited(ctx, person_id, &cited).await?;
    let manager = ctx.user.clone();
    let mut tx = store.begin_write().await?;
    let recorded = tx.record_warning(&new, &manager_proof, ctx.now).await?;
    let mut letter = base_letter(ctx, &person, &recorded.reference, &function_name);
    signature.sign(&mut letter);
    letter.behaviour = new.behaviour.clone();
    letter.incident_dates = dates;
    letter.corrections = corrections;
    letter.adapt_until = Some(new.adapt_until);
    let draft = match render_letter(ctx, LetterKind::Warning, &person, &letter, &manager) {
        Ok(draft) => draft,
        // Dropping the handle undoes the warning: nothing is recorded without its letter.
        Err(not_rendered) => {
            errors.add("behaviour", not_rendered.tell_user());
            return Err(ApiError::Invalid(errors));
        }
    };
    draft
        .draft(
            &mut *tx,
            LetterSubject::Warning(recorded.id),
            person_id,
            function_id,
            &manager_proof.actor(),
            ctx.now,
        )
        .await?;
    // The name stays in the blocks: the fallback text is the lock-screen preview.
    let confirm = send::dm(
        &manager,
        message(
            &format!(
                "Warning {} recorded: send the drafted letter, then press “Mark as sent”.",
                recorded.reference
            ),
            vec![section(&format!(
                "Warning {} recorded for {}. The letter is drafted below; once you have sent it, press “Mark as sent” so the warning is on file.",
                recorded.reference,
                escape(&person.name)
            ))],
        ),
        format!("warning:{}:confirm", recorded.id),
    );
    tx.enqueue(Some(person_id), &[confirm], ctx.now).await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

/// "No further action: behaviour adapted" on the adapt-period reminder (§6): the manager
/// closes the warning, and it no longer counts as a warning on file.
pub async fn close_warning(ctx: &Ctx<'_>, warning_id: i64) -> Result<String, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(warning) = store.warning(warning_id).await? else {
        return Ok("That warning no longer exists.".to_owned());
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, warning.function_id).await? {
        return Ok(denied.0);
    }
    // The domain decides whether it may close; the store's conditional update keeps a
    // race (two clicks) to one closing.
    if let Err(refused) = crate::domain::restriction::close_warning(warning.status) {
        return Ok(not_closed(&warning.reference, refused));
    }
    Ok(
        match store
            .close_warning(warning_id, &ctx_actor(ctx), ctx.now)
            .await?
        {
            WarningClosed::Closed { reference, .. } => format!(
                "Warning {reference} closed: no further action, the behaviour adapted. It no longer counts as a warning on file (§6); a later restriction would need a new warning."
            ),
            WarningClosed::NotOpen { reference, status } => {
                not_closed(&reference, WarningNotOpen { from: status })
            }
        },
    )
}

/// Nothing was closed: the domain's reason, for the warning `reference`.
fn not_closed(reference: &str, refused: WarningNotOpen) -> String {
    format!("Nothing was changed for warning {reference}. {refused}")
}
