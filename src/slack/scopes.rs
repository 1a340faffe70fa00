//! The bot scopes the app asks for (`deploy/slack/manifest.yml`), each with what needs it.
//! `check-config` compares them with the scopes the token was granted, and the manifest test
//! holds the manifest to exactly this list.

/// Each bot scope and the Web API methods (or features) of the bot that need it.
pub const BOT_SCOPES: &[(&str, &str)] = &[
    ("commands", "the /contact slash command"),
    (
        "chat:write",
        "chat.postMessage, chat.update, chat.delete (erasure, R-DP-2)",
    ),
    ("im:write", "conversations.open"),
    ("im:history", "conversations.history on the bot's own DMs"),
    (
        "files:write",
        "files.getUploadURLExternal, files.completeUploadExternal, files.delete (erasure)",
    ),
    (
        "users:read",
        "users.info: a point of contact's name for a letter; who is staff",
    ),
];

/// The scopes of [`BOT_SCOPES`] missing from `granted` (Slack's comma-separated
/// `X-OAuth-Scopes` list), in the manifest's order.
pub fn missing_from(granted: &str) -> Vec<&'static str> {
    let granted: Vec<&str> = granted.split(',').map(str::trim).collect();
    BOT_SCOPES
        .iter()
        .map(|(scope, _)| *scope)
        .filter(|scope| !granted.contains(scope))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_scopes_are_named_in_the_manifests_order() {
        assert_eq!(
            missing_from("commands, chat:write,im:write"),
            ["im:history", "files:write", "users:read"]
        );
        assert!(missing_from(
            "users:read,files:write,im:history,im:write,chat:write,commands,channels:read"
        )
        .is_empty());
        assert_eq!(missing_from("").len(), BOT_SCOPES.len());
    }
}
