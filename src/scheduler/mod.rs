//! Background work that runs beside the HTTP server: the outbox sender, which delivers
//! every queued Slack call exactly as stored, with retries, backoff and Retry-After.

pub mod outbox;
