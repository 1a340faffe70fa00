//! Letters (R-LET-1 … R-LET-4): the letter context for a person, drafted in their format
//! and language, and the messages that deliver it to the manager who sends it: the file
//! and a "Mark as sent" prompt. Also which outcome letter an approved variation gets.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::blocks::{actions, section, styled_button};
use super::ctx::Ctx;
use super::ids::Action;
use super::outbound::SlackCall;
use super::send;
use crate::domain::dispute::DisputeOutcome;
use crate::domain::review::ReviewOutcome;
use crate::domain::UserId;
use crate::letters::{LetterContext, LetterFormat, LetterKind};
use crate::slack::error::ApiError;
use crate::store::records::*;
use crate::store::write::WriteTx;
use crate::store::{NewOutboxMessage, StoreResult};

/// A letter rendered for a record, ready to draft: what is stored, and what the messages
/// that deliver it to its holder say.
pub struct LetterDraft {
    pub letter: NewLetter,
    filename: String,
    title: String,
    reference: String,
    description: String,
}

impl LetterDraft {
    /// The messages that deliver the drafted letter `letter_id` to its holder: the file
    /// and a "Mark as sent" prompt.
    pub fn delivery(&self, letter_id: i64) -> Vec<NewOutboxMessage> {
        let manager = &self.letter.held_by;
        let upload = SlackCall::UploadToUser {
            user: manager.to_string(),
            filename: self.filename.clone(),
            title: self.title.clone(),
            content_type: "text/html".to_owned(),
            content: self.letter.body.clone(),
        };
        let mut out = Vec::new();
        if let Ok(row) = upload.into_outbox(
            format!("letter:{letter_id}:upload"),
            Some(("letter", letter_id.to_string())),
        ) {
            out.push(row);
        }
        let (description, reference) = (&self.description, &self.reference);
        let blocks = vec![
            section(&format!("*Letter ready to send:* {description} for {reference}. Check it, send it, then record how it was sent.")),
            actions(vec![styled_button(
                "Mark as sent",
                Action::MarkLetterSent.as_str(),
                letter_id.to_string(),
                SlackBlockButtonStyle::Primary,
            )]),
        ];
        out.push(send::dm(
            manager,
            SlackMessageContent::new()
                .with_text(format!(
                    "Letter ready for {reference}: check it, send it, then press “Mark as sent”."
                ))
                .with_blocks(blocks),
            format!("letter:{letter_id}:ready"),
        ));
        out
    }

    /// Drafts the letter on an open write handle, about `subject`, and queues the messages
    /// that deliver it; returns the letter's id. Nothing is visible until the handle
    /// commits.
    pub async fn draft_on(
        &self,
        tx: &mut dyn WriteTx,
        subject: LetterSubject,
        person: &PersonRecord,
        function_id: i64,
        actor: &crate::domain::Actor,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64> {
        let letter_id = tx
            .draft_letter(&self.letter, subject, person.id, function_id, actor, now)
            .await?;
        tx.enqueue(&self.delivery(letter_id), now).await?;
        Ok(letter_id)
    }
}

/// Renders the letter for a record in the person's format and language, held by
/// `manager`, who sends it.
pub fn render_letter(
    ctx: &Ctx<'_>,
    kind: LetterKind,
    person: &PersonRecord,
    letter_context: &LetterContext,
    manager: &UserId,
) -> Result<LetterDraft, ApiError> {
    let format = LetterFormat::from(person.access.format);
    let language = person.access.language;
    let rendered = ctx
        .state
        .letters
        .render(kind, format, language, letter_context)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("letter could not be rendered: {e}")))?;
    Ok(LetterDraft {
        filename: rendered.filename,
        title: rendered.title,
        reference: letter_context.reference.clone(),
        description: format!(
            "{} ({}, {})",
            kind_label(kind),
            format_label(format),
            language.label()
        ),
        letter: NewLetter {
            kind: kind.as_str(),
            format: format.as_str(),
            language: language.as_str(),
            template: rendered.template,
            body: rendered.body,
            held_by: manager.clone(),
        },
    })
}

/// The letter for a record, and the messages that deliver it to `manager`, for the store
/// methods that still take closures (see [`render_letter`] for the write handle).
pub fn letter_effects(
    ctx: &Ctx<'_>,
    kind: LetterKind,
    person: &PersonRecord,
    letter_context: &LetterContext,
    manager: &UserId,
    messages: Vec<NewOutboxMessage>,
) -> Result<Effects, ApiError> {
    let rendered = render_letter(ctx, kind, person, letter_context, manager)?;
    Ok(Effects {
        messages,
        letter: Some(rendered.letter.clone()),
        letter_messages: Box::new(move |letter_id| rendered.delivery(letter_id)),
    })
}

pub fn kind_label(kind: LetterKind) -> &'static str {
    match kind {
        LetterKind::Warning => "Warning letter",
        LetterKind::RestrictionNotice => "Restriction notice",
        LetterKind::DisputeOutcome => "Dispute outcome letter",
        LetterKind::ReviewOutcome => "Review outcome letter",
    }
}

pub fn format_label(format: LetterFormat) -> &'static str {
    match format {
        LetterFormat::Standard => "standard",
        LetterFormat::LargePrint => "large print",
        LetterFormat::EasyRead => "easy read",
    }
}

pub fn base_letter(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
    reference: &str,
    function_name: &str,
) -> LetterContext {
    LetterContext {
        organisation: ctx.state.organisation.clone(),
        recipient_name: person.name.clone(),
        reference: reference.to_owned(),
        letter_date: ctx.now.with_timezone(&ctx.state.timezone).date_naive(),
        function_name: function_name.to_owned(),
        behaviour: String::new(),
        incident_dates: Vec::new(),
        adapt_until: None,
        measures: Vec::new(),
        reasons: String::new(),
        starts_on: None,
        starts_once_sent: false,
        ends_on: None,
        next_review_on: None,
        outcome: None,
        contact_name: function_name.to_owned(),
        contact_details: ctx.state.complaints_contact.clone(),
        complaint_reference: None,
    }
}

pub async fn incident_dates(
    ctx: &Ctx<'_>,
    person_id: i64,
    ids: &[i64],
) -> Result<Vec<NaiveDate>, ApiError> {
    Ok(ctx
        .state
        .store
        .incidents_of(person_id)
        .await?
        .iter()
        .filter(|i| ids.contains(&i.id))
        .map(|i| {
            i.occurred_at
                .with_timezone(&ctx.state.timezone)
                .date_naive()
        })
        .collect())
}

/// The outcome letter for an approved variation (R-LET-3): when the request answers a
/// review or a dispute, that outcome letter with the new measures, else the restriction
/// notice (R-LET-2). Used by the approval of a request.
pub fn variation_letter(
    origin: Option<&VariationOrigin>,
    letter: &mut LetterContext,
) -> LetterKind {
    let Some(origin) = origin else {
        return LetterKind::RestrictionNotice;
    };
    letter.reference = origin.reference.clone();
    letter.reasons = origin.reasons.clone();
    letter.complaint_reference = origin.complaint_reference.clone();
    let (kind, outcome) = match origin.of {
        VariationOf::Review => (LetterKind::ReviewOutcome, ReviewOutcome::Vary.as_str()),
        VariationOf::Dispute => (LetterKind::DisputeOutcome, DisputeOutcome::Varied.as_str()),
    };
    letter.outcome = Some(outcome.to_owned());
    kind
}
