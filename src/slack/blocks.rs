//! The one Block Kit kit: every block, element and modal the bot sends is built by a
//! function here, so Slack's limits can be enforced in one place.

use chrono::{DateTime, NaiveDate, Utc};
use slack_morphism::prelude::*;

use super::forms::to_slack_time;
use super::metadata::Metadata;

pub fn md(text: &str) -> SlackBlockText {
    SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text.to_owned()))
}

pub fn pt(text: &str) -> SlackBlockPlainTextOnly {
    SlackBlockPlainTextOnly::from(text.to_owned())
}

/// Slack mrkdwn control characters in user text, so names cannot ping or format.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn section(markdown: &str) -> SlackBlock {
    SlackSectionBlock::new().with_text(md(markdown)).into()
}

pub fn context(markdown: &str) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(markdown.to_owned()),
    )])
    .into()
}

pub fn button(label: &str, action: &str, value: String) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(pt(label))
        .with_action_id(action.into())
        .with_value(value)
        .into()
}

pub fn actions(elements: Vec<SlackActionBlockElement>) -> SlackBlock {
    SlackActionsBlock::new(elements).into()
}

pub fn static_select(
    field: &str,
    label: &str,
    choices: Vec<(String, String)>,
    initial: Option<&str>,
) -> SlackBlock {
    let options: Vec<_> = choices
        .into_iter()
        .map(|(value, text)| SlackBlockChoiceItem::new(pt(&text), value))
        .collect();
    let mut element = SlackBlockStaticSelectElement::new()
        .with_action_id(field.into())
        .with_options(options.clone());
    if let Some(initial) = initial {
        if let Some(option) = options.into_iter().find(|o| o.value == initial) {
            element = element.with_initial_option(option);
        }
    }
    SlackInputBlock::new(pt(label), element.into())
        .with_block_id(field.into())
        .into()
}

pub fn radio(
    field: &str,
    label: &str,
    choices: Vec<(String, String)>,
    initial: Option<&str>,
) -> SlackBlock {
    let options: Vec<SlackBlockChoiceItem<SlackBlockText>> = choices
        .into_iter()
        .map(|(value, text)| SlackBlockChoiceItem::new(pt(&text).into(), value))
        .collect();
    let mut element =
        SlackBlockRadioButtonsElement::new(options.clone()).with_action_id(field.into());
    if let Some(initial) = initial {
        if let Some(option) = options.into_iter().find(|o| o.value == initial) {
            element = element.with_initial_option(option);
        }
    }
    SlackInputBlock::new(pt(label), element.into())
        .with_block_id(field.into())
        .into()
}

pub fn text_input(
    field: &str,
    label: &str,
    multiline: bool,
    optional: bool,
    max: u64,
) -> SlackBlock {
    let element = SlackBlockPlainTextInputElement::new()
        .with_action_id(field.into())
        .with_multiline(multiline)
        .with_max_length(max);
    let mut block = SlackInputBlock::new(pt(label), element.into()).with_block_id(field.into());
    if optional {
        block = block.with_optional(true);
    }
    block.into()
}

pub fn number_input(field: &str, label: &str) -> SlackBlock {
    let element = SlackBlockNumberInputElement::new(false)
        .with_action_id(field.into())
        .with_min_value("0".into());
    SlackInputBlock::new(pt(label), element.into())
        .with_block_id(field.into())
        .with_optional(true)
        .into()
}

pub fn date_time_input(field: &str, label: &str, initial: DateTime<Utc>) -> SlackBlock {
    let element = SlackBlockDateTimePickerElement::new()
        .with_action_id(field.into())
        .with_initial_date_time(SlackDateTime::new(to_slack_time(initial)));
    SlackInputBlock::new(pt(label), element.into())
        .with_block_id(field.into())
        .into()
}

pub fn date_input(field: &str, label: &str, initial: NaiveDate, optional: bool) -> SlackBlock {
    let element = SlackBlockDatePickerElement::new()
        .with_action_id(field.into())
        .with_initial_date(initial.format("%Y-%m-%d").to_string());
    let mut block = SlackInputBlock::new(pt(label), element.into()).with_block_id(field.into());
    if optional {
        block = block.with_optional(true);
    }
    block.into()
}

