//! A service user (§1 footnote: anyone who contacts the organisation) as staff know them:
//! a name, the identifiers they contact us by, and their access requirements (R-REC-1).
//!
//! Identifiers are kept as typed and in one normalised form (phone numbers in E.164,
//! emails lower-cased, case references upper-cased), so `/contact check` finds the
//! person however the number or address is typed (R-RPT-5).

use std::fmt;
use std::str::FromStr;

use phonenumber::{country, Mode, PhoneNumber};
use serde::{Deserialize, Serialize};

pub use super::UnknownValue;

/// What sort of identifier a value is; the stored spellings are the schema's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Phone,
    Email,
    PostalAddress,
    CaseRef,
}

impl IdentifierKind {
    pub const ALL: [IdentifierKind; 4] = [
        IdentifierKind::Phone,
        IdentifierKind::Email,
        IdentifierKind::PostalAddress,
        IdentifierKind::CaseRef,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
            IdentifierKind::PostalAddress => "postal_address",
            IdentifierKind::CaseRef => "case_ref",
        }
    }

    /// How staff call it, e.g. as a form label.
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "Phone number",
            IdentifierKind::Email => "Email address",
            IdentifierKind::PostalAddress => "Postal address",
            IdentifierKind::CaseRef => "Case reference",
        }
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdentifierKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new("identifier kind", s))
    }
}

/// Why a typed identifier was not accepted. The messages are shown to the member of staff
/// who typed it. They deliberately do not repeat the value: identifiers are personal data
/// and errors can end up in logs (R-OPS-4).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentifierError {
    #[error("That is not a phone number we recognise; type it as 07700 900123 or +44 7700 900123")]
    Phone,
    #[error("That is not an email address; type it as name@example.org")]
    Email,
    #[error("A case reference must be 1 to {MAX_CASE_REF_CHARS} characters")]
    CaseRef,
    #[error("A postal address must be 1 to {MAX_POSTAL_ADDRESS_CHARS} characters")]
    PostalAddress,
}

const MAX_CASE_REF_CHARS: usize = 64;
const MAX_POSTAL_ADDRESS_CHARS: usize = 500;

/// The default region for numbers typed without a country code: the organisation is in
/// England and Wales.
const DEFAULT_REGION: country::Id = country::Id::GB;

/// One way a service user is known: a phone number, email address, postal address or case
/// reference, as typed (trimmed) and normalised for lookup (R-REC-1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    kind: IdentifierKind,
    value: String,
    normalized: String,
}

impl Identifier {
    /// Parses `raw` as an identifier of the given kind.
    pub fn parse(kind: IdentifierKind, raw: &str) -> Result<Self, IdentifierError> {
        match kind {
            IdentifierKind::Phone => Self::phone(raw),
            IdentifierKind::Email => Self::email(raw),
            IdentifierKind::PostalAddress => Self::postal_address(raw),
            IdentifierKind::CaseRef => Self::case_ref(raw),
        }
    }

    /// A phone number, normalised to E.164 (`+447700900123`). Numbers without a country
    /// code are read as UK numbers; `447700900123` and `0044 7700 900123` are understood too.
    pub fn phone(raw: &str) -> Result<Self, IdentifierError> {
        let value = raw.trim();
        let normalized = normalize_phone(value).ok_or(IdentifierError::Phone)?;
        Ok(Self::new(IdentifierKind::Phone, value, normalized))
    }

    /// An email address: one `@`, something before it, and a domain with a dot after it.
    /// Normalised to lower case as a whole, so `Sam@Example.org` finds `sam@example.org`.
    pub fn email(raw: &str) -> Result<Self, IdentifierError> {
        let value = raw.trim();
        if !looks_like_email(value) {
            return Err(IdentifierError::Email);
        }
        Ok(Self::new(
            IdentifierKind::Email,
            value,
            value.to_lowercase(),
        ))
    }

    /// A case reference such as `CASE-123`: 1 to 64 characters, normalised to upper case
    /// with inner spaces removed, so `case 123` and `CASE123` are the same reference.
    pub fn case_ref(raw: &str) -> Result<Self, IdentifierError> {
        let value = raw.trim();
        let normalized = normalize_case_ref(value).ok_or(IdentifierError::CaseRef)?;
        Ok(Self::new(IdentifierKind::CaseRef, value, normalized))
    }

