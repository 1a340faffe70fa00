//! Everything that speaks Slack: request verification and routing (`ingress`), the
//! `/contact` subcommands (`commands`), Block Kit views (`views`), and the outbound
//! calls the outbox sender makes (`outbound`).

pub mod commands;
pub mod disputes;
pub mod forms;
pub mod home;
pub mod ingress;
pub mod interactions;
pub mod outbound;
pub mod people;
pub mod reporting;
pub mod restricting;
pub mod send;
pub mod signature;
pub mod views;
