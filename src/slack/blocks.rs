//! The one Block Kit kit: every block, element and modal the bot sends is built by a
//! function here, so Slack's limits are enforced in one place. Each constructor keeps its
//! output within the limits of `limits` (../shared/SLACK-LIMITS.md): long text is split
//! over sections ([`sections`]) or shortened with an ellipsis ([`fit`]), option and button
//! texts are shortened, input lengths are capped, and [`message`] keeps a message within
//! its block count. A surface that needs the whole of a long text says where it is.

use chrono::{DateTime, NaiveDate, Utc};
use slack_morphism::prelude::*;

use super::metadata::Metadata;

/// Slack's published Block Kit limits (docs.slack.dev/reference/block-kit), in characters
/// or items.
pub mod limits {
    /// Blocks in a message (chat.postMessage, chat.update, response_url, command replies).
    pub const MESSAGE_BLOCKS: usize = 50;
    /// Blocks in a modal or Home tab.
    pub const VIEW_BLOCKS: usize = 100;
    /// A section's text.
    pub const SECTION_TEXT: usize = 3000;
    /// A context block's text element, kept to a section's length.
    pub const CONTEXT_TEXT: usize = 3000;
    /// Elements in an actions block.
    pub const ACTIONS_ELEMENTS: usize = 25;
    /// A header's plain text.
    pub const HEADER_TEXT: usize = 150;
    /// An option's text, in every kind of select, checkboxes and radio buttons.
    pub const OPTION_TEXT: usize = 75;
    /// An option's value.
    pub const OPTION_VALUE: usize = 150;
    /// Options in a static or external select.
    pub const SELECT_OPTIONS: usize = 100;
    /// Options in checkboxes or radio buttons.
    pub const CHOICE_OPTIONS: usize = 10;
    /// A button's text.
    pub const BUTTON_TEXT: usize = 75;
    /// A button's value.
    pub const BUTTON_VALUE: usize = 2000;
    /// A modal's title, submit and close texts.
    pub const VIEW_TITLE: usize = 24;
    /// A modal's private_metadata.
    pub const PRIVATE_METADATA: usize = 3000;
    /// An input's label and hint.
    pub const LABEL: usize = 2000;
    /// The most a plain_text_input may be told to accept.
    pub const INPUT_MAX_LENGTH: u64 = 3000;
    /// A message's fallback text: Slack allows 40,000, but it is the notification preview,
    /// so we keep it short.
    pub const FALLBACK_TEXT: usize = 300;
}

/// `text` cut to at most `max` characters, ending in "…" when it was cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `markdown` over as many sections as it needs, each within Slack's 3,000 characters,
/// split at a line break where there is one, else at a space.
pub fn sections(markdown: &str) -> Vec<SlackBlock> {
    split_text(markdown, limits::SECTION_TEXT)
        .iter()
        .map(|chunk| SlackSectionBlock::new().with_text(md(chunk)).into())
        .collect()
}

/// Splits `text` into chunks of at most `max` characters, preferring line breaks, then
/// spaces, and cutting inside a word only when a word is longer than `max`.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut rest: &str = text;
    while rest.chars().count() > max {
        let cut = rest
            .char_indices()
            .nth(max)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let window = &rest[..cut];
        let at = window
            .rfind('\n')
            .or_else(|| window.rfind(' '))
            .filter(|i| *i > 0)
            .unwrap_or(cut);
        chunks.push(rest[..at].to_owned());
        rest = rest[at..].trim_start_matches(['\n', ' ']);
    }
    if !rest.is_empty() || chunks.is_empty() {
        chunks.push(rest.to_owned());
    }
    chunks
}

/// A message: its fallback `text` (the notification preview: references and what to do,
/// never personal data) and its blocks, kept within Slack's 50 blocks. Blocks beyond the
/// limit are replaced by a line saying how many were left out; surfaces with lists that
/// grow page them instead, so this is the last guard, not the design.
pub fn message(fallback: &str, mut blocks: Vec<SlackBlock>) -> SlackMessageContent {
    if blocks.len() > limits::MESSAGE_BLOCKS {
        let left_out = blocks.len() - (limits::MESSAGE_BLOCKS - 1);
        blocks.truncate(limits::MESSAGE_BLOCKS - 1);
        blocks.push(context(&format!("{left_out} more not shown.")));
    }
    SlackMessageContent::new()
        .with_text(fit(fallback, limits::FALLBACK_TEXT))
        .with_blocks(blocks)
}

/// An option for a select, checkboxes or radio buttons, with its text fitted.
pub fn option(value: &str, text: &str) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(pt(&fit(text, limits::OPTION_TEXT)), value.to_owned())
}

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

/// One section; text over Slack's 3,000 characters is shortened (use [`sections`] for text
/// that must be shown whole).
pub fn section(markdown: &str) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(md(&fit(markdown, limits::SECTION_TEXT)))
        .into()
}

pub fn context(markdown: &str) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(fit(markdown, limits::CONTEXT_TEXT)),
    )])
    .into()
}

pub fn button(label: &str, action: &str, value: String) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(pt(&fit(label, limits::BUTTON_TEXT)))
        .with_action_id(action.into())
        .with_value(value)
        .into()
}

