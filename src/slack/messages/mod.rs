//! Block Kit for what leaves through the outbox: messages built from records, with no
//! store writes and no handlers, so each can be checked against Slack's limits alone.

pub mod approval;
