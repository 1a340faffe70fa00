//! Letters to service users (R-LET), rendered from templates an organisation can edit
//! without rebuilding the bot (R-LET-4).
//!
//! The templates are HTML files; the defaults (`templates/` in the repository) are compiled
//! into the binary, and `TEMPLATES_DIR` names a directory of edited ones read at run time
//! instead (a whole set: copy `templates/` and edit it):
//!
//! ```text
//! layout.html                      page, print CSS; the format (standard, large print,
//!                                  easy read) changes only the CSS
//! en/warning.html …                standard and large print text, English
//! en/easy_read/warning.html …      easy read text, English
//! cy/…, cy/easy_read/…             the same in Welsh
//! ```
//!
//! Each letter kind has one template per language for standard and large print (same
//! words, different layout) and one for easy read (its own words). [`Letters::load`] (a
//! directory) and [`Letters::embedded`] (the defaults) check that every template is there and renders each once with sample details, so a
//! broken edit is found when the bot starts rather than when a manager needs a letter.
//! Templates are re-read when their files change. Everything a letter says about the
//! person is HTML-escaped: autoescaping is on for every template.
//!
//! [`Letters::render`] returns both the HTML (what the letter record keeps and the subject
//! access export reads) and the PDF the manager prints and sends ([`pdf`]: laid out from
//! the HTML in the format's type sizes, DejaVu Sans embedded). [`policy`] is the policy a
//! warning encloses; [`preview`] is `letters preview`.
//!
//! This module only renders; posting the draft to Slack and recording that it was sent
//! belong to the caller.

mod context;
mod filters;
pub mod pdf;
#[cfg(test)]
mod pdf_tests;
pub mod policy;
pub mod preview;
mod sample;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{path_loader, AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::domain::measures::MeasureKind;
use crate::domain::person::{Language, PreferredFormat};

pub use context::{LetterContext, LetterCorrection, LetterMeasure, LetterWindow, StaffNames};
pub use filters::{format_date, weekday_name};
pub use sample::sample_context;
use sample::sparse;

/// The page every letter is laid out on.
pub const LAYOUT_TEMPLATE: &str = "layout.html";

/// The letters the policy requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LetterKind {
    /// §6, R-LET-1: the behaviour is unacceptable, what may happen, a chance to adapt.
    Warning,
    /// §6–§8, R-LET-2: what is restricted and why, for how long, reviews, disputes.
    RestrictionNotice,
    /// §7, R-LET-3: the arrangements still apply, or a different course was agreed.
    DisputeOutcome,
    /// §8, R-LET-3: the restriction continues, is varied, or is lifted.
    ReviewOutcome,
}

impl LetterKind {
    pub const ALL: [LetterKind; 4] = [
        LetterKind::Warning,
        LetterKind::RestrictionNotice,
        LetterKind::DisputeOutcome,
        LetterKind::ReviewOutcome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Warning => "warning",
            LetterKind::RestrictionNotice => "restriction_notice",
            LetterKind::DisputeOutcome => "dispute_outcome",
            LetterKind::ReviewOutcome => "review_outcome",
        }
    }

    /// The values `LetterContext::outcome` may take for this kind; empty when the letter
    /// reports no outcome.
    pub fn outcomes(self) -> &'static [&'static str] {
        match self {
            LetterKind::Warning | LetterKind::RestrictionNotice => &[],
            LetterKind::DisputeOutcome => &["still_applies", "varied", "lifted"],
            LetterKind::ReviewOutcome => &["continue", "vary", "lift"],
        }
    }
}

impl fmt::Display for LetterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The format a letter is produced in (R-LET-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LetterFormat {
    Standard,
    /// The standard text, 18 pt sans serif (never under 16 pt) with generous spacing.
    LargePrint,
    /// Its own text: short sentences, plain words, headings as questions.
    EasyRead,
}

impl LetterFormat {
    pub const ALL: [LetterFormat; 3] = [
        LetterFormat::Standard,
        LetterFormat::LargePrint,
        LetterFormat::EasyRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterFormat::Standard => "standard",
            LetterFormat::LargePrint => "large_print",
            LetterFormat::EasyRead => "easy_read",
        }
    }
}

impl fmt::Display for LetterFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<PreferredFormat> for LetterFormat {
    fn from(format: PreferredFormat) -> Self {
        match format {
            PreferredFormat::LargePrint => LetterFormat::LargePrint,
            PreferredFormat::EasyRead => LetterFormat::EasyRead,
            // The bot cannot produce Braille or audio. The draft is the standard text, and
            // the person's recorded communication needs tell staff to have it transcribed
            // into Braille or recorded before it is sent.
            PreferredFormat::Standard | PreferredFormat::Braille | PreferredFormat::Audio => {
                LetterFormat::Standard
            }
        }
    }
}

