//! Integration tests: the real app on port 0, a real database (SQLite file, and a fresh
//! PostgreSQL database when TEST_DATABASE_URL is set), Slack faked at the HTTP boundary.

#[path = "../common/db.rs"]
mod db;
mod fake_slack;
#[macro_use]
mod helpers;

mod ack;
mod admin_ops;
mod cli;
mod commands;
mod correction;
mod disputes;
mod events;
mod governance;
mod health;
mod limits;
mod metrics;
mod outbox;
mod point_of_contact;
mod reminders;
mod reporting;
mod restricting;
mod retention;
mod review_continuation;
mod security;
mod socket_mode;
mod staff;
mod subject_access;
mod violence_and_ended;
