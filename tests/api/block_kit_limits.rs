//! Slack's published Block Kit limits, as one table, and a validator that checks a message,
//! a view or an options answer against it the way Slack does.
//!
//! No maintained Rust crate validates arbitrary Block Kit JSON against these limits (the
//! `slackblocks` and `slack-blocks` crates validate their own builder types, not the JSON
//! slack-morphism sends), so the fake carries its own table. Every row cites the reference
//! page it comes from; the pages are the final word. Lengths are counted in Unicode scalar
//! values, as Slack counts characters.
//!
//! Violations are reported the way Slack reports them: a message and a JSON pointer to the
//! offending field, e.g. `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.

#![allow(dead_code)]

use std::collections::HashSet;

use serde_json::{json, Value};

const BLOCKS: &str = "https://docs.slack.dev/reference/block-kit/blocks";
const SECTION: &str = "https://docs.slack.dev/reference/block-kit/blocks/section-block";
const HEADER: &str = "https://docs.slack.dev/reference/block-kit/blocks/header-block";
const CONTEXT: &str = "https://docs.slack.dev/reference/block-kit/blocks/context-block";
const ACTIONS: &str = "https://docs.slack.dev/reference/block-kit/blocks/actions-block";
const INPUT: &str = "https://docs.slack.dev/reference/block-kit/blocks/input-block";
const BUTTON: &str = "https://docs.slack.dev/reference/block-kit/block-elements/button-element";
const OPTION: &str = "https://docs.slack.dev/reference/block-kit/composition-objects/option-object";
const OPTION_GROUP: &str =
    "https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object";
const SELECT: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element";
const MULTI_SELECT: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/multi-select-menu-element";
const CHECKBOXES: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element";
const RADIO: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/radio-button-group-element";
const OVERFLOW: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element";
const TEXT_INPUT: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element";
const CONFIRM: &str =
    "https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object";
const TEXT_OBJECT: &str =
    "https://docs.slack.dev/reference/block-kit/composition-objects/text-object";
const VIEWS: &str = "https://docs.slack.dev/reference/views";
const CHAT_POST: &str = "https://docs.slack.dev/reference/methods/chat.postMessage";
const OPTIONS_LOAD: &str =
    "https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select";

/// One published limit: `min..=max` characters (for a text) or items (for a list).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Stable name of the row, `"{where}.{field}"`.
    pub key: &'static str,
    /// Fewest characters or items Slack accepts.
    pub min: usize,
    /// Most characters or items Slack accepts.
    pub max: usize,
    /// The reference page that publishes it.
    pub source: &'static str,
}

const fn row(key: &'static str, min: usize, max: usize, source: &'static str) -> Limit {
    Limit {
        key,
        min,
        max,
        source,
    }
}

/// Every limit the fake enforces. Rows marked "items" count list entries, the others count
/// characters.
pub const LIMITS: &[Limit] = &[
    row("message.blocks", 0, 50, BLOCKS), // items
    row("message.text", 0, 40_000, CHAT_POST),
    row("view.blocks", 0, 100, BLOCKS), // items
    row("view.title", 1, 24, VIEWS),
    row("view.submit", 1, 24, VIEWS),
    row("view.close", 1, 24, VIEWS),
    row("view.private_metadata", 0, 3_000, VIEWS),
    row("view.callback_id", 0, 255, VIEWS),
    row("view.external_id", 0, 255, VIEWS),
    row("block.block_id", 0, 255, BLOCKS),
    row("section.text", 1, 3_000, SECTION),
    row("section.fields", 0, 10, SECTION), // items
    row("section.field", 1, 2_000, SECTION),
    row("header.text", 1, 150, HEADER),
    row("context.elements", 1, 10, CONTEXT), // items
    row("actions.elements", 1, 25, ACTIONS), // items
    row("input.label", 1, 2_000, INPUT),
    row("input.hint", 1, 2_000, INPUT),
    row("button.text", 1, 75, BUTTON),
    row("button.value", 0, 2_000, BUTTON),
    row("button.url", 0, 3_000, BUTTON),
    row("element.action_id", 0, 255, BUTTON),
    row("option.text", 1, 75, OPTION),
    row("option.value", 0, 150, OPTION),
    row("option.description", 1, 75, OPTION),
    row("option_group.label", 1, 75, OPTION_GROUP),
    row("option_group.options", 1, 100, OPTION_GROUP), // items
    row("select.option_groups", 1, 100, SELECT),       // items
    row("select.options", 1, 100, SELECT),             // items
    row("select.placeholder", 1, 150, SELECT),
    row("multi_select.options", 1, 100, MULTI_SELECT), // items
    row("checkboxes.options", 1, 10, CHECKBOXES),      // items
    row("radio_buttons.options", 1, 10, RADIO),        // items
    row("overflow.options", 1, 5, OVERFLOW),           // items
    row("plain_text_input.max_length", 0, 3_000, TEXT_INPUT), // a number, not a length
    row("plain_text_input.placeholder", 1, 150, TEXT_INPUT),
    row("confirm.title", 1, 100, CONFIRM),
    row("confirm.text", 1, 300, CONFIRM),
    row("confirm.confirm", 1, 30, CONFIRM),
    row("confirm.deny", 1, 30, CONFIRM),
    row("text_object.text", 1, usize::MAX, TEXT_OBJECT),
    row("options_answer.options", 0, 100, OPTIONS_LOAD), // items
    row("options_answer.option_groups", 0, 100, OPTIONS_LOAD), // items
];

