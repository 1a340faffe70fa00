//! Everything that speaks Slack: request verification and routing (`ingress`), the
//! `/contact` subcommands (`commands`), Block Kit views (`views`), and the outbound
//! calls the outbox sender makes (`outbound`).

pub mod blocks;
pub mod commands;
pub mod ctx;
pub mod disputes;
pub mod error;
pub mod find;
pub mod forms;
pub mod functions;
pub mod home;
pub mod ids;
pub mod ingress;
pub mod interactions;
pub mod interactive;
pub mod letters;
pub mod messages;
pub mod metadata;
pub mod outbound;
pub mod people;
pub mod reporting;
pub mod restricting;
pub mod send;
pub mod signature;
pub mod state;
pub mod views;
