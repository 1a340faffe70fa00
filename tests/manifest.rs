//! The Slack app manifest (`deploy/slack/manifest.yml`) asks for exactly the scopes the bot
//! uses, says why for each, and names the bot as Slack allows.

use std::collections::BTreeSet;

const MANIFEST: &str = include_str!("../deploy/slack/manifest.yml");

/// The bot scopes, each with the comment lines directly above it.
fn bot_scopes() -> Vec<(String, Vec<String>)> {
    let mut scopes = Vec::new();
    let mut in_bot = false;
    let mut comments = Vec::new();
    for line in MANIFEST.lines() {
        let trimmed = line.trim();
        if trimmed == "bot:" {
            in_bot = true;
            continue;
        }
        if !in_bot {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            comments.push(comment.trim().to_owned());
        } else if let Some(scope) = trimmed.strip_prefix("- ") {
            scopes.push((scope.trim().to_owned(), std::mem::take(&mut comments)));
        } else if !trimmed.is_empty() {
            break;
        }
    }
    scopes
}

#[test]
fn manifest_asks_for_exactly_the_scopes_the_bot_uses() {
    // Each scope and the Web API methods of the bot that need it.
    let used: BTreeSet<&str> = [
        "commands",    // the /contact slash command
        "chat:write",  // chat.postMessage, chat.update, chat.delete (erasure, R-DP-2)
        "im:write",    // conversations.open
        "im:history",  // conversations.history on the bot's own DMs
        "files:write", // files.getUploadURLExternal, files.completeUploadExternal, files.delete
        "users:read",  // users.info: a point of contact's name for a letter; who is staff
    ]
    .into_iter()
    .collect();
    let scopes = bot_scopes();
    let asked: BTreeSet<&str> = scopes.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        asked, used,
        "manifest scopes differ from the ones the bot uses"
    );
    for (scope, comments) in &scopes {
        assert!(
            !comments.is_empty(),
            "scope {scope} has no comment saying why the bot needs it"
        );
    }
}

#[test]
fn the_not_needed_list_names_no_scope_that_is_asked_for() {
    let scopes = bot_scopes();
    let not_needed: String = MANIFEST
        .lines()
        .skip_while(|l| !l.contains("Not needed, so not asked for"))
        .take_while(|l| l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !not_needed.is_empty(),
        "the manifest lists what it does not ask for"
    );
    for (scope, _) in &scopes {
        let listed = not_needed
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')'))
            .any(|word| word.trim_end_matches('.') == scope);
        assert!(!listed, "{scope} is asked for but listed as not needed");
    }
}

#[test]
fn bot_display_name_follows_slacks_character_rules() {
    let name = MANIFEST
        .lines()
        .find_map(|l| l.trim().strip_prefix("display_name:"))
        .map(str::trim)
        .expect("bot_user.display_name is set");
    assert!(!name.is_empty() && name.chars().count() <= 80, "{name:?}");
    assert!(
        name.chars().all(|c| c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, '.' | '-' | '_')),
        "bot display name {name:?}: only lowercase letters, numbers, periods, hyphens and underscores"
    );
}