/// The row named `key`.
///
/// # Panics
///
/// If there is no such row (a typo in the validator).
pub fn limit(key: &str) -> Limit {
    *LIMITS
        .iter()
        .find(|limit| limit.key == key)
        .unwrap_or_else(|| panic!("block kit limits: no row {key:?}"))
}

/// One thing Slack would refuse, with the JSON pointer of the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub message: String,
}

impl Violation {
    /// As Slack words it in `errors`: `"{message} [json-pointer:{pointer}]"`.
    pub fn slack_error(&self) -> String {
        format!("{} [json-pointer:{}]", self.message, self.pointer)
    }
}

/// Slack's refusal body for a payload with these violations.
pub fn invalid_blocks_body(violations: &[Violation]) -> Value {
    let errors: Vec<String> = violations.iter().map(Violation::slack_error).collect();
    let messages: Vec<String> = errors.iter().map(|e| format!("[ERROR] {e}")).collect();
    json!({
        "ok": false,
        "error": "invalid_blocks",
        "errors": errors,
        "response_metadata": { "messages": messages },
    })
}

/// A parameter that may be JSON already or a JSON-encoded string (form bodies).
fn decoded(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

struct Checker {
    violations: Vec<Violation>,
    block_ids: HashSet<String>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            violations: Vec::new(),
            block_ids: HashSet::new(),
        }
    }

    fn refuse(&mut self, pointer: &str, message: String) {
        self.violations.push(Violation {
            pointer: pointer.to_owned(),
            message,
        });
    }

    /// Checks a length in characters against a row.
    fn chars(&mut self, key: &str, pointer: &str, text: &str) {
        let limit = limit(key);
        let count = text.chars().count();
        if count > limit.max {
            self.refuse(
                pointer,
                format!(
                    "must be less than {} characters (is {count}; {key}, {})",
                    limit.max + 1,
                    limit.source
                ),
            );
        } else if count < limit.min {
            self.refuse(
                pointer,
                format!(
                    "must be at least {} characters (is {count}; {key}, {})",
                    limit.min, limit.source
                ),
            );
        }
    }

    /// Checks a list's length against a row.
    fn items(&mut self, key: &str, pointer: &str, count: usize) {
        let limit = limit(key);
        if count > limit.max {
            self.refuse(
                pointer,
                format!(
                    "must provide at most {} items (has {count}; {key}, {})",
                    limit.max, limit.source
                ),
            );
        } else if count < limit.min {
            self.refuse(
                pointer,
                format!(
                    "must provide at least {} items (has {count}; {key}, {})",
                    limit.min, limit.source
                ),
            );
        }
    }

    /// A string field, if present, against a row.
    fn string_field(&mut self, key: &str, object: &Value, field: &str, pointer: &str) {
        match object.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => self.chars(key, &format!("{pointer}/{field}"), text),
            Some(_) => self.refuse(&format!("{pointer}/{field}"), "must be a string".to_owned()),
        }
    }

    /// A text object (`{"type":"plain_text","text":…}`), if present, against a row.
    fn text_field(&mut self, key: &str, object: &Value, field: &str, pointer: &str) {
        let Some(text_object) = object.get(field).filter(|value| !value.is_null()) else {
            return;
        };
        self.text_object(key, text_object, &format!("{pointer}/{field}"));
    }

    fn text_object(&mut self, key: &str, text_object: &Value, pointer: &str) {
        match text_object.get("text").and_then(Value::as_str) {
            Some(text) => {
                self.chars("text_object.text", &format!("{pointer}/text"), text);
                if !text.is_empty() {
                    self.chars(key, &format!("{pointer}/text"), text);
                }
            }
            None => self.refuse(
                pointer,
                "must be a text object with a `text` string".to_owned(),
            ),
        }
    }

    fn blocks(&mut self, surface_key: &str, blocks: &Value, pointer: &str) {
        let blocks = decoded(blocks);
        let Some(blocks) = blocks.as_array() else {
            self.refuse(pointer, "must be an array".to_owned());
            return;
        };
        self.items(surface_key, pointer, blocks.len());
        for (index, block) in blocks.iter().enumerate() {
            self.block(block, &format!("{pointer}/{index}"));
        }
    }

    fn block(&mut self, block: &Value, pointer: &str) {
        if let Some(block_id) = block.get("block_id").and_then(Value::as_str) {
            self.chars("block.block_id", &format!("{pointer}/block_id"), block_id);
            if !self.block_ids.insert(block_id.to_owned()) {
                self.refuse(
                    &format!("{pointer}/block_id"),
                    format!(
                        "block_id {block_id:?} is not unique within the message or view ({BLOCKS})"
                    ),
                );
            }
        }
        match block
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "section" => self.section(block, pointer),
            "header" => self.text_field("header.text", block, "text", pointer),
            "context" => {
                let elements = block.get("elements").and_then(Value::as_array);
                self.items(
                    "context.elements",
                    &format!("{pointer}/elements"),
                    elements.map_or(0, Vec::len),
                );
                for (index, element) in elements.into_iter().flatten().enumerate() {
                    if element.get("type").and_then(Value::as_str) != Some("image") {
                        self.text_object(
                            "text_object.text",
                            element,
                            &format!("{pointer}/elements/{index}"),
                        );
                    }
                }
            }
            "actions" => self.actions(block, pointer),
            "input" => self.input(block, pointer),
            _ => {}
        }
    }

    fn section(&mut self, block: &Value, pointer: &str) {
        let has_text = block.get("text").is_some_and(|t| !t.is_null());
        let fields = block.get("fields").and_then(Value::as_array);
        if !has_text && fields.is_none() {
            self.refuse(
                pointer,
                format!("a section needs `text` or `fields` ({SECTION})"),
            );
        }
        self.text_field("section.text", block, "text", pointer);
        if let Some(fields) = fields {
            self.items("section.fields", &format!("{pointer}/fields"), fields.len());
            for (index, field) in fields.iter().enumerate() {
                self.text_object("section.field", field, &format!("{pointer}/fields/{index}"));
            }
        }
        if let Some(accessory) = block.get("accessory").filter(|a| !a.is_null()) {
            self.element(accessory, &format!("{pointer}/accessory"));
        }
    }

    fn actions(&mut self, block: &Value, pointer: &str) {
        let elements = block.get("elements").and_then(Value::as_array);
        self.items(
            "actions.elements",
            &format!("{pointer}/elements"),
            elements.map_or(0, Vec::len),
        );
        let mut action_ids = HashSet::new();
        for (index, element) in elements.into_iter().flatten().enumerate() {
            let element_pointer = format!("{pointer}/elements/{index}");
            if let Some(action_id) = element.get("action_id").and_then(Value::as_str) {
                if !action_ids.insert(action_id.to_owned()) {
                    self.refuse(
                        &format!("{element_pointer}/action_id"),
                        format!(
                            "action_id {action_id:?} is not unique within the actions block ({ACTIONS})"
                        ),
                    );
                }
            }
            self.element(element, &element_pointer);
        }
    }

    fn input(&mut self, block: &Value, pointer: &str) {
        if block.get("label").is_none() {
            self.refuse(pointer, format!("an input needs a `label` ({INPUT})"));
        }
        self.text_field("input.label", block, "label", pointer);
        self.text_field("input.hint", block, "hint", pointer);
        match block.get("element") {
            Some(element) if element.is_object() => {
                self.element(element, &format!("{pointer}/element"));
            }
            _ => self.refuse(
                pointer,
                format!("an input holds exactly one `element` ({INPUT})"),
            ),
        }
        if block.get("elements").is_some() {
            self.refuse(
                &format!("{pointer}/elements"),
                format!("an input holds exactly one `element` ({INPUT})"),
            );
        }
    }

    fn element(&mut self, element: &Value, pointer: &str) {
        self.string_field("element.action_id", element, "action_id", pointer);
        if let Some(confirm) = element.get("confirm").filter(|c| !c.is_null()) {
            let confirm_pointer = format!("{pointer}/confirm");
            self.text_field("confirm.title", confirm, "title", &confirm_pointer);
            self.text_field("confirm.text", confirm, "text", &confirm_pointer);
            self.text_field("confirm.confirm", confirm, "confirm", &confirm_pointer);
            self.text_field("confirm.deny", confirm, "deny", &confirm_pointer);
        }
        let kind = element
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match kind {
            "button" => {
                self.text_field("button.text", element, "text", pointer);
                self.string_field("button.value", element, "value", pointer);
                self.string_field("button.url", element, "url", pointer);
            }
            "plain_text_input" => {
                self.text_field(
                    "plain_text_input.placeholder",
                    element,
                    "placeholder",
                    pointer,
                );
                if let Some(max) = element.get("max_length").and_then(Value::as_u64) {
                    let limit = limit("plain_text_input.max_length");
                    if usize::try_from(max).map_or(true, |max| max > limit.max) {
                        self.refuse(
                            &format!("{pointer}/max_length"),
                            format!(
                                "must be at most {} (is {max}; plain_text_input.max_length, {})",
                                limit.max, limit.source
                            ),
                        );
                    }
                }
            }
            "number_input" => {
                // Slack refuses an initial value that is not a number the input accepts.
                if let Some(initial) = element.get("initial_value").and_then(Value::as_str) {
                    let decimal = element
                        .get("is_decimal_allowed")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    let number = if decimal {
                        initial.parse::<f64>().ok()
                    } else {
                        initial.parse::<i64>().ok().map(|n| n as f64)
                    };
                    let bound = |key: &str| {
                        element
                            .get(key)
                            .and_then(Value::as_str)
                            .and_then(|b| b.parse::<f64>().ok())
                    };
                    let fits = number.is_some_and(|n| {
                        bound("min_value").is_none_or(|min| n >= min)
                            && bound("max_value").is_none_or(|max| n <= max)
                    });
                    if !fits {
                        self.refuse(
                            &format!("{pointer}/initial_value"),
                            format!(
                                "must be a {} within min_value and max_value (is {initial:?})",
                                if decimal { "number" } else { "whole number" }
                            ),
                        );
                    }
                }
            }
            "static_select" | "multi_static_select" => {
                self.text_field("select.placeholder", element, "placeholder", pointer);
                let options_key = if kind == "static_select" {
                    "select.options"
                } else {
                    "multi_select.options"
                };
                self.option_list(element, pointer, options_key, "select.option_groups", true);
            }
            "external_select"
            | "multi_external_select"
            | "users_select"
            | "multi_users_select"
            | "conversations_select"
            | "channels_select" => {
                self.text_field("select.placeholder", element, "placeholder", pointer);
                self.initial_options(element, pointer, None);
            }
            "checkboxes" => {
                self.option_list(element, pointer, "checkboxes.options", "", true);
            }
            "radio_buttons" => {
                self.option_list(element, pointer, "radio_buttons.options", "", true);
            }
            "overflow" => {
                self.option_list(element, pointer, "overflow.options", "", false);
            }
            _ => {}
        }
    }

    fn option(&mut self, option: &Value, pointer: &str) {
        self.text_field("option.text", option, "text", pointer);
        self.string_field("option.value", option, "value", pointer);
        self.text_field("option.description", option, "description", pointer);
    }

    /// `options` (or, where allowed, `option_groups`) of an element, and its initial options,
    /// which must be among them.
    fn option_list(
        &mut self,
        element: &Value,
        pointer: &str,
        options_key: &str,
        groups_key: &str,
        has_initial: bool,
    ) {
        let mut all = Vec::new();
        let groups = element.get("option_groups").and_then(Value::as_array);
        match (element.get("options").and_then(Value::as_array), groups) {
            (Some(options), _) => {
                self.items(options_key, &format!("{pointer}/options"), options.len());
                for (index, option) in options.iter().enumerate() {
                    self.option(option, &format!("{pointer}/options/{index}"));
                }
                all.extend(options.iter().cloned());
            }
            (None, Some(groups)) if !groups_key.is_empty() => {
                self.items(
                    groups_key,
                    &format!("{pointer}/option_groups"),
                    groups.len(),
                );
                for (index, group) in groups.iter().enumerate() {
                    let group_pointer = format!("{pointer}/option_groups/{index}");
                    self.text_field("option_group.label", group, "label", &group_pointer);
                    let options = group.get("options").and_then(Value::as_array);
                    self.items(
                        "option_group.options",
                        &format!("{group_pointer}/options"),
                        options.map_or(0, Vec::len),
                    );
                    for (option_index, option) in options.into_iter().flatten().enumerate() {
                        self.option(option, &format!("{group_pointer}/options/{option_index}"));
                        all.push(option.clone());
                    }
                }
            }
            _ => self.items(options_key, &format!("{pointer}/options"), 0),
        }
        if has_initial {
            self.initial_options(element, pointer, Some(&all));
        }
    }

    /// `initial_option` / `initial_options`: valid options, and (when the element lists its
    /// options) among them, as Slack compares them (same value and text).
    fn initial_options(&mut self, element: &Value, pointer: &str, among: Option<&[Value]>) {
        let mut initial = Vec::new();
        if let Some(option) = element.get("initial_option").filter(|o| o.is_object()) {
            initial.push((format!("{pointer}/initial_option"), option.clone()));
        }
        if let Some(options) = element.get("initial_options").and_then(Value::as_array) {
            for (index, option) in options.iter().enumerate() {
                initial.push((format!("{pointer}/initial_options/{index}"), option.clone()));
            }
        }
        for (option_pointer, option) in initial {
            if !option.get("text").is_some_and(Value::is_object) {
                // users_select and friends take ids, not option objects.
                continue;
            }
            self.option(&option, &option_pointer);
            if let Some(among) = among {
                let same = |candidate: &Value| {
                    candidate.get("value") == option.get("value")
                        && candidate.pointer("/text/text") == option.pointer("/text/text")
                };
                if !among.iter().any(same) {
                    self.refuse(
                        &option_pointer,
                        format!("must match one of the element's options ({OPTION})"),
                    );
                }
            }
        }
    }
}

