//! Letters (R-LET-1 … R-LET-4): the letter context for a person, rendered in their format
//! and language before anything is written ([`render_letter`]), then drafted through the
//! write handle with the messages that deliver it to the manager who sends it: the file
//! and a "Mark as sent" prompt. Also which outcome letter an approved variation gets.

use chrono::{DateTime, NaiveDate, Utc};
use slack_morphism::prelude::*;

use std::sync::Arc;

use super::blocks::{actions, section, styled_button};
use super::ctx::Ctx;
use super::ids::Action;
use super::outbound::{encode_upload, SlackCall};
use super::send;
use crate::access::Authority;
use crate::domain::dispute::DisputeOutcome;
use crate::domain::person::PreferredFormat;
use crate::domain::review::ReviewOutcome;
use crate::domain::roles::Role;
use crate::domain::{Actor, UserId};
use crate::letters::policy::PolicyDocument;
use crate::letters::{LetterContext, LetterFormat, LetterKind};
use crate::slack::error::ApiError;
use crate::store::records::*;
use crate::store::write::WriteTx;
use crate::store::{NewOutboxMessage, StoreResult};

/// A letter rendered for a record, ready to draft through the write handle, with the
/// messages that deliver it to the manager who holds it: the PDF, the policy it encloses
/// (a warning, §6), and a "Mark as sent" prompt.
#[derive(Debug, Clone)]
pub struct LetterDraft {
    pub letter: NewLetter,
    filename: String,
    title: String,
    description: String,
    reference: String,
    /// The letter as it is printed and sent (R-LET-4).
    pdf: Vec<u8>,
    /// The policy posted beside the letter, when the letter encloses it.
    policy: Option<Arc<PolicyDocument>>,
    /// The person asked for Braille or audio: the draft is the standard text, to be
    /// transcribed or recorded before it is sent.
    transcription: Option<PreferredFormat>,
}

/// A letter its template could not be written from. Nothing is recorded; the user is
/// told in plain words ([`LetterNotRendered::tell_user`]) and the cause is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetterNotRendered {
    kind: LetterKind,
}

impl LetterNotRendered {
    /// What the person who acted is told.
    pub fn tell_user(&self) -> String {
        format!(
            "Nothing was recorded: the {} could not be written from its template. Please tell an admin of the contact register that the letter templates need checking, then try again.",
            kind_label(self.kind).to_lowercase()
        )
    }
}

/// Who signs a letter: the member of staff deciding (the user acting), by name as Slack
/// has it (none when Slack gives none: the function signs) and by their role in the
/// function. Looked up before the write begins, so no transaction waits on Slack.
#[derive(Debug, Clone)]
pub struct Signature {
    name: Option<String>,
    role: &'static str,
}

impl Signature {
    pub fn sign(&self, letter: &mut LetterContext) {
        letter.signatory_name = self.name.clone();
        letter.signatory_role = Some(self.role.to_owned());
    }
}

/// The signature of the user acting in `function_id`.
pub async fn signature(ctx: &Ctx<'_>, function_id: i64) -> Result<Signature, ApiError> {
    Ok(Signature {
        name: ctx.state.staff.name_of(&ctx.user).await,
        role: signatory_role(ctx, function_id).await?,
    })
}

