//! The measures of a restriction request (§6) in the restrict form: a checkbox per
//! measure and, once a measure is ticked, the fields it needs. Ticking or unticking tells
//! the bot at once (`dispatch_action`), and the form is rebuilt with `views.update` to show
//! only the ticked measures' fields, keeping everything typed so far.

use slack_morphism::prelude::*;

use crate::domain::measures::{
    parse_windows, ContactMethod, ContactMode, Measure, MeasureKind, MAX_CASE_REFERENCE_CHARS,
    MAX_DESCRIPTION_CHARS,
};
use crate::domain::UserId;
use crate::slack::blocks::*;
use crate::slack::ctx::Ctx;
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form, OpenModal};
use crate::slack::ids::Action;
use crate::slack::send;

/// The checkboxes' block and action id (a wire string: forms already open carry it).
const MEASURES: &str = Action::Measures.as_str();

/// The fields each measure needs, in the order the form shows them.
fn fields_of(kind: MeasureKind) -> &'static [&'static str] {
    match kind {
        MeasureKind::TimeLimitedContact => &["contact_mode", "windows", "max_minutes"],
        MeasureKind::SingleContactMethod => &["contact_method"],
        MeasureKind::SinglePointOfContact => &["spoc"],
        MeasureKind::CallsRecorded | MeasureKind::ReadAndFile => &[],
        MeasureKind::RefuseReopen => &["case_reference"],
        MeasureKind::BlockContact => &["block_identifiers"],
        MeasureKind::Other => &["other_description"],
    }
}

/// A plain text input that accepts exactly what the domain accepts.
fn plain_max(field: &str, multiline: bool, max: usize) -> SlackInputBlockElement {
    SlackBlockPlainTextInputElement::new()
        .with_action_id(field.into())
        .with_multiline(multiline)
        .with_max_length((max as u64).min(limits::INPUT_MAX_LENGTH))
        .into()
}

fn labelled(kind_choices: &[(&str, &str)]) -> Vec<(String, String)> {
    kind_choices
        .iter()
        .map(|(value, label)| ((*value).to_owned(), (*label).to_owned()))
        .collect()
}

/// What a measure's field adds to the notice letter, where it is more than the measure
/// itself (`templates/*/_measures.html`).
fn field_hint(field: &str) -> Option<&'static str> {
    match field {
        "spoc" => Some("The letter gives the service user this colleague's full name, as Slack has it when the letter is drafted."),
        "case_reference" => Some("Named in the letter to the service user."),
        "block_identifiers" => Some("Listed in the letter, so the service user knows what is blocked."),
        "other_description" => Some("Goes in the letter to the service user as you write it."),
        _ => None,
    }
}

/// One measure's field.
fn field_block(field: &str) -> SlackBlock {
    let (label, element): (&str, SlackInputBlockElement) = match field {
        "contact_mode" => (
            "Time-limited contact is for",
            SlackBlockRadioButtonsElement::new(choices_text(&labelled(
                &ContactMode::ALL
                    .iter()
                    .map(|m| (m.as_str(), m.label()))
                    .collect::<Vec<_>>(),
            )))
            .with_action_id(field.into())
            .into(),
        ),
        "windows" => (
            "Days and times contact is allowed (e.g. “Tue 09:00-12:00”)",
            plain(field, false),
        ),
        "max_minutes" => (
            "Longest call or visit (minutes)",
            SlackBlockNumberInputElement::new(false)
                .with_action_id(field.into())
                .with_min_value("1".into())
                .into(),
        ),
        "contact_method" => (
            "The one method of contact",
            SlackBlockStaticSelectElement::new()
                .with_action_id(field.into())
                .with_options(choices_plain(&labelled(
                    &ContactMethod::ALL
                        .iter()
                        .map(|m| (m.as_str(), m.label()))
                        .collect::<Vec<_>>(),
                )))
                .into(),
        ),
        "spoc" => (
            "The one point of contact",
            SlackBlockUsersSelectElement::new()
                .with_action_id(field.into())
                .into(),
        ),
        "case_reference" => (
            "Case or decision not to be reopened",
            plain_max(field, false, MAX_CASE_REFERENCE_CHARS),
        ),
        "block_identifiers" => (
            "Numbers or addresses to block (severe cases only)",
            plain(field, true),
        ),
        _ => (
            "Other action",
            plain_max(field, true, MAX_DESCRIPTION_CHARS),
        ),
    };
    crate::slack::blocks::field(field, label, element, true, field_hint(field))
}

/// The measures checkboxes; ticking one shows its fields.
pub fn measures_block() -> SlackBlock {
    let kinds: Vec<(String, String)> = MeasureKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect();
    SlackInputBlock::new(
        pt("Measures (policy §6)"),
        SlackBlockCheckboxesElement::new(choices_text(&kinds))
            .with_action_id(MEASURES.into())
            .into(),
    )
    .with_block_id(MEASURES.into())
    .with_dispatch_action(true)
    .with_hint(pt(
        "Each measure you tick is set out in the notice letter to the service user.",
    ))
    .into()
}

fn ticked(form: &Form) -> Vec<MeasureKind> {
    form.selected_many(MEASURES)
        .iter()
        .filter_map(|k| k.parse().ok())
        .collect()
}

/// The fields of the ticked measures, in the order of the policy's list.
fn fields_for(ticked: &[MeasureKind]) -> Vec<&'static str> {
    MeasureKind::ALL
        .iter()
        .filter(|kind| ticked.contains(kind))
        .flat_map(|kind| fields_of(*kind).iter().copied())
        .collect()
}