/// What Slack would refuse in a message payload (`text`, `blocks`), as sent to
/// chat.postMessage, chat.postEphemeral, chat.update, a response_url or a slash-command reply.
pub fn check_message(payload: &Value) -> Vec<Violation> {
    let mut checker = Checker::new();
    checker.string_field("message.text", payload, "text", "");
    if let Some(blocks) = payload.get("blocks").filter(|b| !b.is_null()) {
        checker.blocks("message.blocks", blocks, "/blocks");
    }
    checker.violations
}

/// What Slack would refuse in a view (modal or Home tab), as sent to views.* or in a
/// `response_action` answer. `pointer` is where the view sits in the request (`/view`).
pub fn check_view(view: &Value, pointer: &str) -> Vec<Violation> {
    let view = decoded(view);
    let mut checker = Checker::new();
    let kind = view.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind == "modal" {
        if view.get("title").is_none_or(Value::is_null) {
            checker.refuse(pointer, format!("a modal needs a `title` ({VIEWS})"));
        }
        checker.text_field("view.title", &view, "title", pointer);
        checker.text_field("view.submit", &view, "submit", pointer);
        checker.text_field("view.close", &view, "close", pointer);
        let has_input = view
            .get("blocks")
            .and_then(Value::as_array)
            .is_some_and(|blocks| blocks.iter().any(|b| b["type"] == "input"));
        if has_input && view.get("submit").is_none_or(Value::is_null) {
            checker.refuse(
                pointer,
                format!("a modal with input blocks needs `submit` ({VIEWS})"),
            );
        }
    } else if kind != "home" {
        checker.refuse(
            &format!("{pointer}/type"),
            format!("must be `modal` or `home` ({VIEWS})"),
        );
    }
    // What Slack adds to a view it returns (id, hash, state…) is not part of a view
    // one sends, and Slack refuses a view carrying it.
    for key in [
        "id",
        "hash",
        "state",
        "team_id",
        "app_id",
        "bot_id",
        "root_view_id",
        "previous_view_id",
        "app_installed_team_id",
    ] {
        if view.get(key).is_some_and(|v| !v.is_null()) {
            checker.refuse(
                &format!("{pointer}/{key}"),
                format!("`{key}` is set by Slack, not sent in a view ({VIEWS})"),
            );
        }
    }
    checker.string_field("view.private_metadata", &view, "private_metadata", pointer);
    checker.string_field("view.callback_id", &view, "callback_id", pointer);
    checker.string_field("view.external_id", &view, "external_id", pointer);
    match view.get("blocks") {
        Some(blocks) => checker.blocks("view.blocks", blocks, &format!("{pointer}/blocks")),
        None => checker.refuse(pointer, format!("a view needs `blocks` ({VIEWS})")),
    }
    checker.violations
}

