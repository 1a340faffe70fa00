//! contact-policy-bot: a Slack bot that runs a public body's policy for managing
//! unacceptable behaviour by service users towards its staff.

pub mod access;
pub mod admin;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod governance;
pub mod letters;
pub mod metrics;
pub mod observability;
pub mod ops;
pub mod retention;
pub mod scheduler;
pub mod slack;
pub mod store;
pub mod subject_access;
