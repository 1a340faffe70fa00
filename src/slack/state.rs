//! What every Slack request handler can reach: the store, the clock, the workspace it
//! serves and the letter templates. `app.rs` builds it once at start.

use std::sync::Arc;

use chrono_tz::Tz;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::StaffScope;
use crate::letters::Letters;
use crate::metrics::Metrics;
use crate::slack::interactive::Interactive;
use crate::slack::signature::SignatureVerifier;
use crate::slack::socket_mode::SocketStatus;
use crate::slack::staff::StaffDirectory;
use crate::store::Store;

/// What every request handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub verifier: SignatureVerifier,
    pub team_id: String,
    pub timezone: Tz,
    pub metrics: Arc<Metrics>,
    /// Nudges the outbox sender as soon as something is queued.
    pub outbox_wake: Arc<Notify>,
    /// Sends views answering a user's action at once, beside the outbox.
    pub interactive: Interactive,
    pub letters: Arc<Letters>,
    /// The policy a warning letter encloses, posted beside its draft (§6, R-LET-1).
    pub policy: Arc<crate::letters::policy::PolicyDocument>,
    /// Staff members' names for letters, from Slack (`users.info`).
    pub staff: Arc<StaffDirectory>,
    /// Who counts as staff beyond being a full member (`STAFF`).
    pub staff_scope: StaffScope,
    pub organisation: String,
    pub complaints_contact: String,
    /// In Socket Mode (`SLACK_APP_TOKEN` set), whether a connection is open, for `/readyz`.
    pub socket: Option<Arc<SocketStatus>>,
}
