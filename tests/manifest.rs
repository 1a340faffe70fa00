//! The Slack app manifest (`deploy/slack/manifest.yml`) asks for exactly the scopes the bot
//! uses, says why for each, and names the bot as Slack allows. The Socket Mode manifest
//! (`deploy/slack/manifest-socket-mode.yml`) is the same app with Socket Mode on and no
//! request URLs (R-OPS-1).

use std::collections::BTreeSet;

const MANIFEST: &str = include_str!("../deploy/slack/manifest.yml");
const SOCKET_MODE_MANIFEST: &str = include_str!("../deploy/slack/manifest-socket-mode.yml");

/// The bot scopes, each with the comment lines directly above it.
fn bot_scopes() -> Vec<(String, Vec<String>)> {
    bot_scopes_of(MANIFEST)
}

fn bot_scopes_of(manifest: &str) -> Vec<(String, Vec<String>)> {
    let mut scopes = Vec::new();
    let mut in_bot = false;
    let mut comments = Vec::new();
    for line in manifest.lines() {
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
    // Each scope and the Web API methods of the bot that need it: the list `check-config`
    // compares with the token's scopes.
    let used: BTreeSet<&str> = contact_policy_bot::slack::scopes::BOT_SCOPES
        .iter()
        .map(|(scope, _)| *scope)
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

/// The manifest's lines with comments and blank lines left out, trimmed.
fn settings(manifest: &str) -> Vec<&str> {
    manifest
        .lines()
        .map(|l| l.split(" #").next().unwrap_or_default().trim_end())
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

/// The entries of a `key:` list (`- item` lines right under it), with their sub-keys.
fn list_under<'a>(manifest: &'a str, key: &str) -> Vec<&'a str> {
    settings(manifest)
        .into_iter()
        .skip_while(|l| l.trim() != key)
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- ") || l.starts_with("      "))
        .map(str::trim)
        .collect()
}

#[test]
fn r_ops_1_the_socket_mode_manifest_is_the_same_app_with_socket_mode_on_and_no_urls() {
    assert_eq!(
        bot_scopes_of(SOCKET_MODE_MANIFEST),
        bot_scopes_of(MANIFEST),
        "the two manifests ask for different scopes (or say why differently)"
    );
    let without_urls = |manifest: &str| -> Vec<String> {
        list_under(manifest, "slash_commands:")
            .into_iter()
            .filter(|l| !l.starts_with("url:"))
            .map(str::to_owned)
            .collect()
    };
    let commands = without_urls(MANIFEST);
    assert!(
        commands.iter().any(|l| l == "- command: /contact"),
        "{commands:?}"
    );
    assert_eq!(without_urls(SOCKET_MODE_MANIFEST), commands);
    assert_eq!(
        list_under(SOCKET_MODE_MANIFEST, "bot_events:"),
        list_under(MANIFEST, "bot_events:")
    );
    for key in [
        "display_name:",
        "home_tab_enabled:",
        "messages_tab_enabled:",
        "is_enabled:",
    ] {
        let value = |manifest: &'static str| {
            settings(manifest)
                .into_iter()
                .find(|l| l.trim().starts_with(key))
                .map(str::trim)
        };
        assert!(value(MANIFEST).is_some(), "{key}");
        assert_eq!(value(SOCKET_MODE_MANIFEST), value(MANIFEST), "{key}");
    }
    let socket = settings(SOCKET_MODE_MANIFEST);
    assert!(socket
        .iter()
        .any(|l| l.trim() == "socket_mode_enabled: true"));
    for line in &socket {
        assert!(
            !line.contains("url:") && !line.contains("YOUR-HOST"),
            "a request URL in the Socket Mode manifest: {line}"
        );
    }
    let http = settings(MANIFEST);
    assert!(http
        .iter()
        .any(|l| l.trim() == "socket_mode_enabled: false"));
    for url in ["url:", "request_url:", "message_menu_options_url:"] {
        assert!(http.iter().any(|l| l.trim().starts_with(url)), "{url}");
    }
}