/// The signatory's role in the function, as the templates word it.
async fn signatory_role(ctx: &Ctx<'_>, function_id: i64) -> Result<&'static str, ApiError> {
    let authority = Authority::load(ctx.state.store.as_ref(), &ctx.user).await?;
    let roles = authority.roles_in(function_id);
    Ok(if roles.contains(&Role::Head) {
        "head_of_function"
    } else if roles.contains(&Role::Deputy) {
        "deputy_head_of_function"
    } else if roles.contains(&Role::Manager) {
        "manager"
    } else {
        "complaints_handler"
    })
}

/// Renders the letter of `kind` for `person` in their format and language, to be held
/// (sent, then marked sent) by `manager`. Sign it first ([`signed`]).
pub fn render_letter(
    ctx: &Ctx<'_>,
    kind: LetterKind,
    person: &PersonRecord,
    letter_context: &LetterContext,
    manager: &UserId,
) -> Result<LetterDraft, LetterNotRendered> {
    let format = LetterFormat::from(person.access.format);
    let language = person.access.language;
    let rendered = ctx
        .state
        .letters
        .render(kind, format, language, letter_context)
        .map_err(|e| {
            tracing::error!(error = %e, kind = kind.as_str(), "letter could not be rendered");
            LetterNotRendered { kind }
        })?;
    Ok(LetterDraft {
        letter: NewLetter {
            kind: kind.as_str(),
            format: format.as_str(),
            language: language.as_str(),
            template: rendered.template,
            body: rendered.body,
            held_by: manager.clone(),
        },
        filename: rendered.filename,
        title: rendered.title,
        pdf: rendered.pdf,
        // §6: the warning tells the person that a copy of the policy is provided.
        policy: (kind == LetterKind::Warning).then(|| Arc::clone(&ctx.state.policy)),
        transcription: matches!(
            person.access.format,
            PreferredFormat::Braille | PreferredFormat::Audio
        )
        .then_some(person.access.format),
        description: format!(
            "{} ({}, {})",
            kind_label(kind),
            format_label(format),
            language.label()
        ),
        reference: letter_context.reference.clone(),
    })
}

impl LetterDraft {
    /// Stores the letter about `subject` through the handle and queues the messages that
    /// deliver it; returns the letter's id.
    pub async fn draft(
        &self,
        tx: &mut dyn WriteTx,
        subject: LetterSubject,
        person_id: i64,
        function_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let letter_id = tx
            .draft_letter(&self.letter, subject, person_id, function_id, actor, now)
            .await?;
        tx.enqueue(Some(person_id), &self.delivery(letter_id), now)
            .await?;
        Ok(letter_id)
    }

    /// The PDF, the policy it encloses (if any) and the "Mark as sent" prompt for the
    /// manager who holds letter `letter_id`.
    pub fn delivery(&self, letter_id: i64) -> Vec<NewOutboxMessage> {
        let manager = &self.letter.held_by;
        let pdf_upload = |filename: &str, title: &str, bytes: &[u8]| SlackCall::UploadToUser {
            user: manager.to_string(),
            filename: filename.to_owned(),
            title: title.to_owned(),
            content_type: "application/pdf".to_owned(),
            content: String::new(),
            content_base64: Some(encode_upload(bytes)),
        };
        let mut uploads = vec![(
            format!("letter:{letter_id}:upload"),
            pdf_upload(&self.filename, &self.title, &self.pdf),
        )];
        if let Some(policy) = &self.policy {
            uploads.push((
                format!("letter:{letter_id}:policy"),
                pdf_upload(&policy.filename, &policy.title, &policy.pdf),
            ));
        }
        let mut out = Vec::new();
        for (key, upload) in uploads {
            if let Ok(row) = upload.into_outbox(key, Some(("letter", letter_id.to_string()))) {
                out.push(row);
            }
        }
        let reference = &self.reference;
        let mut ready = format!(
            "*Letter ready to send:* {} for {reference}. Check it, send it, then record how it was sent.",
            self.description
        );
        if self.policy.is_some() {
            ready.push_str(" The letter encloses the policy: send the policy file with it.");
        }
        if let Some(format) = self.transcription {
            let (what, how) = match format {
                PreferredFormat::Audio => ("an audio recording", "recorded"),
                _ => ("Braille", "transcribed into Braille"),
            };
            ready.push_str(&format!(
                "\n:warning: *Needs transcription:* this person asked for {what}. The draft is the standard print text: have it {how} before it is sent{}.",
                if self.policy.is_some() { ", with the policy" } else { "" }
            ));
        }
        let blocks = vec![
            section(&ready),
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

    /// [`LetterDraft::draft`] for `person`.
    pub async fn draft_on(
        &self,
        tx: &mut dyn WriteTx,
        subject: LetterSubject,
        person: &PersonRecord,
        function_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        self.draft(tx, subject, person.id, function_id, actor, now)
            .await
    }
}

/// A letter that could not be rendered refuses the change it belonged to: nothing was
/// recorded, and the person who acted is told in plain words.
impl From<LetterNotRendered> for ApiError {
    fn from(e: LetterNotRendered) -> Self {
        ApiError::Refused(e.tell_user())
    }
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
        signatory_name: None,
        signatory_role: None,
        contact_details: ctx.state.complaints_contact.clone(),
        complaint_reference: None,
        recipient_address: postal_lines(person),
        corrections: Vec::new(),
    }
}

/// The lines of `person`'s latest postal address, as typed (R-REC-1), for the top of a
/// letter; none when no address is on record.
fn postal_lines(person: &PersonRecord) -> Vec<String> {
    person
        .identifiers
        .iter()
        .rev()
        .find(|i| i.kind() == crate::domain::person::IdentifierKind::PostalAddress)
        .map(|address| {
            address
                .value()
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The records a restriction's letters cite (R-REC-1): the incidents its request relies
/// on and the warning, if any.
pub fn cited_by(request: &RequestRecord) -> Vec<crate::domain::correction::RecordRef> {
    use crate::domain::correction::{CorrectedRecord, RecordRef};
    request
        .incident_ids
        .iter()
        .map(|id| RecordRef::new(CorrectedRecord::Incident, *id))
        .chain(
            request
                .warning_id
                .map(|id| RecordRef::new(CorrectedRecord::Warning, id)),
        )
        .collect()
}

/// The correction notes a letter about `restriction` repeats (R-REC-1): those on the
/// records its request cited. Dispute, review and continuation letters all use this.
pub async fn corrections_for_restriction(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
) -> Result<Vec<crate::letters::LetterCorrection>, ApiError> {
    let Some(request) = ctx.state.store.request(restriction.request_id).await? else {
        return Ok(Vec::new());
    };
    corrections_cited(ctx, restriction.person_id, &cited_by(&request)).await
}

/// The correction notes on `records` of `person_id` (R-REC-1), as a letter drafted now
/// that cites them repeats them, each with the day of the record it corrects.
pub async fn corrections_cited(
    ctx: &Ctx<'_>,
    person_id: i64,
    records: &[crate::domain::correction::RecordRef],
) -> Result<Vec<crate::letters::LetterCorrection>, ApiError> {
    let store = ctx.state.store.as_ref();
    let notes = store.correction_notes_on(records).await?;
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let on_file = store.correctable_records(person_id).await?;
    Ok(notes
        .iter()
        .filter(|n| n.person_id == Some(person_id))
        .filter_map(|n| {
            let record = on_file.iter().find(|r| r.record == n.record)?;
            Some(crate::letters::LetterCorrection {
                record_kind: n.record.kind.as_str().to_owned(),
                record_date: record.at.with_timezone(&ctx.state.timezone).date_naive(),
                note: n.note.clone(),
            })
        })
        .collect())
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