/// A letter ready to post to the manager as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedLetter {
    /// e.g. `warning-WRN-00001-en-large_print.pdf`.
    pub filename: String,
    /// The letter's title in its own language (the template's `title` block).
    pub title: String,
    /// The whole HTML document: what the letter record keeps, and what the subject
    /// access export reads.
    pub body: String,
    /// The letter as the manager prints and sends it (R-LET-4).
    pub pdf: Vec<u8>,
    /// The template it was rendered from, relative to the template directory.
    pub template: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("the letter template directory {} does not exist or is not a directory", path.display())]
    NoDirectory { path: PathBuf },
    #[error(
        "the letter template directory {} is missing {}",
        dir.display(),
        missing.join(", ")
    )]
    MissingTemplates { dir: PathBuf, missing: Vec<String> },
    #[error("letter template {template}: {source}")]
    Template {
        template: String,
        source: minijinja::Error,
    },
    #[error("a {kind} letter needs {detail}")]
    MissingDetail {
        kind: LetterKind,
        detail: &'static str,
    },
    #[error("{outcome:?} is not an outcome of a {kind} letter (expected one of {})", kind.outcomes().join(", "))]
    UnknownOutcome { kind: LetterKind, outcome: String },
    #[error("letter template {template}: the PDF could not be written: {source}")]
    Pdf {
        template: String,
        source: pdf::PdfError,
    },
}

/// The letter templates of one directory, ready to render.
#[derive(Debug, Clone)]
pub struct Letters {
    env: Environment<'static>,
    /// Where the templates come from: `None` for the defaults compiled in.
    dir: Option<PathBuf>,
}

include!(concat!(env!("OUT_DIR"), "/embedded_templates.rs"));

/// The default template called `name` (e.g. `en/warning.html`), as compiled in.
pub fn embedded_template(name: &str) -> Option<&'static str> {
    EMBEDDED_TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// The template a letter is rendered from, e.g. `en/warning.html` (standard and large
/// print) or `cy/easy_read/review_outcome.html`.
pub fn template_name(kind: LetterKind, format: LetterFormat, language: Language) -> String {
    let text = match format {
        LetterFormat::Standard | LetterFormat::LargePrint => "",
        LetterFormat::EasyRead => "easy_read/",
    };
    format!("{}/{text}{}.html", language.as_str(), kind.as_str())
}

/// Every template the directory must hold: the layout and each kind's text in each
/// language, standard and easy read.
pub fn required_templates() -> Vec<String> {
    let mut names = vec![LAYOUT_TEMPLATE.to_owned()];
    for language in Language::ALL {
        for format in [LetterFormat::Standard, LetterFormat::EasyRead] {
            for kind in LetterKind::ALL {
                names.push(template_name(kind, format, language));
            }
        }
    }
    names
}

/// What every template is rendered with: the letter's details and what kind of letter,
/// in which format and language, it is.
#[derive(Serialize)]
struct TemplateValues<'a> {
    #[serde(flatten)]
    letter: &'a LetterContext,
    kind: &'static str,
    format: &'static str,
    language: &'static str,
}