fn is_measure_field(block: &SlackBlock) -> bool {
    let every: Vec<&str> = fields_for(&MeasureKind::ALL);
    matches!(block, SlackBlock::Input(input)
        if input.block_id.as_ref().is_some_and(|id| every.contains(&id.as_ref())))
}

/// A restrict form's `blocks` with only the ticked measures' fields, just below the
/// checkboxes; everything else stays where it is.
pub fn with_measure_fields(blocks: Vec<SlackBlock>, ticked: &[MeasureKind]) -> Vec<SlackBlock> {
    let mut out = Vec::with_capacity(blocks.len() + 8);
    for block in blocks {
        if is_measure_field(&block) {
            continue;
        }
        let is_measures = matches!(&block, SlackBlock::Input(input)
            if input.block_id.as_ref().map(|id| id.as_ref()) == Some(MEASURES));
        out.push(block);
        if is_measures {
            out.extend(fields_for(ticked).into_iter().map(field_block));
        }
    }
    out
}

/// Measures ticked or unticked in an open restrict form: show the fields of exactly the
/// ticked ones.
pub async fn measures_changed(ctx: &Ctx<'_>, modal: &OpenModal) -> Result<(), ApiError> {
    if let Some(update) =
        measure_fields_to_show(modal).and_then(|blocks| send::update_open_modal(modal, blocks))
    {
        send::queue(ctx.state, vec![update]).await?;
    }
    Ok(())
}

/// The restrict form's blocks with the fields of exactly the ticked measures, or `None`
/// when it already shows them. Also asked when the form is submitted: two quick ticks
/// send two updates with the same hash and Slack refuses the second, leaving a ticked
/// measure without its fields (or an unticked one with them); the form is then shown
/// again as it should be rather than read from fields the user never saw.
pub fn measure_fields_to_show(modal: &OpenModal) -> Option<Vec<SlackBlock>> {
    let ticked = ticked(&modal.form());
    let wanted = fields_for(&ticked);
    let showing: Vec<&str> = fields_for(&MeasureKind::ALL)
        .into_iter()
        .filter(|field| modal.shows(field))
        .collect();
    (wanted != showing).then(|| with_measure_fields(modal.blocks(), &ticked))
}

/// Reads the measures ticked and their parameters; errors go on the parameter fields.
pub fn read_measures(form: &Form, errors: &mut FieldErrors) -> Vec<Measure> {
    let mut measures = Vec::new();
    for kind in ticked(form) {
        let measure = match kind {
            MeasureKind::TimeLimitedContact => {
                let windows = match form.text("windows").map(|t| parse_windows(&t)) {
                    Some(Ok(windows)) => windows,
                    Some(Err(e)) => {
                        // The reason alone reads best in the form ("“Someday” is not a day…").
                        let message = match e {
                            crate::domain::measures::MeasureError::BadParams { reason, .. } => {
                                reason
                            }
                            other => other.to_string(),
                        };
                        errors.add("windows", message);
                        continue;
                    }
                    None => {
                        errors.add(
                            "windows",
                            "Give the days and times contact is allowed, e.g. “Tue 09:00-12:00”.",
                        );
                        continue;
                    }
                };
                let mode = form
                    .selected("contact_mode")
                    .and_then(|m| m.parse::<ContactMode>().ok())
                    .unwrap_or(ContactMode::Phone);
                let max_minutes = match form.number("max_minutes") {
                    Ok(m) => m,
                    Err(_) => {
                        errors.add("max_minutes", "Enter a whole number of minutes.");
                        continue;
                    }
                };
                Measure::TimeLimitedContact {
                    mode,
                    windows,
                    max_minutes,
                }
            }
            MeasureKind::SingleContactMethod => match form
                .selected("contact_method")
                .and_then(|m| m.parse::<ContactMethod>().ok())
            {
                Some(method) => Measure::SingleContactMethod { method },
                None => {
                    errors.add("contact_method", "Choose the one method of contact.");
                    continue;
                }
            },
            MeasureKind::SinglePointOfContact => match form.selected_user("spoc") {
                // The id only: Slack shows it as a mention, and a letter looks the real
                // name up when it is drafted (`slack::staff`).
                Some(user) => Measure::SinglePointOfContact {
                    staff: UserId::from_slack(user),
                },
                None => {
                    errors.add(
                        "spoc",
                        "Choose the member of staff who will be the one point of contact.",
                    );
                    continue;
                }
            },
            MeasureKind::CallsRecorded => Measure::CallsRecorded,
            MeasureKind::ReadAndFile => Measure::ReadAndFile,
            MeasureKind::RefuseReopen => match form.text("case_reference") {
                Some(case_reference) => Measure::RefuseReopen { case_reference },
                None => {
                    errors.add(
                        "case_reference",
                        "Name the case or decision that will not be reopened.",
                    );
                    continue;
                }
            },
            MeasureKind::BlockContact => {
                let identifiers: Vec<String> = form
                    .text("block_identifiers")
                    .map(|t| {
                        t.split([',', '\n', ';'])
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                if identifiers.is_empty() {
                    errors.add(
                        "block_identifiers",
                        "List the numbers or addresses to block.",
                    );
                    continue;
                }
                Measure::BlockContact { identifiers }
            }
            MeasureKind::Other => match form.text("other_description") {
                Some(description) => Measure::Other { description },
                None => {
                    errors.add("other_description", "Describe the other action.");
                    continue;
                }
            },
        };
        measures.push(measure);
    }
    measures
}
