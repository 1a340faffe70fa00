//! A reminder DM (R-REM-1, R-REM-2): what is due, by reference, and a button for each way to act on
//! it. Reminders carry no personal data, so the notification preview is the text itself.

use slack_morphism::prelude::*;

use crate::slack::blocks::{actions, button, message, section};

/// The reminder `text` with a button for each way to act on it, `(label, action, value)`.
pub fn reminder_with(text: &str, buttons: &[(&str, &str, String)]) -> SlackMessageContent {
    let preview = text.replace('*', "");
    message(
        &preview,
        vec![
            section(text),
            actions(
                buttons
                    .iter()
                    .map(|(label, action, value)| button(label, action, value.clone()))
                    .collect(),
            ),
        ],
    )
}
