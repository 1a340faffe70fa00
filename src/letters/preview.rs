//! `contact-policy-bot letters preview <kind> [--format …] [--language …] [--outcome …]
//! --out FILE` (issue 11, item 6): one letter rendered as the PDF a manager would get, with
//! sample details, so an organisation checks its edited templates (`TEMPLATES_DIR`)
//! without Slack or a database. `--policy --out FILE` writes the policy document a
//! warning encloses (`POLICY_DOCUMENT`, else the bundled one).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::policy::PolicyDocument;
use super::{sample_context, LetterFormat, LetterKind, Letters};
use crate::domain::person::Language;

#[derive(Debug, Subcommand)]
pub enum LettersCommand {
    /// Render one letter with sample details to a PDF file (no Slack, no database).
    Preview(PreviewArgs),
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// warning, restriction_notice, dispute_outcome or review_outcome; or `policy` for the
    /// policy document a warning encloses.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(
        ["warning", "restriction_notice", "dispute_outcome", "review_outcome", "policy"]
    ))]
    pub kind: String,
    #[arg(long, default_value = "standard", value_parser = clap::builder::PossibleValuesParser::new(
        ["standard", "large_print", "easy_read"]
    ))]
    pub format: String,
    #[arg(long, default_value = "en", value_parser = clap::builder::PossibleValuesParser::new(["en", "cy"]))]
    pub language: String,
    /// The outcome an outcome letter reports: still_applies, varied or lifted (dispute),
    /// continue, vary or lift (review); the first when not given.
    #[arg(long)]
    pub outcome: Option<String>,
    /// Where to write the PDF.
    #[arg(long)]
    pub out: PathBuf,
    /// Directory of edited letter templates; the compiled-in defaults when unset.
    #[arg(long, env = "TEMPLATES_DIR")]
    pub templates_dir: Option<PathBuf>,
    /// The policy document (`policy` only): a PDF or a text file; the bundled one when unset.
    #[arg(long, env = "POLICY_DOCUMENT")]
    pub policy_document: Option<PathBuf>,
    /// The organisation's name in the sample letter.
    #[arg(long, env = "ORGANISATION_NAME")]
    pub organisation_name: Option<String>,
}

/// Runs `letters …`; returns what to print.
pub fn run(command: LettersCommand) -> anyhow::Result<String> {
    match command {
        LettersCommand::Preview(args) => preview(&args),
    }
}

fn preview(args: &PreviewArgs) -> anyhow::Result<String> {
    let (bytes, what) = if args.kind == "policy" {
        let policy = PolicyDocument::load(args.policy_document.as_deref())?;
        (
            policy.pdf,
            format!("the policy document ({})", policy.title),
        )
    } else {
        render(args)?
    };
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("could not write {}", args.out.display()))?;
    Ok(format!(
        "wrote {} ({} bytes): {what}",
        args.out.display(),
        bytes.len()
    ))
}

fn render(args: &PreviewArgs) -> anyhow::Result<(Vec<u8>, String)> {
    let kind = LetterKind::ALL
        .into_iter()
        .find(|k| k.as_str() == args.kind)
        .with_context(|| format!("no letter called {}", args.kind))?;
    let format = LetterFormat::ALL
        .into_iter()
        .find(|f| f.as_str() == args.format)
        .with_context(|| format!("no format called {}", args.format))?;
    let language: Language = args.language.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let outcome = match &args.outcome {
        Some(outcome) => Some(outcome.as_str()),
        None => kind.outcomes().first().copied(),
    };
    let mut ctx = sample_context(outcome);
    if let Some(name) = args.organisation_name.as_deref().map(str::trim) {
        if !name.is_empty() {
            name.clone_into(&mut ctx.organisation);
        }
    }
    let letters = Letters::from_dir_or_embedded(args.templates_dir.as_deref())?;
    let letter = letters.render(kind, format, language, &ctx)?;
    let from = match letters.dir() {
        Some(dir) => format!("templates in {}", dir.display()),
        None => "the compiled-in templates".to_owned(),
    };
    Ok((
        letter.pdf,
        format!(
            "{kind}, {format}, {language}, from {from} ({})",
            letter.template
        ),
    ))
}
