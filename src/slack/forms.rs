//! Reading what staff typed into a modal, and answering with inline errors. Every input
//! block uses its block id as its action id too, so a field has one name.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::json;
use slack_morphism::prelude::*;

/// The submitted values of one modal.
#[derive(Debug, Clone, Default)]
pub struct Form {
    state: Option<SlackViewState>,
}

impl Form {
    pub fn new(state: Option<SlackViewState>) -> Self {
        Self { state }
    }

    fn value(&self, field: &str) -> Option<&SlackViewStateValue> {
        let state = self.state.as_ref()?;
        let block = state.values.get(&SlackBlockId(field.to_owned()))?;
        block
            .get(&SlackActionId(field.to_owned()))
            .or_else(|| block.values().next())
    }

    /// A text input, trimmed and without NUL characters; `None` when empty. NUL never
    /// belongs in staff text and PostgreSQL refuses it in a text column, so it is dropped
    /// here rather than turning a submission into a failure.
    pub fn text(&self, field: &str) -> Option<String> {
        self.value(field)
            .and_then(|v| v.value.as_deref())
            .map(|v| v.replace('\0', ""))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of a single select (static or external).
    pub fn selected(&self, field: &str) -> Option<String> {
        self.value(field)
            .and_then(|v| v.selected_option.as_ref())
            .map(|o| o.value.clone())
    }

    /// The Slack user id chosen in a users select.
    pub fn selected_user(&self, field: &str) -> Option<String> {
        self.value(field)
            .and_then(|v| v.selected_user.as_ref())
            .map(|u| u.to_string())
    }

    /// The values of a multi-select or checkbox group.
    pub fn selected_many(&self, field: &str) -> Vec<String> {
        self.value(field)
            .and_then(|v| v.selected_options.as_ref())
            .map(|options| options.iter().map(|o| o.value.clone()).collect())
            .unwrap_or_default()
    }

    pub fn date_time(&self, field: &str) -> Option<DateTime<Utc>> {
        self.value(field)
            .and_then(|v| v.selected_date_time.as_ref())
            .and_then(|d| DateTime::from_timestamp(d.0.as_second(), 0))
    }

    pub fn date(&self, field: &str) -> Option<NaiveDate> {
        self.value(field)
            .and_then(|v| v.selected_date.as_deref())
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }

    /// A whole number from a number input; `Err` when something else was typed.
    pub fn number(&self, field: &str) -> Result<Option<u32>, std::num::ParseIntError> {
        self.text(field).map(|text| text.parse::<u32>()).transpose()
    }
}

/// Inline errors keyed by block id, shown under each field with the user's input kept
/// (`response_action: errors`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_response(self) -> serde_json::Value {
        json!({ "response_action": "errors", "errors": self.0 })
    }
}

/// Midnight at the start of `date` in `tz`, as UTC; used for "this week" counts.
pub fn start_of_day<Tz: TimeZone>(tz: &Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// Slack's date-time type (a jiff timestamp) from a chrono instant, to the second.
pub fn to_slack_time(at: DateTime<Utc>) -> jiff::Timestamp {
    jiff::Timestamp::from_second(at.timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_with(field: &str, typed: &str) -> Form {
        let state: SlackViewState = serde_json::from_value(json!({
            "values": { field: { field: { "type": "plain_text_input", "value": typed } } }
        }))
        .expect("view state");
        Form::new(Some(state))
    }

    #[test]
    fn nul_characters_are_dropped_from_typed_text() {
        let form = form_with("description", "Shouted\u{0} at staff\u{0}");
        assert_eq!(
            form.text("description").as_deref(),
            Some("Shouted at staff")
        );
        assert_eq!(form_with("note", "\u{0}\u{0} ").text("note"), None);
        assert_eq!(
            form_with("note", "  kept  ").text("note").as_deref(),
            Some("kept")
        );
    }
}
