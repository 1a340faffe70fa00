//! `/contact foi` (R-DP-4): a manager records that an FOI request from a person was
//! refused under section 14; the refusal shows in the person's case file.

use slack_morphism::prelude::*;

use super::{modal, FOI, FOI_PERSON};
use crate::access;
use crate::domain::foi::FoiGround;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::functions::{function_field, read_function, FUNCTION};
use crate::slack::metadata::Metadata;
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::records::*;

pub async fn open_foi(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    ctx.managers_only("record an FOI refusal").await?;
    match pick(ctx, query, "foi", FOI_PERSON, "Record FOI refusal").await? {
        Ok(person) => open_foi_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

pub async fn open_foi_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let mut metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let mut blocks = match function_field(ctx, &mut metadata, true).await? {
        Ok(blocks) => blocks,
        Err(reply) => return Ok(reply),
    };
    blocks.insert(
        0,
        section(&format!(
            "*Service user:* {}",
            escape(&person_label(person))
        )),
    );
    blocks.push(text_input(
        "reference",
        "FOI request reference",
        false,
        false,
        64,
    ));
    blocks.push(date_input("refused_on", "Refused on", ctx.today(), false));
    blocks.push(radio(
        "ground",
        "Ground (Freedom of Information Act, section 14)",
        FoiGround::ALL
            .iter()
            .map(|g| (g.as_str().to_owned(), g.label().to_owned()))
            .collect(),
        None,
    ));
    blocks.push(text_input("note", "Note", true, true, 1000));
    let view = modal("FOI refusal", FOI, "Record", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_foi(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let function_id = read_function(ctx, form, metadata, &mut errors).await?;
    let reference = form.text("reference");
    let refused_on = form.date("refused_on");
    let ground = form
        .selected("ground")
        .and_then(|g| g.parse::<FoiGround>().ok());
    if reference.is_none() {
        errors.add("reference", "Enter the FOI request's reference.");
    }
    match refused_on {
        None => errors.add("refused_on", "Choose the date it was refused."),
        Some(day) if day > ctx.today() => errors.add("refused_on", "This is in the future."),
        Some(_) => {}
    }
    if ground.is_none() {
        errors.add("ground", "Choose vexatious or repeated.");
    }
    let (Some(person_id), Some(function_id), Some(reference), Some(refused_on), Some(ground), true) = (
        metadata.person_id,
        function_id,
        reference,
        refused_on,
        ground,
        errors.is_empty(),
    ) else {
        return Err(ApiError::Invalid(errors));
    };
    let manager = match access::Authority::load(store, &ctx.user)
        .await?
        .manages(function_id)
    {
        Ok(manager) => manager,
        Err(denied) => {
            errors.add(FUNCTION, denied.0);
            return Err(ApiError::Invalid(errors));
        }
    };
    let refusal = NewFoiRefusal {
        person_id,
        function_id,
        reference,
        refused_on,
        ground,
        note: form.text("note").unwrap_or_default(),
    };
    let user = ctx.user.clone();
    let announce = |recorded: &Recorded| {
        let confirm = format!(
            "FOI refusal {} recorded; it shows in the person's case file.",
            escape(&recorded.reference)
        );
        vec![send::dm(
            &user,
            SlackMessageContent::new().with_text(confirm),
            format!("foi:{}:confirm", recorded.id),
        )]
    };
    let mut tx = store.begin_write().await?;
    let recorded = tx.record_foi_refusal(&refusal, &manager, ctx.now).await?;
    tx.enqueue(Some(person_id), &announce(&recorded), ctx.now)
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}
