//! The append-only audit trail (R-REC-4). An entry is built here and written by the
//! store in the same transaction as the change it records. Entries carry ids, statuses
//! and field names, never personal values, so erasing a person never touches the trail.

use serde_json::Value;

use super::Actor;

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: Actor,
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: String,
    pub function_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEntry {
    pub fn new(
        actor: &Actor,
        action: &'static str,
        subject_type: &'static str,
        subject_id: impl ToString,
    ) -> Self {
        Self {
            actor: actor.clone(),
            action,
            subject_type,
            subject_id: subject_id.to_string(),
            function_id: None,
            before: None,
            after: None,
        }
    }

    pub fn in_function(mut self, function_id: i64) -> Self {
        self.function_id = Some(function_id);
        self
    }

    pub fn before(mut self, value: Value) -> Self {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: Value) -> Self {
        self.after = Some(value);
        self
    }
}
