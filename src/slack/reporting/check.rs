//! `/contact check` (R-RPT-5): what a member of staff must know before engaging with a
//! person, right now: restrictions in force and their instructions, access requirements,
//! open disputes.

use slack_morphism::prelude::*;

use super::CHECK_PERSON;
use crate::domain::person::IdentifierKind;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick_with_readings;
use crate::slack::people::person_label_matching;
use crate::slack::staff::{measure_instructions, mention};
use crate::store::records::*;

pub async fn check(ctx: &Ctx<'_>, query: &str) -> Result<Reply, ApiError> {
    let (picked, matched) = pick_with_readings(ctx, query, "check", CHECK_PERSON, "Check").await?;
    Ok(match picked {
        Ok(person) => Reply::Ephemeral(check_card(ctx, &person, &matched).await?),
        Err(reply) => reply,
    })
}

/// What a member of staff must know before engaging with `person`, right now: the name
/// with only the identifiers their search matched (`matched`; none when chosen from a
/// list), how to handle contact, access requirements and open disputes (R-DP-3).
pub async fn check_card(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
    matched: &[(IdentifierKind, String)],
) -> Result<SlackMessageContent, ApiError> {
    let store = ctx.state.store.as_ref();
    let current = store.current_restrictions(person.id, ctx.today()).await?;
    let (restrictions, not_yet) = (current.in_force, current.not_yet);
    let disputes = store.open_disputes(person.id).await?;
    let now_local = ctx.now.with_timezone(&ctx.tz());
    let mut blocks = vec![section(&format!(
        "*{}*",
        escape(&person_label_matching(person, matched))
    ))];
    if restrictions.is_empty() {
        blocks.push(section(
            ":white_check_mark: *No restrictions: handle as normal.*",
        ));
    }
    for restriction in &restrictions {
        let until = restriction
            .ends_on
            .map(|d| format!("until {}", d.format("%-d %b %Y")))
            .unwrap_or_else(|| "open-ended".to_owned());
        let lines: Vec<String> = measure_instructions(&restriction.measures, now_local)
            .into_iter()
            .map(|l| format!("• {l}"))
            .collect();
        blocks.extend(sections(&format!(
            ":warning: *Restriction {}* ({}, {until}; next review {})\n{}",
            restriction.reference,
            escape(&restriction.function_name),
            restriction.next_review_on.format("%-d %b %Y"),
            lines.join("\n")
        )));
        for staff in restriction.measures.iter().filter_map(|m| m.staff()) {
            blocks.push(section(&format!(
                "*Single point of contact:* {}",
                mention(staff)
            )));
        }
    }
    // Approved but the person not told yet (§4, §6): staff handle contact as normal
    // until it takes effect (issue 9, finding 15).
    for restriction in &not_yet {
        let why = restriction
            .standing(ctx.today())
            .waiting_for()
            .unwrap_or_default();
        blocks.push(section(&format!(
            ":hourglass: *Restriction {}* ({}): approved, not yet in force: {why}. Until then, handle contact as normal.",
            restriction.reference,
            escape(&restriction.function_name),
        )));
    }
    let access = person.access.summary();
    if !access.is_empty() {
        let lines: Vec<String> = access.iter().map(|l| format!("• {}", escape(l))).collect();
        blocks.extend(sections(&format!(
            "*Access requirements to respect*\n{}",
            lines.join("\n")
        )));
    }
    if !disputes.is_empty() {
        let lines: Vec<String> = disputes
            .iter()
            .map(|d| {
                format!(
                    "• {} against {} (received {}, due {})",
                    d.reference,
                    d.restriction_reference,
                    d.received_on.format("%-d %b %Y"),
                    d.due_on.format("%-d %b %Y")
                )
            })
            .collect();
        blocks.extend(sections(&format!("*Open disputes*\n{}", lines.join("\n"))));
    }
    let fallback = if restrictions.is_empty() {
        "No restrictions: handle as normal."
    } else {
        "Restrictions in force: see details."
    };
    Ok(message(fallback, blocks))
}
