//! The policy document a letter encloses (R-LET-1, R-LET-4). §6: a person told that their
//! behaviour is unacceptable is told the organisation may manage their contact, and "a copy
//! of the policy will be provided to give further explanation". The warning letter says it
//! encloses it; the draft posted to the manager comes with it as a second file.
//!
//! `POLICY_DOCUMENT` names the organisation's own copy: a PDF is sent as it is, any other
//! file is read as plain UTF-8 text (paragraphs separated by blank lines) and laid out as a
//! PDF like the letters. Unset, the policy bundled with the bot
//! (`assets/policy/managing-service-user-contact-policy.txt`) is used.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::pdf::{self, layout::Style, PdfInfo};

/// The policy text bundled with the bot: the words of the policy in `shared/policy`, one
/// paragraph per line.
pub const BUNDLED_POLICY: &str =
    include_str!("../../assets/policy/managing-service-user-contact-policy.txt");

/// The file name the policy is posted under.
pub const POLICY_FILENAME: &str = "managing-service-user-contact-policy.pdf";

/// The policy as the PDF posted with a letter that encloses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub filename: String,
    pub title: String,
    pub pdf: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("POLICY_DOCUMENT {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("POLICY_DOCUMENT {}: the file is called .pdf but is not a PDF (it does not start with %PDF-)", path.display())]
    NotPdf { path: PathBuf },
    #[error("POLICY_DOCUMENT {}: not a PDF, and not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    #[error("POLICY_DOCUMENT {}: the file is empty", path.display())]
    Empty { path: PathBuf },
    #[error("the policy document could not be laid out as a PDF: {0}")]
    Pdf(#[from] pdf::PdfError),
}

impl PolicyDocument {
    /// The policy `path` names, or the bundled one.
    pub fn load(path: Option<&Path>) -> Result<Self, PolicyError> {
        match path {
            None => {
                // Laid out once per process: every app a test suite starts shares it.
                static BUNDLED: OnceLock<PolicyDocument> = OnceLock::new();
                if let Some(policy) = BUNDLED.get() {
                    return Ok(policy.clone());
                }
                let policy = Self::from_text(BUNDLED_POLICY)?;
                Ok(BUNDLED.get_or_init(|| policy).clone())
            }
            Some(path) => Self::from_file(path),
        }
    }

    fn from_file(path: &Path) -> Result<Self, PolicyError> {
        let bytes = std::fs::read(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(PolicyError::Empty {
                path: path.to_path_buf(),
            });
        }
        let is_pdf = bytes.starts_with(b"%PDF-");
        let named_pdf = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
        if is_pdf {
            return Ok(Self {
                filename: POLICY_FILENAME.to_owned(),
                title: title_of_file(path),
                pdf: bytes,
            });
        }
        if named_pdf {
            return Err(PolicyError::NotPdf {
                path: path.to_path_buf(),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| PolicyError::NotText {
            path: path.to_path_buf(),
        })?;
        Self::from_text(&text)
    }

    /// Plain text laid out as a PDF; its first paragraph is its title.
    pub fn from_text(text: &str) -> Result<Self, PolicyError> {
        let title = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("Managing service user contact policy")
            .to_owned();
        let info = PdfInfo {
            title: &title,
            language: "en",
            footer: &title,
            page_word: "Page",
            of_word: "of",
        };
        let pdf = pdf::text_to_pdf(text, &Style::STANDARD, &info)?;
        Ok(Self {
            filename: POLICY_FILENAME.to_owned(),
            title,
            pdf,
        })
    }
}

/// A PDF's title as Slack shows it: its file name, without the extension.
fn title_of_file(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "Policy".to_owned())
}
