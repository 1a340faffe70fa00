//! `/contact history` (R-RPT-6): a person's case file for managers, newest first, ten
//! entries a page with Newer and Older buttons.

use slack_morphism::prelude::*;

use super::{CORRECT_PERSON, HISTORY_NEWER, HISTORY_OLDER, HISTORY_PERSON};
use crate::access;
use crate::domain::incident::{Category, Channel};
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick;
use crate::slack::people::person_label;
use crate::store::corrections::CorrectionNote;
use crate::store::records::*;

/// Entries a page.
const HISTORY_PAGE: usize = 10;

pub async fn history(ctx: &Ctx<'_>, query: &str) -> Result<Reply, ApiError> {
    if let Err(denied) =
        access::require_case_file_reader(ctx.state.store.as_ref(), &ctx.user).await?
    {
        return Err(ApiError::Refused(denied.0));
    }
    Ok(
        match pick(ctx, query, "history", HISTORY_PERSON, "Case file").await? {
            Ok(person) => Reply::Ephemeral(history_page(ctx, &person, 0).await?),
            Err(reply) => reply,
        },
    )
}

/// A page of `person`'s case file, for a user entitled to it; every page shown is an
/// audit event (who, whose, when), so the register records who has read what (R-DP-3).
pub async fn history_page(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
    offset: usize,
) -> Result<SlackMessageContent, ApiError> {
    let store = ctx.state.store.as_ref();
    if let Err(denied) = access::may_read_case_file(store, &ctx.user, person.id).await? {
        return Err(ApiError::Refused(denied.0));
    }
    store
        .record_reading(
            &crate::domain::Actor::user(&ctx.user),
            "case_file_read",
            person.id,
            ctx.now,
        )
        .await?;
    let entries = store.history(person.id, ctx.today()).await?;
    let notes = store.correction_notes_of(person.id).await?;
    let total = entries.len();
    // A crafted button value cannot page past the end.
    let offset = offset.min(total);
    let mut blocks = vec![section(&format!(
        "*Case file: {}* ({total} entries, newest first)",
        escape(&person_label(person))
    ))];
    if total == 0 {
        blocks.push(section("Nothing recorded yet."));
    }
    for entry in entries.iter().skip(offset).take(HISTORY_PAGE) {
        let reference = entry
            .reference
            .as_deref()
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        let by = format!("\n_by <@{}>_", entry.by);
        let heading = format!(
            "*{}* · {}{reference}\n",
            ctx.local(entry.at),
            history_kind_label(entry.kind)
        );
        blocks.extend(sections(&format!(
            "{heading}{}{by}",
            entry_text(&escape(&humanise(&entry.summary)))
        )));
        let on_entry: Vec<&CorrectionNote> = notes
            .iter()
            .filter(|n| {
                entry.record_id == Some(n.record.id) && n.record.kind.history_kind() == entry.kind
            })
            .collect();
        if !on_entry.is_empty() {
            blocks.push(section(&notes_text(ctx, &on_entry)));
        }
    }
    let mut buttons = Vec::new();
    if offset > 0 {
        buttons.push(button(
            "Newer",
            HISTORY_NEWER,
            format!("{}:{}", person.id, offset.saturating_sub(HISTORY_PAGE)),
        ));
    }
    if offset + HISTORY_PAGE < total {
        buttons.push(button(
            "Older",
            HISTORY_OLDER,
            format!("{}:{}", person.id, offset + HISTORY_PAGE),
        ));
    }
    if !buttons.is_empty() {
        blocks.push(context(&format!(
            "Entries {}–{} of {total}",
            offset + 1,
            (offset + HISTORY_PAGE).min(total)
        )));
    }
    // Records are never rewritten: a manager of a record's function adds a note (R-REC-1).
    if total > 0 {
        buttons.push(button(
            "Add a correction note",
            CORRECT_PERSON,
            person.id.to_string(),
        ));
    }
    if !buttons.is_empty() {
        blocks.push(actions(buttons));
    }
    Ok(message(
        &format!("Case file ({total} entries): open it to read them."),
        blocks,
    ))
}

/// The correction notes on one entry (R-REC-1), oldest first, in one section under it:
/// the page of ten entries stays within a message's 50 blocks. Notes beyond what one
/// section holds are shortened, and say so.
fn notes_text(ctx: &Ctx<'_>, notes: &[&CorrectionNote]) -> String {
    const POINTER: &str = "\n_(shortened here: the notes are kept whole with the record)_";
    let mut text = String::from("*Correction notes* (the record above is kept as it was made):");
    for note in notes {
        text.push_str(&format!(
            "\n• {}, <@{}>: {}",
            ctx.local(note.created_at),
            note.created_by,
            escape(&note.note)
        ));
    }
    if text.chars().count() <= limits::SECTION_TEXT {
        return text;
    }
    format!(
        "{}{POINTER}",
        fit(&text, limits::SECTION_TEXT - POINTER.chars().count())
    )
}

/// An entry's text, kept to two sections so a page of ten always fits in one message;
/// only text longer than any form accepts is shortened, and says so.
fn entry_text(text: &str) -> String {
    const MOST: usize = 2 * limits::SECTION_TEXT - 200;
    const POINTER: &str = " (shortened here: the record itself holds the full text)";
    if text.chars().count() <= MOST {
        return text.to_owned();
    }
    format!("{}{POINTER}", fit(text, MOST - POINTER.len()))
}

fn history_kind_label(kind: &str) -> &'static str {
    match kind {
        "incident" => "Incident reported",
        "police_report" => "Police report",
        "call_ended" => "Call ended or held",
        "warning" => "Warning",
        "request" => "Restriction requested",
        "decision" => "Decision",
        "restriction" => "Restriction",
        "breach" => "Breach",
        "dispute" => "Dispute",
        "review" => "Review",
        "foi_refusal" => "FOI refusal (s.14)",
        _ => "Record",
    }
}

/// Stored codes in case-file lines, in words.
fn humanise(summary: &str) -> String {
    let mut out = summary.to_owned();
    for category in Category::ALL {
        out = out.replace(category.as_str(), category.label());
    }
    for channel in Channel::ALL {
        out = out.replace(
            &format!("via {}", channel.as_str()),
            &format!("via {}", channel.label().to_lowercase()),
        );
    }
    out
}
