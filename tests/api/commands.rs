//! `/contact` and `/contact help`: an ephemeral list of every subcommand.

use contact_policy_bot::slack::commands::SUBCOMMANDS;
use serde_json::Value;

use crate::helpers::*;

async fn reply_json(app: &TestApp, text: &str) -> Value {
    let response = app.slash_command("U0STAFF", text).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON reply")
}

async fn help_lists_every_subcommand_privately(backend: Backend) {
    let Some(app) = spawn_app(backend, "help").await else {
        return;
    };
    for text in ["", "help", "  Help  "] {
        let reply = reply_json(&app, text).await;
        assert_eq!(reply["response_type"], "ephemeral", "help must be private");
        let shown = reply.to_string();
        for info in SUBCOMMANDS {
            assert!(
                shown.contains(info.usage),
                "help misses {}: {shown}",
                info.usage
            );
        }
    }
    // Help is the immediate answer: nothing is queued for Slack, nothing changes.
    assert!(app
        .store
        .outbox_messages()
        .await
        .expect("outbox")
        .is_empty());
    app.stop().await.expect("stops cleanly");
}

async fn unknown_subcommand_says_so_and_shows_help(backend: Backend) {
    let Some(app) = spawn_app(backend, "unknown_subcommand").await else {
        return;
    };
    let reply = reply_json(&app, "frobnicate everything").await;
    assert_eq!(reply["response_type"], "ephemeral");
    let text = reply["text"].as_str().expect("fallback text");
    assert!(
        text.starts_with("I don't know `/contact frobnicate`"),
        "{text}"
    );
    assert!(text.contains("/contact help"), "{text}");
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    help_lists_every_subcommand_privately,
    unknown_subcommand_says_so_and_shows_help
);
