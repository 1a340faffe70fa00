//! Block Kit messages and views, built with slack-morphism's types. Nothing here posts
//! anything; callers put the result in an HTTP answer or the outbox.

use slack_morphism::prelude::*;

use super::blocks::{md, pt};
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
        blocks.push(SlackSectionBlock::new().with_text(md(lead)).into());
    }
    blocks.push(
        SlackSectionBlock::new()
            .with_text(md("*Contact policy commands*"))
            .into(),
    );
    blocks.push(
        SlackSectionBlock::new()
            .with_text(md(lines.trim_end()))
            .into(),
    );
    let fallback = match lead {
        Some(lead) => format!("{lead}\nContact policy commands:\n{lines}"),
        None => format!("Contact policy commands:\n{lines}"),
    };
    SlackMessageContent::new()
        .with_text(fallback)
        .with_blocks(blocks)
}

/// The App Home tab: who the user is to the bot, and how to start.
pub fn home_view(roles: &[RoleHolding]) -> SlackView {
    let mut blocks: Vec<SlackBlock> = vec![
        SlackHeaderBlock::new(pt("Contact policy")).into(),
        SlackSectionBlock::new()
            .with_text(md("Report unacceptable behaviour, log ended calls and check a person before you engage. Type `/contact help` for every command."))
            .into(),
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
    blocks.push(
        SlackSectionBlock::new()
            .with_text(md(&format!("*Your roles*\n{roles_text}")))
            .into(),
    );
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