impl Letters {
    /// Loads the templates in `dir`, failing with every missing template named, or with
    /// the first template that does not render with sample details.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, LetterError> {
        let dir = dir.as_ref().to_path_buf();
        if !dir.is_dir() {
            return Err(LetterError::NoDirectory { path: dir });
        }
        let missing: Vec<String> = required_templates()
            .into_iter()
            .filter(|name| !dir.join(name).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(LetterError::MissingTemplates { dir, missing });
        }
        let mut env = Environment::new();
        env.set_loader(path_loader(&dir));
        Self::checked(env, Some(dir))
    }

    /// The default templates compiled into the binary, so it runs from any directory and
    /// from a bare container.
    pub fn embedded() -> Result<Self, LetterError> {
        let missing: Vec<String> = required_templates()
            .into_iter()
            .filter(|name| embedded_template(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(LetterError::MissingTemplates {
                dir: PathBuf::from("(compiled in)"),
                missing,
            });
        }
        let mut env = Environment::new();
        env.set_loader(|name| Ok(embedded_template(name).map(str::to_owned)));
        Self::checked(env, None)
    }

    /// The templates in `dir` when one is given (`TEMPLATES_DIR`), else the defaults.
    pub fn from_dir_or_embedded(dir: Option<&Path>) -> Result<Self, LetterError> {
        match dir {
            Some(dir) => Self::load(dir),
            None => Self::embedded(),
        }
    }

    fn checked(mut env: Environment<'static>, dir: Option<PathBuf>) -> Result<Self, LetterError> {
        // Every template is HTML, whatever its file is called: escape everything.
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        // A misspelt variable in an edited template is an error, not a silent blank.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        filters::register(&mut env);
        let letters = Self { env, dir };
        letters.check()?;
        Ok(letters)
    }

    /// The directory the templates are read from; `None` for the compiled-in defaults.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Renders one letter, as HTML and as the PDF that is sent. Fails if the details do
    /// not fit the kind of letter (an outcome letter without a valid outcome, a notice
    /// without measures or dates).
    pub fn render(
        &self,
        kind: LetterKind,
        format: LetterFormat,
        language: Language,
        ctx: &LetterContext,
    ) -> Result<RenderedLetter, LetterError> {
        let (title, body, template) = self.render_html(kind, format, language, ctx)?;
        let info = pdf::PdfInfo {
            title: &title,
            language: language.as_str(),
            footer: &ctx.reference,
            page_word: page_words(language).0,
            of_word: page_words(language).1,
        };
        let pdf = pdf::html_to_pdf(&body, &pdf_style(format), &info).map_err(|source| {
            LetterError::Pdf {
                template: template.clone(),
                source,
            }
        })?;
        Ok(RenderedLetter {
            filename: format!(
                "{}-{}-{}-{}.pdf",
                kind.as_str(),
                filename_safe(&ctx.reference),
                language.as_str(),
                format.as_str()
            ),
            title,
            body,
            pdf,
            template,
        })
    }

    /// The letter's title, HTML and template name.
    fn render_html(
        &self,
        kind: LetterKind,
        format: LetterFormat,
        language: Language,
        ctx: &LetterContext,
    ) -> Result<(String, String, String), LetterError> {
        check_details(kind, ctx)?;
        let template = template_name(kind, format, language);
        let failed = |source| LetterError::Template {
            template: template.clone(),
            source,
        };
        let values = Value::from(Serde(TemplateValues {
            letter: ctx,
            kind: kind.as_str(),
            format: format.as_str(),
            language: language.as_str(),
        }));
        let mut captured = self
            .env
            .get_template(&template)
            .and_then(|t| t.render_captured(values))
            .map_err(failed)?;
        let title = captured
            .with_state_mut(|state| state.render_block("title"))
            .map_err(failed)?;
        Ok((title.trim().to_owned(), captured.into_output(), template))
    }

    /// Renders every letter, in every format, language and outcome, with sample
    /// details: a template that cannot render is found at load.
    fn check(&self) -> Result<(), LetterError> {
        for kind in LetterKind::ALL {
            let outcomes: Vec<Option<&str>> = if kind.outcomes().is_empty() {
                vec![None]
            } else {
                kind.outcomes().iter().copied().map(Some).collect()
            };
            for outcome in outcomes {
                for ctx in [sample_context(outcome), sparse(sample_context(outcome))] {
                    for language in Language::ALL {
                        for format in LetterFormat::ALL {
                            // The HTML only: the PDF is laid out from whatever HTML
                            // renders, so a template that renders makes a PDF.
                            self.render_html(kind, format, language, &ctx)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The type sizes and spacing of a format's PDF (clear print guidance for large print).
pub fn pdf_style(format: LetterFormat) -> pdf::layout::Style {
    match format {
        LetterFormat::Standard => pdf::layout::Style::STANDARD,
        LetterFormat::LargePrint => pdf::layout::Style::LARGE_PRINT,
        LetterFormat::EasyRead => pdf::layout::Style::EASY_READ,
    }
}

/// "Page" and "of" in the page numbers, in the letter's language.
fn page_words(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::En => ("Page", "of"),
        Language::Cy => ("Tudalen", "o"),
    }
}

/// Refuses details a letter of this kind could not be written from.
fn check_details(kind: LetterKind, ctx: &LetterContext) -> Result<(), LetterError> {
    let missing = |detail| Err(LetterError::MissingDetail { kind, detail });
    let nameless = ctx.measures.iter().any(|m| {
        m.kind == MeasureKind::SinglePointOfContact.as_str()
            && m.staff_name
                .as_deref()
                .is_none_or(|name| name.trim().is_empty())
    });
    if nameless {
        return missing("the name of the single point of contact");
    }
    if kind == LetterKind::RestrictionNotice {
        if ctx.measures.is_empty() {
            return missing("the contact arrangements (measures)");
        }
        if ctx.starts_on.is_none() {
            return missing("the date the restriction starts");
        }
        if ctx.next_review_on.is_none() {
            return missing("the next review date");
        }
    }
    if kind.outcomes().is_empty() {
        return Ok(());
    }
    let Some(outcome) = ctx.outcome.as_deref() else {
        return missing("an outcome");
    };
    if !kind.outcomes().contains(&outcome) {
        return Err(LetterError::UnknownOutcome {
            kind,
            outcome: outcome.to_owned(),
        });
    }
    match outcome {
        "varied" | "vary" if ctx.measures.is_empty() => {
            missing("the new contact arrangements (measures)")
        }
        "continue" if ctx.next_review_on.is_none() => missing("the next review date"),
        _ => Ok(()),
    }
}

/// The reference as it can stand in a file name: letters, digits, `-` and `_`.
fn filename_safe(reference: &str) -> String {
    let safe: String = reference
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if safe.is_empty() {
        "letter".to_owned()
    } else {
        safe
    }
}
