//! Exactly once for what Slack sends us: a view submission answered 200 was stored, and a
//! second delivery of it (a retry, a double click on Submit, the user pressing Submit again
//! after the bot died) stores nothing more.
//!
//! The ingress runs a submission's handler inside [`once`] with the submission's key. The
//! first write transaction the handler begins (`begin_write` in either backend) records
//! that key in `slack_events_seen` *inside the same transaction* as the record itself, so
//! the key and the record are committed together or not at all: a crash before the commit
//! leaves neither, and the user's retry stores the record; a crash after it leaves both,
//! and the retry is answered as already handled. A duplicate that races the first
//! delivery waits on the key's unique index (PostgreSQL) or on the IMMEDIATE write lock
//! (SQLite), then finds the key and gets [`StoreError::AlreadyHandled`].
//!
//! A handler that writes in more than one transaction is guarded by its first.

use std::cell::Cell;
use std::future::Future;

struct Submission {
    key: String,
    /// Whether a transaction of this submission has already carried the key.
    carried: Cell<bool>,
}

tokio::task_local! {
    static SUBMISSION: Submission;
}

/// Runs `handler` as the one handling of the submission named `key`.
pub async fn once<F: Future>(key: impl Into<String>, handler: F) -> F::Output {
    SUBMISSION
        .scope(
            Submission {
                key: key.into(),
                carried: Cell::new(false),
            },
            handler,
        )
        .await
}

/// The submission key the next write transaction must carry, if any; each key is handed
/// out once per submission.
pub(super) fn key_to_carry() -> Option<String> {
    SUBMISSION
        .try_with(|s| {
            if s.carried.replace(true) {
                None
            } else {
                Some(s.key.clone())
            }
        })
        .ok()
        .flatten()
}