pub fn input(
    field: &str,
    label: &str,
    element: SlackInputBlockElement,
    optional: bool,
) -> SlackBlock {
    let mut block = SlackInputBlock::new(pt(label), element).with_block_id(field.into());
    if optional {
        block = block.with_optional(true);
    }
    block.into()
}

pub fn plain(field: &str, multiline: bool) -> SlackInputBlockElement {
    SlackBlockPlainTextInputElement::new()
        .with_action_id(field.into())
        .with_multiline(multiline)
        .into()
}

pub fn date(field: &str, initial: Option<NaiveDate>) -> SlackInputBlockElement {
    let mut element = SlackBlockDatePickerElement::new().with_action_id(field.into());
    if let Some(initial) = initial {
        element = element.with_initial_date(initial.format("%Y-%m-%d").to_string());
    }
    element.into()
}

pub fn choices_plain(
    choices: &[(String, String)],
) -> Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    choices
        .iter()
        .map(|(value, label)| SlackBlockChoiceItem::new(pt(label), value.clone()))
        .collect()
}

pub fn choices_text(choices: &[(String, String)]) -> Vec<SlackBlockChoiceItem<SlackBlockText>> {
    choices
        .iter()
        .map(|(value, label)| SlackBlockChoiceItem::new(pt(label).into(), value.clone()))
        .collect()
}

pub fn field(
    id: &str,
    label: &str,
    element: SlackInputBlockElement,
    optional: bool,
    hint: Option<&str>,
) -> SlackBlock {
    let mut block = SlackInputBlock::new(pt(label), element).with_block_id(id.into());
    if optional {
        block = block.with_optional(true);
    }
    if let Some(hint) = hint {
        block = block.with_hint(pt(hint));
    }
    block.into()
}

pub fn long_text(id: &str) -> SlackInputBlockElement {
    SlackBlockPlainTextInputElement::new()
        .with_action_id(id.into())
        .with_multiline(true)
        .with_max_length(4000)
        .into()
}

pub fn date_picker(id: &str, initial: NaiveDate) -> SlackInputBlockElement {
    SlackBlockDatePickerElement::new()
        .with_action_id(id.into())
        .with_initial_date(initial.format("%Y-%m-%d").to_string())
        .into()
}

pub fn radio_element(id: &str, choices: &[(&str, &str)]) -> SlackInputBlockElement {
    let options: Vec<SlackBlockChoiceItem<SlackBlockText>> = choices
        .iter()
        .map(|(value, label)| SlackBlockChoiceItem::new(pt(label).into(), (*value).to_owned()))
        .collect();
    SlackBlockRadioButtonsElement::new(options)
        .with_action_id(id.into())
        .into()
}

/// A row holding one primary button.
pub fn primary_button_row(label: &str, action: &str, value: String) -> SlackBlock {
    SlackActionsBlock::new(vec![SlackBlockButtonElement::new(pt(label))
        .with_action_id(action.into())
        .with_value(value)
        .with_style(SlackBlockButtonStyle::Primary)
        .into()])
    .into()
}

/// A modal with a submit and a Cancel button; `private_metadata` travels back with the
/// submission.
pub fn modal(
    title: &str,
    callback: &str,
    submit: &str,
    private_metadata: String,
    blocks: Vec<SlackBlock>,
) -> SlackView {
    SlackView::Modal(
        SlackModalView::new(pt(title), blocks)
            .with_callback_id(callback.into())
            .with_submit(pt(submit))
            .with_close(pt("Cancel"))
            .with_private_metadata(private_metadata),
    )
}

/// A modal carrying typed metadata, and `extra` when the modal is about one more thing.
pub fn metadata_modal(
    title: &str,
    callback: &str,
    submit: &str,
    metadata: &Metadata,
    blocks: Vec<SlackBlock>,
    extra: Option<&str>,
) -> SlackView {
    modal(
        title,
        callback,
        submit,
        metadata.with_extra(extra).encode(),
        blocks,
    )
}