    /// A postal address, normalised to lower case with commas and full stops removed and
    /// runs of spaces and line breaks collapsed to one space.
    pub fn postal_address(raw: &str) -> Result<Self, IdentifierError> {
        let value = raw.trim();
        if value.is_empty() || value.chars().count() > MAX_POSTAL_ADDRESS_CHARS {
            return Err(IdentifierError::PostalAddress);
        }
        let without_punctuation: String = value
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, ',' | '.'))
            .collect();
        let normalized = without_punctuation
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if normalized.is_empty() {
            return Err(IdentifierError::PostalAddress);
        }
        Ok(Self::new(IdentifierKind::PostalAddress, value, normalized))
    }

    /// For rows read back from the store, which were normalised when they were written.
    pub fn from_stored(
        kind: IdentifierKind,
        value: impl Into<String>,
        normalized: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            value: value.into(),
            normalized: normalized.into(),
        }
    }

    fn new(kind: IdentifierKind, value: &str, normalized: String) -> Self {
        Self {
            kind,
            value: value.to_owned(),
            normalized,
        }
    }

    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// As typed, trimmed: what staff see.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The form lookups compare.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// What free text typed into `/contact check <text>` could mean as identifiers, each as
/// `(kind, normalized)` to look up (R-RPT-5). The caller searches names as well: this only
/// covers identifiers. A phone number or email is offered when the text parses as one;
/// the case-reference reading is always offered, so `case-123` finds `CASE-123`.
pub fn normalize_query(raw: &str) -> Vec<(IdentifierKind, String)> {
    let mut readings = Vec::new();
    if let Ok(phone) = Identifier::phone(raw) {
        readings.push((IdentifierKind::Phone, phone.normalized));
    }
    if let Ok(email) = Identifier::email(raw) {
        readings.push((IdentifierKind::Email, email.normalized));
    }
    if let Some(case_ref) = normalize_case_ref(raw.trim()) {
        readings.push((IdentifierKind::CaseRef, case_ref));
    }
    readings
}

/// The longest search staff can type. Names, numbers, emails and case references are all
/// far shorter; a longer text is a paste gone wrong, and answering it plainly is kinder
/// than searching for it.
pub const MAX_QUERY_CHARS: usize = 200;

/// Why a search for a person cannot be run as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Type a name, phone number, email address or case reference to search for.")]
    Empty,
    #[error("That search is too long: type at most {MAX_QUERY_CHARS} characters of a name, phone number, email address or case reference.")]
    TooLong,
    #[error("That search contains a control character (such as a NUL byte) that no name or identifier has: retype it rather than pasting it.")]
    ControlCharacter,
    #[error("Type at least 3 letters of a name, or a whole phone number, email address or case reference.")]
    NameTooShort,
}

/// The fewest characters of a name searched for (R-DP-3): shorter texts are matched
/// only as whole identifiers, so two letters cannot list half the register.
pub const MIN_NAME_QUERY_CHARS: usize = 3;

/// What staff typed to find a person (R-RPT-5), checked before any lookup: not empty, not
/// over [`MAX_QUERY_CHARS`], and free of control characters (a NUL byte would match every
/// name in SQLite and is refused by PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonQuery(String);

impl PersonQuery {
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(QueryError::Empty);
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        if text.chars().any(char::is_control) {
            return Err(QueryError::ControlCharacter);
        }
        Ok(Self(text.to_owned()))
    }

    /// The text as typed, trimmed.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The text to search for as part of a name: empty (no name search) when it is
    /// shorter than [`MIN_NAME_QUERY_CHARS`].
    pub fn name(&self) -> &str {
        if self.0.chars().count() < MIN_NAME_QUERY_CHARS {
            ""
        } else {
            &self.0
        }
    }

    /// The identifier readings to look up exactly (see [`normalize_query`]).
    pub fn identifiers(&self) -> Vec<(IdentifierKind, String)> {
        normalize_query(&self.0)
    }
}

