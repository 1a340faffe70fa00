//! Reading what staff typed into a modal, and answering with inline errors. Every input
//! block uses its block id as its action id too, so a field has one name.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use slack_morphism::prelude::*;

use super::ids::Callback;

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

    /// Whether the submitted state holds `field` at all (empty or not): whether the form
    /// showed it. A modal opened by an earlier version may lack a field added since.
    pub fn has(&self, field: &str) -> bool {
        self.value(field).is_some()
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

    /// `blocks` with what the user has typed or chosen so far as each input's initial
    /// value, so a form rebuilt to show or hide fields loses nothing. Slack keeps input
    /// across a `views.update` only for blocks whose ids are unchanged; saying it explicitly
    /// also survives fields moving. Options are taken from the element's own list, as
    /// Slack requires an initial option to be one of them.
    pub fn keep_typed(&self, blocks: Vec<SlackBlock>) -> Vec<SlackBlock> {
        blocks
            .into_iter()
            .map(|block| {
                let typed = match &block {
                    SlackBlock::Input(input) => input
                        .block_id
                        .as_ref()
                        .and_then(|id| self.value(id.as_ref())),
                    _ => None,
                };
                let Some(typed) = typed else {
                    return block;
                };
                let Ok(mut json) = serde_json::to_value(&block) else {
                    return block;
                };
                match json.get_mut("element") {
                    Some(element) => keep_value(element, typed),
                    None => return block,
                }
                serde_json::from_value(json).unwrap_or(block)
            })
            .collect()
    }
}

/// Sets (or clears) an input element's initial value from its state in the view.
fn keep_value(element: &mut Value, typed: &SlackViewStateValue) {
    let Some(object) = element.as_object() else {
        return;
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let own_option = |value: &str| -> Option<Value> {
        let mut listed: Vec<&Value> = Vec::new();
        if let Some(options) = object.get("options").and_then(Value::as_array) {
            listed.extend(options);
        }
        if let Some(groups) = object.get("option_groups").and_then(Value::as_array) {
            for group in groups {
                if let Some(options) = group.get("options").and_then(Value::as_array) {
                    listed.extend(options);
                }
            }
        }
        listed
            .into_iter()
            .find(|option| option.get("value").and_then(Value::as_str) == Some(value))
            .cloned()
    };
    let initial: (&str, Option<Value>) = match kind.as_str() {
        "plain_text_input" | "email_text_input" | "url_text_input" => (
            "initial_value",
            typed
                .value
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.clone())),
        ),
        // Slack refuses a number input whose initial value is not a number within its
        // bounds, so what cannot be one is left for the user to type again (and the
        // submission says why).
        "number_input" => (
            "initial_value",
            typed
                .value
                .as_deref()
                .map(str::trim)
                .filter(|v| valid_number(object, v))
                .map(|v| Value::String(v.to_owned())),
        ),
        "static_select" | "radio_buttons" => (
            "initial_option",
            typed
                .selected_option
                .as_ref()
                .and_then(|o| own_option(&o.value)),
        ),
        // An external select's options come from the search, so the chosen one is kept
        // as Slack sent it.
        "external_select" => (
            "initial_option",
            typed.selected_option.as_ref().map(|o| {
                json!({
                    "text": {
                        "type": "plain_text",
                        "text": super::blocks::fit(&o.text.text, super::blocks::limits::OPTION_TEXT),
                    },
                    "value": o.value,
                })
            }),
        ),
        "checkboxes" | "multi_static_select" => (
            "initial_options",
            typed
                .selected_options
                .as_ref()
                .map(|chosen| {
                    chosen
                        .iter()
                        .filter_map(|o| own_option(&o.value))
                        .collect::<Vec<_>>()
                })
                .filter(|chosen| !chosen.is_empty())
                .map(Value::Array),
        ),
        "datepicker" => (
            "initial_date",
            typed.selected_date.clone().map(Value::String),
        ),
        "timepicker" => (
            "initial_time",
            typed.selected_time.clone().map(Value::String),
        ),
        "datetimepicker" => (
            "initial_date_time",
            typed.selected_date_time.as_ref().map(json_of),
        ),
        "users_select" => (
            "initial_user",
            typed
                .selected_user
                .as_ref()
                .map(|u| Value::String(u.to_string())),
        ),
        "multi_users_select" => (
            "initial_users",
            typed
                .selected_users
                .as_ref()
                .filter(|users| !users.is_empty())
                .map(|users| users.iter().map(|u| Value::String(u.to_string())).collect()),
        ),
        "conversations_select" => (
            "initial_conversation",
            typed
                .selected_conversation
                .as_ref()
                .map(|c| Value::String(c.to_string())),
        ),
        "channels_select" => (
            "initial_channel",
            typed
                .selected_channel
                .as_ref()
                .map(|c| Value::String(c.to_string())),
        ),
        _ => return,
    };
    let (key, value) = initial;
    if let Some(object) = element.as_object_mut() {
        match value {
            Some(value) => {
                object.insert(key.to_owned(), value);
            }
            None => {
                object.remove(key);
            }
        }
    }
}

