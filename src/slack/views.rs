//! Block Kit messages and views, built with slack-morphism's types. Nothing here posts
//! anything; callers put the result in an HTTP answer or the outbox.

use slack_morphism::prelude::*;

use super::blocks::{header, message, section, sections};
use super::commands::SUBCOMMANDS;
use crate::store::RoleHolding;

/// The help message: one line per subcommand, with an optional lead line.
pub fn help_message(lead: Option<&str>) -> SlackMessageContent {
    let mut lines = String::new();
    for info in SUBCOMMANDS {
        lines.push_str(&format!("• `{}`: {}\n", info.usage, info.summary));
    }
    let mut blocks: Vec<SlackBlock> = Vec::new();
    if let Some(lead) = lead {
        blocks.push(section(lead));
    }
    blocks.push(section("*Contact policy commands*"));
    blocks.extend(sections(lines.trim_end()));
    // Shown only to the person who typed the command, so the lead may quote what they typed.
    let fallback = match lead {
        Some(lead) => format!("{lead} (type /contact help for the list)"),
        None => "Contact policy commands: type /contact help for the list.".to_owned(),
    };
    message(&fallback, blocks)
}

/// The App Home tab: who the user is to the bot, and how to start.
pub fn home_view(roles: &[RoleHolding]) -> SlackView {
    let mut blocks: Vec<SlackBlock> = vec![
        header("Contact policy"),
        section("Report unacceptable behaviour, log ended calls and check a person before you engage. Type `/contact help` for every command."),
    ];
    let roles_text = if roles.is_empty() {
        "You hold no role in any function yet. An admin can add you.".to_owned()
    } else {
        roles
            .iter()
            .map(|r| format!("• {} of *{}*", role_title(r.role), r.function_name))
            .collect::<Vec<_>>()
            .join("\n")
    };
    blocks.push(SlackDividerBlock::new().into());
    blocks.extend(sections(&format!("*Your roles*\n{roles_text}")));
    SlackView::Home(SlackHomeView::new(blocks))
}

fn role_title(role: crate::domain::roles::Role) -> &'static str {
    use crate::domain::roles::Role;
    match role {
        Role::Head => "Head of function",
        Role::Deputy => "Deputy head",
        Role::Manager => "Manager",
        Role::Member => "Member",
    }
}