fn normalize_case_ref(value: &str) -> Option<String> {
    let length = value.chars().count();
    if length == 0 || length > MAX_CASE_REF_CHARS {
        return None;
    }
    Some(
        value
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

fn looks_like_email(value: &str) -> bool {
    if value.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// E.164 form of a typed phone number, or None if it is not one.
///
/// The text may hold only digits, spaces and the punctuation people put in numbers, so a
/// case reference like `CASE-123` is never read as a phone number. It is parsed with the
/// UK as the default region; if that does not give a number and the text has no leading
/// `+` or `0`, it is read again as international (`12025550143` → `+12025550143`).
/// A number that the metadata says is allocated wins over one that merely has the right
/// shape for its country, which in turn is accepted: Ofcom's reserved ranges such as
/// 07700 900xxx are real-looking numbers that are never allocated, and staff still need
/// to record and find them.
fn normalize_phone(value: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_digit() || c.is_whitespace() || "+-().".contains(c);
    if value.is_empty() || !value.chars().all(allowed) || value.rfind('+').is_some_and(|i| i > 0) {
        return None;
    }
    let as_typed = phonenumber::parse(Some(DEFAULT_REGION), value).ok();
    let digits = value.trim_start_matches(|c: char| !c.is_ascii_digit());
    let as_international = if value.starts_with('+') || digits.starts_with('0') {
        None
    } else {
        phonenumber::parse(None, format!("+{digits}")).ok()
    };
    let candidates = [as_typed, as_international];
    let mut readings = candidates.iter().flatten();
    let chosen = match (readings.next(), readings.next()) {
        // One reading stands if it has the right shape or is allocated: the same answer
        // whichever is asked first, and the shape is one pattern where validity is many
        // (the lookup staff make most often, issue 12).
        (Some(only), None) => (has_plausible_shape(only) || only.is_valid()).then_some(only),
        _ => candidates
            .iter()
            .flatten()
            .find(|n| n.is_valid())
            .or_else(|| candidates.iter().flatten().find(|n| has_plausible_shape(n))),
    }?;
    Some(chosen.format().mode(Mode::E164).to_string())
}

/// Whether the whole national number matches the general pattern of numbers for its
/// country calling code. (The crate's own `Descriptor::is_match` accepts a match of the
/// first digits only, which would let extra digits through.)
fn has_plausible_shape(number: &PhoneNumber) -> bool {
    let national = number.national().to_string();
    phonenumber::metadata::DATABASE
        .by_code(&number.code().value())
        .is_some_and(|regions| {
            regions.iter().any(|meta| {
                meta.descriptors()
                    .general()
                    .national_number()
                    .find(&national)
                    .is_some_and(|m| m.start() == 0 && m.end() == national.len())
            })
        })
}

/// The format a person needs letters and other written material in (§1, R-LET-4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferredFormat {
    #[default]
    Standard,
    LargePrint,
    EasyRead,
    Braille,
    Audio,
}

impl PreferredFormat {
    pub const ALL: [PreferredFormat; 5] = [
        PreferredFormat::Standard,
        PreferredFormat::LargePrint,
        PreferredFormat::EasyRead,
        PreferredFormat::Braille,
        PreferredFormat::Audio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PreferredFormat::Standard => "standard",
            PreferredFormat::LargePrint => "large_print",
            PreferredFormat::EasyRead => "easy_read",
            PreferredFormat::Braille => "braille",
            PreferredFormat::Audio => "audio",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PreferredFormat::Standard => "Standard",
            PreferredFormat::LargePrint => "Large print",
            PreferredFormat::EasyRead => "Easy read",
            PreferredFormat::Braille => "Braille",
            PreferredFormat::Audio => "Audio",
        }
    }

    /// The label as it reads inside a sentence ("Prefers large print").
    fn in_sentence(self) -> &'static str {
        match self {
            PreferredFormat::Standard => "standard print",
            PreferredFormat::LargePrint => "large print",
            PreferredFormat::EasyRead => "easy read",
            PreferredFormat::Braille => "Braille",
            PreferredFormat::Audio => "audio",
        }
    }
}

impl fmt::Display for PreferredFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PreferredFormat {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownValue::new("preferred format", s))
    }
}

/// The language a person is written to in (R-LET-4): English or Welsh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Cy,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Cy];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Cy => "cy",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Cy => "Welsh (Cymraeg)",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownValue::new("language", s))
    }
}

/// A service user's name as staff type it: trimmed, 1 to 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("A name must be 1 to {MAX_NAME_CHARS} characters")]
pub struct InvalidPersonName;

const MAX_NAME_CHARS: usize = 120;

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, InvalidPersonName> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(InvalidPersonName);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Access requirements and reasonable adjustments (§1, R-REC-1): the format and language
/// the person needs, and any communication needs in staff's own words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequirements {
    pub format: PreferredFormat,
    pub language: Language,
    pub communication_needs: String,
}

impl AccessRequirements {
    /// Lines for staff about to deal with the person, e.g. "Prefers large print". The
    /// defaults (standard format, English, no needs recorded) say nothing, so an empty
    /// list means no adjustments are recorded.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.format != PreferredFormat::Standard {
            lines.push(format!("Prefers {}", self.format.in_sentence()));
        }
        if self.language != Language::En {
            lines.push(format!("Prefers {}", self.language.label()));
        }
        let needs = self.communication_needs.trim();
        if !needs.is_empty() {
            lines.push(format!("Communication needs: {needs}"));
        }
        lines
    }
}

