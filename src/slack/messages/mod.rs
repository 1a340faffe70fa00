//! Block Kit for what leaves through the outbox: no store writes, no handlers.

pub mod approval;
pub mod continuation;
pub mod disputes;
pub mod reminders;