/// An actions block; more than Slack's 25 elements are not shown.
pub fn actions(mut elements: Vec<SlackActionBlockElement>) -> SlackBlock {
    elements.truncate(limits::ACTIONS_ELEMENTS);
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
        .take(limits::SELECT_OPTIONS)
        .map(|(value, text)| option(&value, &text))
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
        .take(limits::CHOICE_OPTIONS)
        .map(|(value, text)| {
            SlackBlockChoiceItem::new(pt(&fit(&text, limits::OPTION_TEXT)).into(), value)
        })
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
        .with_max_length(max.min(limits::INPUT_MAX_LENGTH));
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
        .map(|(value, label)| option(value, label))
        .collect()
}

pub fn choices_text(choices: &[(String, String)]) -> Vec<SlackBlockChoiceItem<SlackBlockText>> {
    choices
        .iter()
        .map(|(value, label)| {
            SlackBlockChoiceItem::new(pt(&fit(label, limits::OPTION_TEXT)).into(), value.clone())
        })
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
        .with_max_length(limits::INPUT_MAX_LENGTH)
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
        .map(|(value, label)| {
            SlackBlockChoiceItem::new(
                pt(&fit(label, limits::OPTION_TEXT)).into(),
                (*value).to_owned(),
            )
        })
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
        SlackModalView::new(pt(&fit(title, limits::VIEW_TITLE)), blocks)
            .with_callback_id(callback.into())
            .with_submit(pt(&fit(submit, limits::VIEW_TITLE)))
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

/// A section with a button beside it (an item of a list to act on).
pub fn section_with_button(markdown: &str, label: &str, action: &str, value: String) -> SlackBlock {
    let SlackActionBlockElement::Button(element) = button(label, action, value) else {
        return section(markdown);
    };
    SlackSectionBlock::new()
        .with_text(md(&fit(markdown, limits::SECTION_TEXT)))
        .with_accessory(SlackSectionBlockElement::Button(element))
        .into()
}

/// A button styled as the main (`Primary`) or a destructive (`Danger`) choice.
pub fn styled_button(
    label: &str,
    action: &str,
    value: String,
    style: SlackBlockButtonStyle,
) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(pt(&fit(label, limits::BUTTON_TEXT)))
        .with_action_id(action.into())
        .with_value(value)
        .with_style(style)
        .into()
}

/// A header, within Slack's 150 characters.
pub fn header(text: &str) -> SlackBlock {
    SlackHeaderBlock::new(pt(&fit(text, limits::HEADER_TEXT))).into()
}

/// Checkboxes in an actions block (on a message, not in a form), with their own block id;
/// at most Slack's 10 options, each fitted.
pub fn checkbox_row(block_id: &str, action: &str, choices: &[(String, String)]) -> SlackBlock {
    let options: Vec<SlackBlockChoiceItem<SlackBlockText>> = choices
        .iter()
        .take(limits::CHOICE_OPTIONS)
        .map(|(value, label)| {
            SlackBlockChoiceItem::new(pt(&fit(label, limits::OPTION_TEXT)).into(), value.clone())
        })
        .collect();
    SlackActionsBlock::new(vec![SlackBlockCheckboxesElement::new(options)
        .with_action_id(action.into())
        .into()])
    .with_block_id(block_id.into())
    .into()
}

/// Slack's date-time type (a jiff timestamp) from a chrono instant, to the second.
pub fn to_slack_time(at: DateTime<Utc>) -> jiff::Timestamp {
    jiff::Timestamp::from_second(at.timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_short_text_and_shortens_long_text_to_the_limit() {
        assert_eq!(fit("short", 75), "short");
        let long = "é".repeat(100);
        let fitted = fit(&long, 75);
        assert_eq!(fitted.chars().count(), 75);
        assert!(fitted.ends_with('…'));
    }

    #[test]
    fn long_text_is_split_over_sections_within_the_limit_and_nothing_is_lost() {
        let line = "word ".repeat(50);
        let text = vec![line.trim_end(); 40].join("\n");
        let chunks = split_text(&text, limits::SECTION_TEXT);
        assert!(chunks.len() > 1);
        assert!(chunks
            .iter()
            .all(|c| !c.is_empty() && c.chars().count() <= limits::SECTION_TEXT));
        let words = |t: &str| t.split_whitespace().count();
        assert_eq!(chunks.iter().map(|c| words(c)).sum::<usize>(), words(&text));
        let unbroken = "x".repeat(7000);
        let pieces = split_text(&unbroken, limits::SECTION_TEXT);
        assert_eq!(pieces.concat(), unbroken);
        assert_eq!(sections(&unbroken).len(), 3);
    }

    #[test]
    fn a_message_never_holds_more_than_fifty_blocks() {
        let blocks: Vec<SlackBlock> = (0..61).map(|i| section(&format!("item {i}"))).collect();
        let content = message("61 items", blocks);
        assert_eq!(
            content.blocks.as_ref().map(Vec::len),
            Some(limits::MESSAGE_BLOCKS)
        );
    }
}
