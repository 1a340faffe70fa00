//! "Mark as sent" (R-LET-1, R-LET-2): the manager records when and how a drafted letter
//! went out; a warning counts as on file only once its letter is sent.

use slack_morphism::prelude::*;

use super::{ctx_actor, day, LETTER_SENT};
use crate::access;
use crate::domain::restriction::letter_sent_on;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::send;
use crate::store::records::*;

pub async fn open_mark_sent(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    letter_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(letter) = store.letter(letter_id).await? else {
        return Ok(Some("That letter no longer exists.".to_owned()));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, letter.function_id).await? {
        return Ok(Some(denied.0));
    }
    if let (Some(on), Some(by)) = (letter.sent_on, letter.sent_recorded_by.as_deref()) {
        return Ok(Some(format!(
            "This letter was already marked sent on {} by <@{by}>.",
            day(on)
        )));
    }
    let methods = vec![
        ("post".to_owned(), "Post".to_owned()),
        ("email".to_owned(), "Email".to_owned()),
        ("hand_delivered".to_owned(), "By hand".to_owned()),
        ("other".to_owned(), "Other".to_owned()),
    ];
    let blocks = vec![
        section(&format!(
            "*{}* for {}",
            letter.kind.replace('_', " "),
            letter.subject_reference
        )),
        input(
            "sent_on",
            "Date sent",
            date(
                "sent_on",
                Some(ctx.now.with_timezone(&ctx.state.timezone).date_naive()),
            ),
            false,
        ),
        input(
            "method",
            "How was it sent?",
            SlackBlockRadioButtonsElement::new(choices_text(&methods))
                .with_action_id("method".into())
                .into(),
            false,
        ),
    ];
    let view = metadata_modal(
        "Letter sent",
        LETTER_SENT,
        "Record",
        &Metadata::default(),
        blocks,
        Some(&letter_id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_mark_sent(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut errors = FieldErrors::default();
    let letter_id = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok());
    let sent_on = form.date("sent_on");
    // Only the listed methods: the value goes into the record and the audit trail.
    let method = form
        .selected("method")
        .filter(|m| matches!(m.as_str(), "post" | "email" | "hand_delivered" | "other"));
    let store = ctx.state.store.as_ref();
    let letter = match letter_id {
        Some(id) => store.letter(id).await?,
        None => None,
    };
    // Not in the future, nor before the letter was drafted (issue 9, finding 1).
    let drafted_on = letter
        .as_ref()
        .map(|l| l.created_at.with_timezone(&ctx.state.timezone).date_naive());
    match sent_on {
        None => errors.add("sent_on", "Choose the date it was sent."),
        Some(d) => {
            if let Err(why) = letter_sent_on(d, drafted_on, ctx.today()) {
                errors.add("sent_on", why);
            }
        }
    }
    if method.is_none() {
        errors.add("method", "Choose how it was sent.");
    }
    let (Some(letter_id), Some(sent_on), Some(method), true) =
        (letter_id, sent_on, method, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let Some(letter) = letter else {
        errors.add("sent_on", "That letter no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, letter.function_id).await? {
        errors.add("sent_on", denied.0);
        return Err(ApiError::Invalid(errors));
    }
    match store
        .mark_letter_sent(letter_id, sent_on, &method, &ctx_actor(ctx), ctx.now)
        .await?
    {
        LetterSent::Recorded { restriction: None } => Ok(Reply::Ack),
        // The person has been told: the restriction takes effect (issue 9, finding 15).
        LetterSent::Recorded {
            restriction: Some(took),
        } => {
            let replaces = took
                .replaces
                .as_deref()
                .map(|old| format!(" It replaces restriction {old}, which is superseded."))
                .unwrap_or_default();
            let text = format!(
                "Restriction {} is in force from {}: the letter is marked sent. It now shows in `/contact check`.{replaces}",
                took.reference,
                day(took.starts_on)
            );
            send::queue(
                ctx.state,
                vec![send::dm(
                    &ctx.user,
                    message(&text, vec![section(&text)]),
                    format!("letter:{letter_id}:took_effect"),
                )],
            )
            .await?;
            Ok(Reply::Ack)
        }
        LetterSent::AlreadySent { on, by } => {
            errors.add(
                "sent_on",
                format!("Already marked sent on {} by <@{by}>.", day(on)),
            );
            Err(ApiError::Invalid(errors))
        }
    }
}
