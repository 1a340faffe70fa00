//! Block Kit for what leaves through the outbox, apart from the handlers that decide to
//! send it: no store writes and no handlers here, only the wording and layout of messages.

pub mod disputes;
