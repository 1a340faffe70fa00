//! A measure as stored: its kind and JSON parameters, read back field by field. Errors
//! name the field, never its value (some parameters are personal data).

use chrono::{NaiveTime, Timelike};
use serde_json::{json, Map, Value};

use super::*;

impl Measure {
    pub fn kind(&self) -> MeasureKind {
        match self {
            Measure::TimeLimitedContact { .. } => MeasureKind::TimeLimitedContact,
            Measure::SingleContactMethod { .. } => MeasureKind::SingleContactMethod,
            Measure::SinglePointOfContact { .. } => MeasureKind::SinglePointOfContact,
            Measure::CallsRecorded => MeasureKind::CallsRecorded,
            Measure::ReadAndFile => MeasureKind::ReadAndFile,
            Measure::RefuseReopen { .. } => MeasureKind::RefuseReopen,
            Measure::BlockContact { .. } => MeasureKind::BlockContact,
            Measure::Other { .. } => MeasureKind::Other,
        }
    }

    /// The stored spelling of the kind (the `kind` column).
    pub fn kind_str(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The parameters as stored (the `params` column).
    pub fn params(&self) -> Value {
        match self {
            Measure::TimeLimitedContact {
                mode,
                windows,
                max_minutes,
            } => {
                let slots: Vec<Value> = windows
                    .iter()
                    .map(|w| {
                        json!({
                            "day": weekday_code(w.weekday),
                            "from": hhmm(w.start),
                            "to": hhmm(w.end),
                        })
                    })
                    .collect();
                let mut params = json!({ "mode": mode.as_str(), "slots": slots });
                if let (Some(minutes), Some(object)) = (max_minutes, params.as_object_mut()) {
                    object.insert("max_minutes".into(), json!(minutes));
                }
                params
            }
            Measure::SingleContactMethod { method } => json!({ "method": method.as_str() }),
            Measure::SinglePointOfContact { staff } => json!({ "slack_user_id": staff }),
            Measure::CallsRecorded | Measure::ReadAndFile => json!({}),
            Measure::RefuseReopen { case_reference } => {
                json!({ "case_reference": case_reference })
            }
            Measure::BlockContact { identifiers } => json!({ "identifiers": identifiers }),
            Measure::Other { description } => json!({ "description": description }),
        }
    }

    /// Rebuilds a measure from its stored kind and parameters. Checks their shape only;
    /// [`Measure::validate`] checks that the measure makes sense.
    pub fn from_parts(kind: &str, params: &Value) -> Result<Measure, MeasureError> {
        let kind: MeasureKind = kind.parse()?;
        let fields = Fields::new(kind, params)?;
        let measure = match kind {
            MeasureKind::TimeLimitedContact => Measure::TimeLimitedContact {
                mode: fields.text("mode")?.parse()?,
                windows: fields
                    .list("slots")?
                    .iter()
                    .map(window_from_json)
                    .collect::<Result<_, _>>()
                    .map_err(|e| fields.bad(e))?,
                max_minutes: fields.optional_minutes("max_minutes")?,
            },
            MeasureKind::SingleContactMethod => Measure::SingleContactMethod {
                method: fields.text("method")?.parse()?,
            },
            MeasureKind::SinglePointOfContact => Measure::SinglePointOfContact {
                staff: fields.staff_user_id()?,
            },
            MeasureKind::CallsRecorded => Measure::CallsRecorded,
            MeasureKind::ReadAndFile => Measure::ReadAndFile,
            MeasureKind::RefuseReopen => Measure::RefuseReopen {
                case_reference: fields.text("case_reference")?.to_owned(),
            },
            MeasureKind::BlockContact => Measure::BlockContact {
                identifiers: fields.texts("identifiers")?,
            },
            MeasureKind::Other => Measure::Other {
                description: fields.text("description")?.to_owned(),
            },
        };
        Ok(measure)
    }

    /// Checks that the measure can be applied as written: windows that exist and end after
    /// they start, a real member of staff, a case reference, something to block.
    pub fn validate(&self) -> Result<(), MeasureError> {
        match self {
            Measure::TimeLimitedContact {
                windows,
                max_minutes,
                ..
            } => {
                if windows.is_empty() {
                    return Err(MeasureError::NoWindows);
                }
                for window in windows {
                    if window.start.second() != 0 || window.end.second() != 0 {
                        return Err(MeasureError::WindowNotWholeMinutes(*window));
                    }
                    if window.start >= window.end {
                        return Err(MeasureError::WindowEndsBeforeStart(*window));
                    }
                }
                if *max_minutes == Some(0) {
                    return Err(MeasureError::ZeroMinutes);
                }
                Ok(())
            }
            Measure::SingleContactMethod { .. } | Measure::CallsRecorded | Measure::ReadAndFile => {
                Ok(())
            }
            Measure::SinglePointOfContact { staff } => UserId::parse(staff.as_str())
                .map(drop)
                .map_err(|_| MeasureError::InvalidStaffUserId),
            Measure::RefuseReopen { case_reference } => bounded(
                case_reference,
                MAX_CASE_REFERENCE_CHARS,
                MeasureError::EmptyCaseReference,
            ),
            Measure::BlockContact { identifiers } => {
                if identifiers.is_empty() || identifiers.iter().any(|i| i.trim().is_empty()) {
                    return Err(MeasureError::NoIdentifiers);
                }
                Ok(())
            }
            Measure::Other { description } => bounded(
                description,
                MAX_DESCRIPTION_CHARS,
                MeasureError::EmptyDescription,
            ),
        }
    }

    /// The member of staff the measure names, if it names one.
    pub fn staff(&self) -> Option<&UserId> {
        match self {
            Measure::SinglePointOfContact { staff } => Some(staff),
            _ => None,
        }
    }

    /// The measure with every value staff typed into it (a case reference, blocked
    /// numbers or addresses, a description) passed through `typed`: a surface escapes
    /// them this way before wording the measure around them.
    pub fn with_typed_text(&self, typed: &dyn Fn(&str) -> String) -> Measure {
        match self {
            Measure::RefuseReopen { case_reference } => Measure::RefuseReopen {
                case_reference: typed(case_reference),
            },
            Measure::BlockContact { identifiers } => Measure::BlockContact {
                identifiers: identifiers.iter().map(|i| typed(i)).collect(),
            },
            Measure::Other { description } => Measure::Other {
                description: typed(description),
            },
            other => other.clone(),
        }
    }

    /// One line for managers and heads of function, e.g.
    /// "Calls only Tuesday 09:00–12:00, at most 10 minutes". `staff` names the member of
    /// staff a single point of contact is (in Slack, a mention).
    pub fn summary(&self, staff: &dyn Fn(&UserId) -> String) -> String {
        match self {
            Measure::TimeLimitedContact {
                mode,
                windows,
                max_minutes,
            } => {
                let mut line = format!(
                    "{} only {}",
                    capitalised(mode.plural()),
                    list_windows(windows)
                );
                if let Some(minutes) = max_minutes {
                    line.push_str(&format!(", at most {}", minutes_phrase(*minutes)));
                }
                line
            }
            Measure::SingleContactMethod { method } => {
                format!("Contact {} only", method.by())
            }
            Measure::SinglePointOfContact { staff: who } => {
                format!("Single point of contact: {}", staff(who))
            }
            Measure::CallsRecorded => "Calls recorded or monitored".into(),
            Measure::ReadAndFile => {
                "Read and file correspondence; reply only to new information or a new complaint"
                    .into()
            }
            Measure::RefuseReopen { case_reference } => format!(
                "Refuse to reopen case {} or its decision",
                case_reference.trim()
            ),
            Measure::BlockContact { identifiers } => {
                let trimmed: Vec<&str> = identifiers.iter().map(|i| i.trim()).collect();
                format!("Block contact from {}", join_and(&trimmed))
            }
            Measure::Other { description } => format!("Other: {}", description.trim()),
        }
    }
}

pub(super) fn bounded(value: &str, max: usize, empty: MeasureError) -> Result<(), MeasureError> {
    let value = value.trim();
    if value.is_empty() {
        Err(empty)
    } else if value.chars().count() > max {
        Err(MeasureError::TooLong { max })
    } else {
        Ok(())
    }
}

pub(super) fn window_from_json(slot: &Value) -> Result<ContactWindow, String> {
    let field = |key: &str| {
        slot.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("a slot has no text \"{key}\""))
    };
    let day = field("day")?;
    let time = |key: &str| {
        let raw = field(key)?;
        NaiveTime::parse_from_str(raw, "%H:%M")
            .map_err(|_| format!("slot \"{key}\" {raw:?} is not a time like 09:00"))
    };
    Ok(ContactWindow {
        weekday: day
            .parse()
            .map_err(|_| format!("slot day {day:?} is not a day of the week"))?,
        start: time("from")?,
        end: time("to")?,
    })
}