/// A person as the command line names them: `42` or `SU-42` (case-insensitive). The
/// reference `SU-<id>` is what the dry run lists; it names nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonRef(pub i64);

impl PersonRef {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        let digits = trimmed
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("su-"))
            .map_or(trimmed, |_| &trimmed[3..]);
        match digits.parse::<i64>() {
            Ok(id) if id > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(PersonRef(id)),
            _ => Err(format!(
                "{raw:?} is not a person: give their id (42) or reference (SU-42)"
            )),
        }
    }

    pub fn id(self) -> i64 {
        self.0
    }
}

impl fmt::Display for PersonRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SU-{}", self.0)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn r_dp_3_a_name_search_needs_three_characters() {
        assert_eq!(PersonQuery::parse("Jo").expect("query").name(), "");
        assert_eq!(PersonQuery::parse("Joe").expect("query").name(), "Joe");
        // Short texts are still looked up as whole identifiers.
        assert!(!PersonQuery::parse("K9")
            .expect("query")
            .identifiers()
            .is_empty());
    }

    use super::*;

    #[test]
    fn r_dp_2_people_are_named_by_id_or_reference() {
        assert_eq!(PersonRef::parse("42"), Ok(PersonRef(42)));
        assert_eq!(PersonRef::parse("SU-42"), Ok(PersonRef(42)));
        assert_eq!(PersonRef::parse(" su-7 "), Ok(PersonRef(7)));
        for bad in [
            "",
            "SU-",
            "SU-x",
            "0",
            "SU-0",
            "-3",
            "SU--3",
            "INC-00001",
            "4 2",
            "+5",
            "07700 900123x",
            "jane@example.org",
        ] {
            assert!(PersonRef::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(PersonRef(42).to_string(), "SU-42");
    }

    #[test]
    fn a_search_is_refused_when_empty_too_long_or_holding_control_characters() {
        assert_eq!(PersonQuery::parse("   "), Err(QueryError::Empty));
        assert_eq!(
            PersonQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryError::TooLong)
        );
        assert!(PersonQuery::parse(&"é".repeat(MAX_QUERY_CHARS)).is_ok());
        assert_eq!(
            PersonQuery::parse("Jo\0hn"),
            Err(QueryError::ControlCharacter)
        );
        assert_eq!(PersonQuery::parse("\0"), Err(QueryError::ControlCharacter));
        let query = PersonQuery::parse("  07700 900123 ").expect("a phone number");
        assert_eq!(query.text(), "07700 900123");
        assert!(query
            .identifiers()
            .iter()
            .any(|(kind, _)| *kind == IdentifierKind::Phone));
    }

    fn phone(raw: &str) -> Result<String, IdentifierError> {
        Identifier::phone(raw).map(|i| i.normalized)
    }

    #[test]
    fn r_rec_1_phone_numbers_are_found_however_typed() {
        for typed in [
            "07700 900123",
            "+44 7700 900123",
            "447700900123",
            "0044 7700 900123",
            " (07700) 900-123 ",
            "+44 (0)7700 900123",
        ] {
            assert_eq!(phone(typed), Ok("+447700900123".into()), "{typed}");
        }
    }

    #[test]
    fn r_rec_1_phone_keeps_what_was_typed_trimmed() {
        let id = Identifier::phone("  07700 900123 ").expect("valid number");
        assert_eq!(id.kind(), IdentifierKind::Phone);
        assert_eq!(id.value(), "07700 900123");
        assert_eq!(id.normalized(), "+447700900123");
    }

    #[test]
    fn r_rec_1_uk_landlines_and_foreign_numbers_normalise_to_e164() {
        assert_eq!(phone("07911 123456"), Ok("+447911123456".into()));
        assert_eq!(phone("020 7946 0000"), Ok("+442079460000".into()));
        assert_eq!(phone("0117 496 0123"), Ok("+441174960123".into()));
        assert_eq!(phone("+1 202 555 0143"), Ok("+12025550143".into()));
        // No plus, not a UK number: read again as international.
        assert_eq!(phone("12025550143"), Ok("+12025550143".into()));
    }

    #[test]
    fn r_rec_1_things_that_are_not_phone_numbers_are_refused() {
        for typed in [
            "",
            "   ",
            "12345",
            "case-123",
            "CASE 123",
            "abc",
            "sam@example.org",
            "07700",
            "0770090012345678",
            "44+7700900123",
        ] {
            assert_eq!(phone(typed), Err(IdentifierError::Phone), "{typed:?}");
        }
    }

    #[test]
    fn r_rec_1_emails_are_lower_cased_and_checked() {
        let id = Identifier::email(" Sam.Jones@Example.ORG ").expect("valid email");
        assert_eq!(id.value(), "Sam.Jones@Example.ORG");
        assert_eq!(id.normalized(), "sam.jones@example.org");
        for typed in [
            "",
            "sam",
            "@example.org",
            "sam@",
            "sam@example",
            "sam@@example.org",
            "sam@a@example.org",
            "sam jones@example.org",
            "sam@.org",
            "sam@example.",
        ] {
            assert_eq!(
                Identifier::email(typed),
                Err(IdentifierError::Email),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn r_rec_1_case_references_ignore_case_and_spaces() {
        let id = Identifier::case_ref(" case 123-a ").expect("valid reference");
        assert_eq!(id.value(), "case 123-a");
        assert_eq!(id.normalized(), "CASE123-A");
        assert_eq!(Identifier::case_ref("  "), Err(IdentifierError::CaseRef));
        assert!(Identifier::case_ref(&"X".repeat(64)).is_ok());
        assert_eq!(
            Identifier::case_ref(&"X".repeat(65)),
            Err(IdentifierError::CaseRef)
        );
    }

    #[test]
    fn r_rec_1_postal_addresses_ignore_case_punctuation_and_spacing() {
        let id = Identifier::postal_address(" 10 Downing St.,\n  London  SW1A 2AA ")
            .expect("valid address");
        assert_eq!(id.normalized(), "10 downing st london sw1a 2aa");
        assert_eq!(
            Identifier::postal_address(" , . "),
            Err(IdentifierError::PostalAddress)
        );
        assert_eq!(
            Identifier::postal_address(""),
            Err(IdentifierError::PostalAddress)
        );
    }

    #[test]
    fn identifier_errors_do_not_repeat_the_personal_value() {
        let message = Identifier::phone("07700 90012x").unwrap_err().to_string();
        assert!(!message.contains("90012x"));
    }

    #[test]
    fn r_rpt_5_a_check_query_offers_every_identifier_reading() {
        assert_eq!(
            normalize_query("07700 900123"),
            vec![
                (IdentifierKind::Phone, "+447700900123".to_owned()),
                (IdentifierKind::CaseRef, "07700900123".to_owned()),
            ]
        );
        assert_eq!(
            normalize_query("Sam@Example.org"),
            vec![
                (IdentifierKind::Email, "sam@example.org".to_owned()),
                (IdentifierKind::CaseRef, "SAM@EXAMPLE.ORG".to_owned()),
            ]
        );
        assert_eq!(
            normalize_query("case-123"),
            vec![(IdentifierKind::CaseRef, "CASE-123".to_owned())]
        );
        assert_eq!(normalize_query("   "), vec![]);
    }

    #[test]
    fn stored_spellings_round_trip() {
        for kind in IdentifierKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        for format in PreferredFormat::ALL {
            assert_eq!(format.as_str().parse(), Ok(format));
        }
        for language in Language::ALL {
            assert_eq!(language.as_str().parse(), Ok(language));
        }
        assert_eq!(
            "huge".parse::<PreferredFormat>(),
            Err(UnknownValue::new("preferred format", "huge"))
        );
        assert_eq!(PreferredFormat::LargePrint.as_str(), "large_print");
        assert_eq!(IdentifierKind::PostalAddress.as_str(), "postal_address");
        assert_eq!(Language::Cy.label(), "Welsh (Cymraeg)");
    }

    #[test]
    fn r_rec_1_names_are_trimmed_and_bounded() {
        assert_eq!(
            PersonName::parse("  Sam Jones ").map(|n| n.0),
            Ok("Sam Jones".into())
        );
        assert_eq!(PersonName::parse(" "), Err(InvalidPersonName));
        assert!(PersonName::parse(&"é".repeat(120)).is_ok());
        assert_eq!(PersonName::parse(&"é".repeat(121)), Err(InvalidPersonName));
    }

    #[test]
    fn r_rec_1_access_requirements_tell_staff_only_what_differs_from_the_default() {
        assert!(AccessRequirements::default().summary().is_empty());
        let needs = AccessRequirements {
            format: PreferredFormat::LargePrint,
            language: Language::Cy,
            communication_needs: "  Uses a hearing loop; speak slowly ".into(),
        };
        assert_eq!(
            needs.summary(),
            vec![
                "Prefers large print",
                "Prefers Welsh (Cymraeg)",
                "Communication needs: Uses a hearing loop; speak slowly",
            ]
        );
        let braille = AccessRequirements {
            format: PreferredFormat::Braille,
            ..AccessRequirements::default()
        };
        assert_eq!(braille.summary(), vec!["Prefers Braille"]);
    }
}
