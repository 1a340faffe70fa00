//! Correcting the record (R-REC-1, UK GDPR art. 16): a person's own details (name,
//! identifiers, access requirements) are corrected in place, but records of what happened
//! (incidents, ended calls, warnings, breaches) are never rewritten; a manager of the
//! record's function adds a correction note, shown with the record wherever it is shown.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use super::UnknownValue;

/// The kinds of record a correction note can be added to; the stored spellings are the
/// schema's (`correction_notes.record_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectedRecord {
    Incident,
    EndedCall,
    Warning,
    Breach,
}

impl CorrectedRecord {
    pub const ALL: [CorrectedRecord; 4] = [
        CorrectedRecord::Incident,
        CorrectedRecord::EndedCall,
        CorrectedRecord::Warning,
        CorrectedRecord::Breach,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CorrectedRecord::Incident => "incident",
            CorrectedRecord::EndedCall => "ended_call",
            CorrectedRecord::Warning => "warning",
            CorrectedRecord::Breach => "breach",
        }
    }

    /// How staff call it.
    pub fn label(self) -> &'static str {
        match self {
            CorrectedRecord::Incident => "Incident",
            CorrectedRecord::EndedCall => "Call ended or held",
            CorrectedRecord::Warning => "Warning",
            CorrectedRecord::Breach => "Breach",
        }
    }

    /// The case file's kind of entry for this record (`HistoryEntry::kind`).
    pub fn history_kind(self) -> &'static str {
        match self {
            CorrectedRecord::Incident => "incident",
            CorrectedRecord::EndedCall => "call_ended",
            CorrectedRecord::Warning => "warning",
            CorrectedRecord::Breach => "breach",
        }
    }
}

impl fmt::Display for CorrectedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CorrectedRecord {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new("record type", s))
    }
}

/// One record a note is about: its kind and id, written `incident:12` in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: CorrectedRecord,
    pub id: i64,
}

impl RecordRef {
    pub fn new(kind: CorrectedRecord, id: i64) -> Self {
        Self { kind, id }
    }

    /// `incident:12`, as a select option carries it.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }

    /// Reads back [`RecordRef::encode`]; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (kind, id) = raw.split_once(':')?;
        Some(Self {
            kind: kind.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// The longest correction note: long enough to say what was wrong and what is right,
/// short enough to show whole beside its record in a case file section.
pub const MAX_NOTE_CHARS: usize = 2000;

/// What a manager writes to correct a record: trimmed, 1 to [`MAX_NOTE_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionText(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCorrection {
    #[error("Write what was wrong in the record and what is right.")]
    Empty,
    #[error("A correction note can be at most {MAX_NOTE_CHARS} characters.")]
    TooLong,
}

impl CorrectionText {
    pub fn parse(raw: &str) -> Result<Self, InvalidCorrection> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(InvalidCorrection::Empty);
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(InvalidCorrection::TooLong);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether saving a details form would put back values someone else changed while it was
/// open (R-REC-1: concurrent edits never silently lose data). The form carries the
/// person's details version it was opened at; if that moved on, the form's name and
/// access requirements are what the person had before, and saving them would undo the
/// other change unless they already match what is now on record.
pub fn saves_over_another_change(
    opened_at: i64,
    now_at: i64,
    form_matches_record_now: bool,
) -> bool {
    opened_at != now_at && !form_matches_record_now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_rec_1_record_refs_round_trip_and_refuse_anything_else() {
        for kind in CorrectedRecord::ALL {
            let r = RecordRef::new(kind, 42);
            assert_eq!(RecordRef::parse(&r.encode()), Some(r));
            assert_eq!(kind.as_str().parse::<CorrectedRecord>(), Ok(kind));
        }
        for bad in ["", "incident", "incident:", "incident:x", "request:1", ":1"] {
            assert_eq!(RecordRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn r_rec_1_a_correction_note_is_trimmed_and_bounded() {
        assert_eq!(
            CorrectionText::parse("  The date was 3 May  ").map(|t| t.0),
            Ok("The date was 3 May".to_owned())
        );
        assert_eq!(CorrectionText::parse(" \n "), Err(InvalidCorrection::Empty));
        assert_eq!(
            CorrectionText::parse(&"x".repeat(MAX_NOTE_CHARS + 1)),
            Err(InvalidCorrection::TooLong)
        );
        assert!(CorrectionText::parse(&"é".repeat(MAX_NOTE_CHARS)).is_ok());
    }

    #[test]
    fn r_rec_1_a_stale_form_is_refused_only_when_it_would_undo_a_change() {
        assert!(!saves_over_another_change(3, 3, false), "nobody else saved");
        assert!(saves_over_another_change(3, 4, false), "would undo theirs");
        assert!(
            !saves_over_another_change(3, 4, true),
            "the same values: nothing is lost"
        );
    }
}