/// Reads the fields of stored parameters for `from_parts`. Errors name the field, never
/// its value, because some parameters are personal data (blocked numbers, staff names).
pub(super) struct Fields<'a> {
    kind: MeasureKind,
    params: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(kind: MeasureKind, params: &'a Value) -> Result<Self, MeasureError> {
        match params.as_object() {
            Some(params) => Ok(Self { kind, params }),
            None => Err(MeasureError::BadParams {
                kind: kind.as_str(),
                reason: "they are not a JSON object".into(),
            }),
        }
    }

    fn bad(&self, reason: String) -> MeasureError {
        MeasureError::BadParams {
            kind: self.kind.as_str(),
            reason,
        }
    }

    fn missing(&self, key: &str, expected: &str) -> MeasureError {
        self.bad(format!("\"{key}\" is missing or not {expected}"))
    }

    fn text(&self, key: &str) -> Result<&'a str, MeasureError> {
        self.params
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.missing(key, "text"))
    }

    /// The member of staff of a single point of contact: `slack_user_id`, as an id or
    /// as Slack's mention markup (`<@U…>`). Rows stored before names were looked up in
    /// Slack also carry `name`, which held that markup; the id is read from it when
    /// `slack_user_id` does not give one. Any other `name` is ignored.
    fn staff_user_id(&self) -> Result<UserId, MeasureError> {
        ["slack_user_id", "name"]
            .into_iter()
            .filter_map(|key| self.params.get(key).and_then(Value::as_str))
            .find_map(|raw| UserId::parse(raw).ok())
            .ok_or_else(|| self.missing("slack_user_id", "a Slack user id"))
    }

    fn list(&self, key: &str) -> Result<&'a [Value], MeasureError> {
        self.params
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .ok_or_else(|| self.missing(key, "a list"))
    }

    fn texts(&self, key: &str) -> Result<Vec<String>, MeasureError> {
        self.list(key)?
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| self.missing(key, "a list of text"))
    }

    fn optional_minutes(&self, key: &str) -> Result<Option<u32>, MeasureError> {
        match self.params.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|m| u32::try_from(m).ok())
                .map(Some)
                .ok_or_else(|| self.missing(key, "a whole number of minutes")),
        }
    }
}