/// What Slack would refuse in an answer to a `block_suggestion` (the options endpoint).
pub fn check_options_answer(answer: &Value) -> Vec<Violation> {
    let mut checker = Checker::new();
    if let Some(options) = answer.get("options").and_then(Value::as_array) {
        checker.items("options_answer.options", "/options", options.len());
        for (index, option) in options.iter().enumerate() {
            checker.option(option, &format!("/options/{index}"));
        }
    }
    if let Some(groups) = answer.get("option_groups").and_then(Value::as_array) {
        checker.items(
            "options_answer.option_groups",
            "/option_groups",
            groups.len(),
        );
        for (index, group) in groups.iter().enumerate() {
            let pointer = format!("/option_groups/{index}");
            checker.text_field("option_group.label", group, "label", &pointer);
            let options = group.get("options").and_then(Value::as_array);
            checker.items(
                "option_group.options",
                &format!("{pointer}/options"),
                options.map_or(0, Vec::len),
            );
            for (option_index, option) in options.into_iter().flatten().enumerate() {
                checker.option(option, &format!("{pointer}/options/{option_index}"));
            }
        }
    }
    checker.violations
}

/// What an immediate answer to Slack answers: Slack reads the answer to a slash command as
/// a message, the answer to a `view_submission` as a `response_action`, and the answer to
/// a `block_suggestion` as a list of options. The HTTP response and the Socket Mode
/// acknowledgement's `payload` are read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answering {
    Command,
    Interaction,
    Options,
}

/// Checks the bot's immediate answer the way Slack reads it (see [`Answering`]); each
/// kind has the same limits as the Web API methods.
pub fn check_answer(to: Answering, answer: &Value) -> Vec<Violation> {
    if to == Answering::Options {
        return check_options_answer(answer);
    }
    match answer.get("response_action").and_then(|a| a.as_str()) {
        Some("update" | "push") => check_view(&answer["view"], "/view"),
        Some("errors") => match answer.get("errors") {
            Some(errors) if errors.is_object() => Vec::new(),
            _ => vec![Violation {
                pointer: "/errors".to_owned(),
                message: "response_action errors needs an `errors` object".to_owned(),
            }],
        },
        Some("clear") => Vec::new(),
        Some(other) => vec![Violation {
            pointer: "/response_action".to_owned(),
            message: format!("unknown response_action {other:?}"),
        }],
        None => check_message(answer),
    }
}