/// Whether `typed` is a number a `number_input` element accepts as its initial value:
/// whole unless decimals are allowed, and within its `min_value` and `max_value`.
fn valid_number(element: &serde_json::Map<String, Value>, typed: &str) -> bool {
    let decimal = element
        .get("is_decimal_allowed")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // Plain digits only (an optional minus, and a decimal point where allowed): "1e3",
    // "+5" and " 30" are what a person might type, not what an input starts with.
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let unsigned = typed.strip_prefix('-').unwrap_or(typed);
    let plain = match unsigned.split_once('.') {
        Some((whole, fraction)) => decimal && digits(whole) && digits(fraction),
        None => digits(unsigned),
    };
    let Some(number) = plain.then(|| typed.parse::<f64>().ok()).flatten() else {
        return false;
    };
    let bound = |key: &str| {
        element
            .get(key)
            .and_then(Value::as_str)
            .and_then(|b| b.parse::<f64>().ok())
    };
    bound("min_value").is_none_or(|min| number >= min)
        && bound("max_value").is_none_or(|max| number <= max)
}

/// A state value as JSON (Slack's own types, which cannot fail to serialise).
fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A modal the user is filling in, as a `block_actions` payload carries it (with its id,
/// hash and state, which slack-morphism's action event leaves out).
#[derive(Debug, Clone)]
pub struct OpenModal {
    view: SlackStatefulView,
}

impl OpenModal {
    /// The modal, if the payload's view is one.
    pub fn new(view: SlackStatefulView) -> Option<Self> {
        matches!(view.view, SlackView::Modal(_)).then_some(Self { view })
    }

    fn modal(&self) -> Option<&SlackModalView> {
        match &self.view.view {
            SlackView::Modal(modal) => Some(modal),
            SlackView::Home(_) => None,
        }
    }

    pub fn callback(&self) -> Option<Callback> {
        self.modal()
            .and_then(|m| m.callback_id.as_ref())
            .and_then(|id| Callback::parse(id.as_ref()))
    }

    /// What the user has typed so far.
    pub fn form(&self) -> Form {
        Form::new(self.view.state_params.state.clone())
    }

    pub fn private_metadata(&self) -> Option<&str> {
        self.modal().and_then(|m| m.private_metadata.as_deref())
    }

    pub fn blocks(&self) -> Vec<SlackBlock> {
        self.modal().map(|m| m.blocks.clone()).unwrap_or_default()
    }

    /// Whether an input block with this id is showing.
    pub fn shows(&self, block_id: &str) -> bool {
        self.modal().is_some_and(|m| {
            m.blocks.iter().any(|block| match block {
                SlackBlock::Input(input) => {
                    input.block_id.as_ref().map(|id| id.as_ref()) == Some(block_id)
                }
                _ => false,
            })
        })
    }

    /// The answer to this modal's submission that shows it again with `blocks` instead
    /// (`response_action: update`), keeping everything typed so far.
    pub fn rebuilt(&self, blocks: Vec<SlackBlock>) -> Option<Value> {
        let updated = self.with_blocks(blocks)?;
        Some(json!({
            "response_action": "update",
            "view": json_of(&updated),
        }))
    }

    /// This modal with `blocks` instead of its own, and everything typed so far as their
    /// initial values; title, buttons, callback and metadata unchanged.
    pub fn with_blocks(&self, blocks: Vec<SlackBlock>) -> Option<SlackView> {
        let modal = self.modal()?;
        let mut updated = SlackModalView::new(modal.title.clone(), self.form().keep_typed(blocks));
        updated.close = modal.close.clone();
        updated.submit = modal.submit.clone();
        updated.callback_id = modal.callback_id.clone();
        updated.private_metadata = modal.private_metadata.clone();
        Some(SlackView::Modal(updated))
    }

    /// The view's id and its hash as Slack last sent it: a `views.update` quoting the hash
    /// is refused if the user has moved on since (`send::update_open_modal`).
    pub fn id_and_hash(&self) -> (&str, &str) {
        (
            self.view.state_params.id.as_ref(),
            self.view.state_params.hash.as_str(),
        )
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

    /// The errors placed on fields the modal shows. Slack shows an error only under an
    /// input block of the view, so one about a field the view does not have goes under
    /// the first field, after any of that field's own, with nothing dropped. (Forms whose
    /// fields depend on a choice are shown again with those fields before they are read,
    /// so this is a last resort, not a path users should meet.)
    pub fn shown_on(self, shown: &[String]) -> Self {
        let Some(first) = shown.first() else {
            return self;
        };
        let mut placed = BTreeMap::new();
        let mut elsewhere = Vec::new();
        for (field, message) in self.0 {
            if shown.contains(&field) {
                placed.insert(field, message);
            } else {
                elsewhere.push(message);
            }
        }
        if !elsewhere.is_empty() {
            let entry = placed.entry(first.clone()).or_default();
            for message in elsewhere {
                if !entry.is_empty() {
                    entry.push(' ');
                }
                entry.push_str(&message);
            }
        }
        FieldErrors(placed)
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
    fn keep_typed_takes_options_from_the_element_and_clears_what_was_emptied() {
        use crate::slack::blocks::{input, option, pt};
        let select = SlackBlockStaticSelectElement::new()
            .with_action_id("kind".into())
            .with_options(vec![option("a", "Apple"), option("b", "Banana")]);
        let note = SlackBlockPlainTextInputElement::new()
            .with_action_id("note".into())
            .with_initial_value("old".into());
        let blocks = vec![
            input("kind", "Kind", select.into(), false),
            input("note", "Note", note.into(), true),
            SlackSectionBlock::new().with_text(pt("x").into()).into(),
        ];
        let state: SlackViewState = serde_json::from_value(json!({ "values": {
            "kind": { "kind": { "type": "static_select",
                "selected_option": { "text": { "type": "plain_text", "text": "typed by Slack" }, "value": "b" } } },
            "note": { "note": { "type": "plain_text_input", "value": null } },
        }}))
        .expect("state");
        let kept = serde_json::to_value(Form::new(Some(state)).keep_typed(blocks)).expect("json");
        let initial = &kept[0]["element"]["initial_option"];
        assert_eq!(initial["value"], "b");
        assert_eq!(
            initial["text"]["text"], "Banana",
            "the element's own option"
        );
        assert!(kept[1]["element"].get("initial_value").is_none(), "{kept}");
        assert_eq!(kept[2]["type"], "section");
    }

    #[test]
    fn errors_for_fields_not_shown_join_the_first_fields_own() {
        let mut errors = FieldErrors::default();
        errors.add("name", "Give a name.");
        errors.add("windows", "Give the days.");
        errors.add("spoc", "Choose the contact.");
        let shown = ["name".to_owned(), "measures".to_owned()];
        let placed = errors.shown_on(&shown).into_response();
        assert_eq!(
            placed["errors"],
            json!({ "name": "Give a name. Choose the contact. Give the days." })
        );
    }

    #[test]
    fn a_number_that_cannot_be_one_is_not_kept_as_an_initial_value() {
        let element = |extra: Value| -> serde_json::Map<String, Value> {
            let mut e = json!({ "type": "number_input", "is_decimal_allowed": false });
            if let (Some(e), Some(extra)) = (e.as_object_mut(), extra.as_object()) {
                e.extend(extra.clone());
            }
            e.as_object().cloned().unwrap_or_default()
        };
        assert!(valid_number(&element(json!({})), "30"));
        assert!(!valid_number(&element(json!({})), "abc"));
        assert!(!valid_number(&element(json!({})), "1.5"));
        assert!(!valid_number(&element(json!({ "min_value": "1" })), "0"));
        assert!(!valid_number(
            &element(json!({ "max_value": "600" })),
            "601"
        ));
        assert!(valid_number(
            &element(json!({ "is_decimal_allowed": true })),
            "1.5"
        ));
        for odd in ["1e3", "+5", " 30", "", "-", "1."] {
            assert!(!valid_number(&element(json!({})), odd), "{odd:?}");
        }
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
