//! Everything that speaks Slack. A request comes in over HTTP through `ingress` (size,
//! signature) or over Socket Mode through `socket_mode` (an envelope on a connection opened
//! with the app-level token), is checked and timed by `dispatch` (workspace, staff, the
//! 3-second budget) whichever way it came, is matched to its handler by `router`, and is handled
//! in one file per use case under `reporting/`, `restricting/` and `disputes/`, which share
//! `ctx`, `blocks` (the one Block Kit kit), `ids`, `metadata`, `find`, `functions`,
//! `people`, `staff`, `letters` and `messages/` but never import each other. What goes back to
//! Slack leaves through `send` (the outbox) or `interactive` (views answering a user).

pub mod auth;
pub mod blocks;
pub mod commands;
pub mod ctx;
pub mod dispatch;
pub mod disputes;
pub mod error;
pub mod find;
pub mod forms;
pub mod functions;
pub mod governance;
pub mod home;
pub mod ids;
pub mod ingress;
pub mod interactive;
pub mod letters;
pub mod messages;
pub mod metadata;
pub mod outbound;
pub mod people;
pub mod reporting;
pub mod restricting;
pub mod retention;
pub mod router;
pub mod scopes;
pub mod send;
pub mod signature;
pub mod socket_mode;
pub mod staff;
pub mod state;
pub mod subject_access;
pub mod views;
