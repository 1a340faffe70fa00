//! What a modal carries from opening to submission (`private_metadata`), typed. The JSON
//! is the same as before it was typed (keys in alphabetical order, absent ones left out),
//! so modals already open in people's Slack still submit.

use serde::{Deserialize, Serialize};

/// What a modal carries from opening to submission. Fields are in alphabetical order so
/// the JSON matches what earlier versions wrote through a `serde_json::Value` map.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    /// The one id a modal is about when it is not a function, incident or person: the
    /// letter, the request being varied, the dispute, the review; or a small JSON text
    /// (the reject modal's request and ticked criteria).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
}

impl Metadata {
    pub fn parse(raw: Option<&str>) -> Self {
        raw.and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The same metadata carrying `extra`.
    pub fn with_extra(&self, extra: Option<&str>) -> Self {
        let mut out = self.clone();
        if let Some(extra) = extra {
            out.extra = Some(extra.to_owned());
        }
        out
    }

    /// `extra` read back as an id.
    pub fn extra_id(&self) -> Option<i64> {
        self.extra.as_deref().and_then(|v| v.parse::<i64>().ok())
    }
}

/// `extra` of raw private metadata, as the submission handlers read it.
pub fn extra_of(raw: Option<&str>) -> Option<String> {
    Metadata::parse(raw).extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_json_is_what_open_modals_carry() {
        let m = Metadata {
            function_id: Some(3),
            person_id: Some(9),
            ..Metadata::default()
        };
        assert_eq!(m.encode(), r#"{"function_id":3,"person_id":9}"#);
        assert_eq!(
            m.with_extra(Some("12")).encode(),
            r#"{"extra":"12","function_id":3,"person_id":9}"#
        );
        assert_eq!(
            Metadata::default().with_extra(Some("7")).encode(),
            r#"{"extra":"7"}"#
        );
        let old = r#"{"extra":"{\"request_id\":4}","function_id":1}"#;
        assert_eq!(extra_of(Some(old)).as_deref(), Some(r#"{"request_id":4}"#));
        assert_eq!(Metadata::parse(Some("not json")), Metadata::default());
    }
}
