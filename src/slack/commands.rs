//! The `/contact` subcommands. One table lists every subcommand the bot has; help is
//! generated from it, so help never promises something the bot cannot do.

/// A `/contact` subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subcommand {
    Help,
    Report,
    CallEnded,
    Breach,
    Check,
    History,
    Open,
    Foi,
    Warn,
    Restrict,
    Access,
    Correct,
    Dispute,
    Review,
    Export,
    Governance,
}

pub struct SubcommandInfo {
    pub subcommand: Subcommand,
    pub name: &'static str,
    pub usage: &'static str,
    pub summary: &'static str,
}

/// Every subcommand, in the order help shows them.
pub const SUBCOMMANDS: &[SubcommandInfo] = &[
    SubcommandInfo {
        subcommand: Subcommand::Report,
        name: "report",
        usage: "/contact report",
        summary: "Report unacceptable behaviour by a service user to your manager.",
    },
    SubcommandInfo {
        subcommand: Subcommand::CallEnded,
        name: "call-ended",
        usage: "/contact call-ended",
        summary:
            "Log a call you ended or put on hold because it was aggressive, abusive or offensive.",
    },
    SubcommandInfo {
        subcommand: Subcommand::Check,
        name: "check",
        usage: "/contact check <name | phone | email | case ref>",
        summary: "See how to handle contact with someone right now (only you see the answer).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Breach,
        name: "breach",
        usage: "/contact breach <name | phone | email | case ref>",
        summary: "Log a breach of a restriction's conditions.",
    },
    SubcommandInfo {
        subcommand: Subcommand::History,
        name: "history",
        usage: "/contact history <name | phone | email | case ref>",
        summary: "Read a person's case file, newest first (managers and heads).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Open,
        name: "open",
        usage: "/contact open",
        summary: "Your open items: incidents still waiting for a police report (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Foi,
        name: "foi",
        usage: "/contact foi <name | phone | email | case ref>",
        summary:
            "Record an FOI request refused as vexatious or repeated under section 14 (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Warn,
        name: "warn",
        usage: "/contact warn <name | phone | email | case ref>",
        summary: "Warn someone in writing that their behaviour is unacceptable; drafts the letter (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Restrict,
        name: "restrict",
        usage: "/contact restrict <name | phone | email | case ref>",
        summary: "Ask the head of function to approve restricting someone's contact (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Dispute,
        name: "dispute",
        usage: "/contact dispute <name | phone | email | case ref>",
        summary: "Record that someone disputes a restriction through the complaints procedure (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Review,
        name: "review",
        usage: "/contact review <name | phone | email | case ref>",
        summary: "Review a restriction: continue, vary or lift it, at any time (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Access,
        name: "access",
        usage: "/contact access <name | phone | email | case ref>",
        summary: "Correct someone's name or identifiers (add or remove a phone, email, case ref or postal address) and record their access requirements (letter format, language, needs) (managers).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Correct,
        name: "correct",
        usage: "/contact correct <name | phone | email | case ref>",
        summary: "Add a correction note to an incident, ended call, warning or breach: records are never rewritten (managers of its function).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Export,
        name: "export",
        usage: "/contact export <name | phone | email | case ref>",
        summary: "Export everything held about a person, as JSON and a readable document, to your DM (admins).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Governance,
        name: "governance",
        usage: "/contact governance [2026 | 2026-Q3 | 2026-11 | last-month | last-quarter]",
        summary: "The fairness and consistency report as a CSV file and a chart in your DM; counts only, default the last 12 months (admins, and heads for their function).",
    },
    SubcommandInfo {
        subcommand: Subcommand::Help,
        name: "help",
        usage: "/contact help",
        summary: "Show this list of commands.",
    },
];

/// What the user typed after `/contact`, split into the subcommand and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedCommand {
    Known {
        subcommand: Subcommand,
        argument: String,
    },
    Unknown {
        typed: String,
    },
}

pub fn parse(text: &str) -> ParsedCommand {
    let text = text.trim();
    let (word, rest) = match text.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (text, ""),
    };
    if word.is_empty() {
        return ParsedCommand::Known {
            subcommand: Subcommand::Help,
            argument: String::new(),
        };
    }
    let word_lower = word.to_lowercase();
    match SUBCOMMANDS.iter().find(|info| info.name == word_lower) {
        Some(info) => ParsedCommand::Known {
            subcommand: info.subcommand,
            argument: rest.to_owned(),
        },
        None => ParsedCommand::Unknown {
            typed: word.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_and_help_both_mean_help() {
        assert_eq!(
            parse(""),
            ParsedCommand::Known {
                subcommand: Subcommand::Help,
                argument: String::new()
            }
        );
        assert_eq!(
            parse("  HELP  "),
            ParsedCommand::Known {
                subcommand: Subcommand::Help,
                argument: String::new()
            }
        );
    }

    #[test]
    fn unknown_words_are_reported_as_typed() {
        assert_eq!(
            parse("frobnicate now"),
            ParsedCommand::Unknown {
                typed: "frobnicate".into()
            }
        );
    }

    #[test]
    fn every_subcommand_is_listed_once() {
        let mut names: Vec<_> = SUBCOMMANDS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SUBCOMMANDS.len());
    }
}
