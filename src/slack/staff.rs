//! Members of staff as each surface names them. In Slack a member of staff is a working
//! mention, `<@U…>`, which Slack shows as their name and keeps up to date. A letter to a
//! service user prints the person's real name, as Slack has it (`users.info`, the
//! `users:read` scope) when the letter is drafted; never a Slack id or Slack markup.
//!
//! Where the lookup happens. A letter is drafted by the handler that records the decision,
//! inside Slack's 3-second window, because it is stored with the decision in one
//! transaction. So that the handler need not wait on Slack, names are looked up ahead, off
//! any request's path ([`StaffDirectory::warm`]): when a request naming a point of contact
//! is sent, while the head ticks the approval checklist, and when a dispute or review form
//! opens; a name looked up within [`FRESH_FOR`] is used as it is. Only when no fresh name
//! is at hand (or before refusing) does the handler ask Slack itself, for at most
//! [`LOOKUP_BUDGET`] of its 2.5 seconds. If Slack does not answer in time or fails, what
//! Slack said last is used.
//! With no name at all, or a point of contact who is no longer an active full member of the
//! workspace (not found, deactivated, a bot or a guest), no letter is drafted: nothing is
//! changed and the user is told why and what to do instead.
//!
//! The same answers say who is staff (R-DP-3, [`StaffDirectory::membership`]): every
//! request is from a full member of the workspace, checked before it is handled. A full
//! member Slack vouched for within [`FRESH_FOR`] is let through without asking again; a
//! refusal always rests on asking Slack now, for at most [`MEMBERSHIP_BUDGET`]. If Slack
//! does not answer in time, what it said last stands (the lookup goes on in the
//! background and is kept for the next request); if it never said anything, the
//! permission layer decides (`access::staff_decision`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::DateTime;
use chrono_tz::Tz;
use slack_morphism::prelude::SlackUser;
use tokio::time::Instant;

use super::blocks::escape;
use super::outbound::SlackApi;
use crate::access::Membership;
use crate::domain::measures::{instructions, Measure};
use crate::domain::UserId;
use crate::letters::{LetterMeasure, StaffNames};

/// How long a name Slack gave stands for "the name when the letter is drafted".
pub const FRESH_FOR: Duration = Duration::from_secs(10 * 60);
/// The most of a handler's time a lookup it cannot avoid may take (the handler has
/// 2.5 seconds in all; see `ingress::ACK_BUDGET`).
pub const LOOKUP_BUDGET: Duration = Duration::from_secs(1);
/// The most of a request's 2.5 seconds the check that the user is staff may take: with
/// a letter's name lookup ([`LOOKUP_BUDGET`]) the handler still has most of a second.
pub const MEMBERSHIP_BUDGET: Duration = Duration::from_millis(700);
/// A name looked up this recently is not looked up ahead again.
const WARM_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// A member of staff as a Slack surface names them: a mention Slack shows as their name.
pub fn mention(staff: &UserId) -> String {
    format!("<@{staff}>")
}

/// One measure as a line of Slack mrkdwn: what staff typed escaped, the point of contact
/// a working mention.
pub fn measure_summary(measure: &Measure) -> String {
    measure.with_typed_text(&escape).summary(&mention)
}

/// What a member of staff should do now about a person under these measures (R-RPT-5),
/// as lines of Slack mrkdwn: what staff typed escaped, the point of contact a mention.
pub fn measure_instructions(measures: &[Measure], now: DateTime<Tz>) -> Vec<String> {
    let escaped: Vec<Measure> = measures
        .iter()
        .map(|m| m.with_typed_text(&escape))
        .collect();
    instructions(&escaped, now, &mention)
}

/// The members of staff the measures name, each once.
pub fn staff_of(measures: &[Measure]) -> Vec<UserId> {
    let mut staff: Vec<UserId> = measures
        .iter()
        .filter_map(Measure::staff)
        .cloned()
        .collect();
    staff.sort();
    staff.dedup();
    staff
}

/// Why a letter could not name the point of contact. Each says that nothing was changed;
/// the handler adds what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffNameError {
    #[error("Nothing was changed: the letter names <@{0}> as the single point of contact, and Slack did not give me their name just now. Please try again in a minute.")]
    Unavailable(UserId),
    #[error("Nothing was changed: <@{0}>, named as the single point of contact, is no longer an active member of this workspace, so the letter cannot tell the person to contact them.")]
    NotStaff(UserId),
    #[error("Nothing was changed: Slack has no name for <@{0}>, named as the single point of contact, so the letter cannot name them. Ask them to fill in their full name in their Slack profile, then try again.")]
    Nameless(UserId),
}

/// What Slack said about a member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    /// An active full member, with the name a letter gives them.
    Named(String),
    /// An active full member without any name.
    Nameless,
    /// Not found, deactivated, a bot or a guest: nobody a person can be sent to.
    NotStaff,
}

#[derive(Debug, Clone)]
struct Known {
    at: Instant,
    standing: Standing,
}

/// What Slack says about `user`: whether they are staff a person can be sent to, and the
/// name a letter gives them: their full name, else their display name, else their handle.
fn standing_of(user: &SlackUser) -> Standing {
    let flags = &user.flags;
    let not_staff = user.deleted == Some(true)
        || [
            flags.is_bot,
            flags.is_app_user,
            flags.is_restricted,
            flags.is_ultra_restricted,
            flags.is_stranger,
        ]
        .contains(&Some(true));
    if not_staff {
        return Standing::NotStaff;
    }
    let profile = user.profile.as_ref();
    [
        profile.and_then(|p| p.real_name.as_deref()),
        user.real_name.as_deref(),
        profile.and_then(|p| p.display_name.as_deref()),
        user.name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|name| !name.is_empty())
    .map_or(Standing::Nameless, |name| Standing::Named(name.to_owned()))
}

fn membership_of(standing: &Standing) -> Membership {
    match standing {
        Standing::Named(_) | Standing::Nameless => Membership::FullMember,
        Standing::NotStaff => Membership::NotFullMember,
    }
}

/// The names of members of staff as Slack gives them, kept for [`FRESH_FOR`].
#[derive(Debug)]
pub struct StaffDirectory {
    api: Arc<SlackApi>,
    known: Mutex<HashMap<UserId, Known>>,
}

impl StaffDirectory {
    pub fn new(api: Arc<SlackApi>) -> Self {
        Self {
            api,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// Looks `staff` up in Slack in the background, so that a letter drafted soon names
    /// them without waiting on Slack. Never delays the caller.
    pub fn warm(self: &Arc<Self>, staff: Vec<UserId>) {
        let wanted: Vec<UserId> = staff
            .into_iter()
            .filter(|user| {
                self.known(user)
                    .is_none_or(|k| k.at.elapsed() >= WARM_AGAIN_AFTER)
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let directory = Arc::clone(self);
        tokio::spawn(async move {
            for user in wanted {
                if let Err(error) = directory.look_up(&user).await {
                    tracing::warn!(?error, "users.info ahead of a letter failed");
                }
            }
        });
    }

    /// The real names of `staff` for a letter drafted now; see the module for where each
    /// comes from.
    pub async fn names_for_letter(&self, staff: &[UserId]) -> Result<StaffNames, StaffNameError> {
        let mut names = StaffNames::new();
        for user in staff {
            // A fresh name is used as it is; a refusal always rests on asking Slack now,
            // so someone reactivated or given a name is not refused from memory.
            let fresh = self
                .known(user)
                .filter(|k| k.at.elapsed() < FRESH_FOR && matches!(k.standing, Standing::Named(_)));
            let standing = match fresh {
                Some(known) => known.standing,
                None => self.look_up_now(user).await?,
            };
            match standing {
                Standing::Named(name) => {
                    names.insert(user.clone(), name);
                }
                Standing::Nameless => return Err(StaffNameError::Nameless(user.clone())),
                Standing::NotStaff => return Err(StaffNameError::NotStaff(user.clone())),
            }
        }
        Ok(names)
    }

    /// The measures as a letter drafted now describes them, the point of contact named.
    pub async fn letter_measures(
        &self,
        measures: &[Measure],
    ) -> Result<Vec<LetterMeasure>, StaffNameError> {
        let names = self.names_for_letter(&staff_of(measures)).await?;
        Ok(measures
            .iter()
            .map(|m| LetterMeasure::new(m, &names))
            .collect())
    }

    /// The name Slack gives `user`, for a document that names staff (the subject access
    /// export): fresh from memory, else asked within [`LOOKUP_BUDGET`], else what Slack
    /// said last. `None` when Slack has no name for them (or no longer knows them).
    pub async fn name_of(&self, user: &UserId) -> Option<String> {
        let fresh = self
            .known(user)
            .filter(|k| k.at.elapsed() < FRESH_FOR && matches!(k.standing, Standing::Named(_)));
        let standing = match fresh {
            Some(known) => known.standing,
            None => self.look_up_now(user).await.ok()?,
        };
        match standing {
            Standing::Named(name) => Some(name),
            Standing::Nameless | Standing::NotStaff => None,
        }
    }

    /// Whether `user` is a full member of the workspace, as the module says: fresh from
    /// memory, else asked within [`MEMBERSHIP_BUDGET`], else what Slack said last.
    pub async fn membership(self: &Arc<Self>, user: &UserId) -> Membership {
        let known = self.known(user);
        if let Some(k) = &known {
            if k.at.elapsed() < FRESH_FOR && k.standing != Standing::NotStaff {
                return Membership::FullMember;
            }
        }
        // In a task of its own, so an answer that comes after the budget is still kept.
        let directory = Arc::clone(self);
        let asked = user.clone();
        let lookup = tokio::spawn(async move { directory.look_up(&asked).await });
        match tokio::time::timeout(MEMBERSHIP_BUDGET, lookup).await {
            Ok(Ok(Ok(standing))) => membership_of(&standing),
            failed => {
                let error = match failed {
                    Ok(Ok(Err(error))) => format!("{error:?}"),
                    Ok(Err(join)) => format!("{join}"),
                    _ => format!("no answer within {MEMBERSHIP_BUDGET:?}"),
                };
                tracing::warn!(%error, "users.info for a request failed; using what Slack said last, if anything");
                known.map_or(Membership::Unknown, |k| membership_of(&k.standing))
            }
        }
    }

    /// Asks Slack within [`LOOKUP_BUDGET`]; failing that, what Slack said last.
    async fn look_up_now(&self, user: &UserId) -> Result<Standing, StaffNameError> {
        match tokio::time::timeout(LOOKUP_BUDGET, self.look_up(user)).await {
            Ok(Ok(standing)) => Ok(standing),
            failed => {
                let error = match failed {
                    Ok(Err(error)) => format!("{error:?}"),
                    _ => format!("no answer within {LOOKUP_BUDGET:?}"),
                };
                tracing::warn!(%error, "users.info for a letter failed; using the last name Slack gave, if any");
                self.known(user)
                    .map(|k| k.standing)
                    .ok_or_else(|| StaffNameError::Unavailable(user.clone()))
            }
        }
    }

    async fn look_up(&self, user: &UserId) -> Result<Standing, super::outbound::CallFailure> {
        let standing = match self.api.user_info(user.as_str()).await? {
            Some(found) => standing_of(&found),
            None => Standing::NotStaff,
        };
        self.lock().insert(
            user.clone(),
            Known {
                at: Instant::now(),
                standing: standing.clone(),
            },
        );
        Ok(standing)
    }

    fn known(&self, user: &UserId) -> Option<Known> {
        self.lock().get(user).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Known>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(value: serde_json::Value) -> SlackUser {
        serde_json::from_value(value).expect("a users.info user")
    }

    #[test]
    fn i9_f5_letters_use_the_full_name_then_the_display_name_then_the_handle() {
        let full = user(json!({
            "id": "U1", "name": "sam", "real_name": "Sam J",
            "profile": { "real_name": "Sam Jones", "display_name": "Sammy" }
        }));
        assert_eq!(standing_of(&full), Standing::Named("Sam Jones".into()));
        let top_level = user(json!({
            "id": "U1", "name": "sam", "real_name": "Sam J",
            "profile": { "real_name": " ", "display_name": "Sammy" }
        }));
        assert_eq!(standing_of(&top_level), Standing::Named("Sam J".into()));
        let display = user(json!({
            "id": "U1", "name": "sam", "real_name": "",
            "profile": { "real_name": "", "display_name": "Sammy" }
        }));
        assert_eq!(standing_of(&display), Standing::Named("Sammy".into()));
        let handle = user(json!({ "id": "U1", "name": "sam" }));
        assert_eq!(standing_of(&handle), Standing::Named("sam".into()));
        let nameless = user(json!({ "id": "U1", "name": "" }));
        assert_eq!(standing_of(&nameless), Standing::Nameless);
    }

    #[test]
    fn i9_f5_only_active_full_members_can_be_a_point_of_contact() {
        for flag in [
            "deleted",
            "is_bot",
            "is_app_user",
            "is_restricted",
            "is_ultra_restricted",
            "is_stranger",
        ] {
            let mut value = json!({
                "id": "U1", "name": "sam", "profile": { "real_name": "Sam Jones" }
            });
            value[flag] = json!(true);
            assert_eq!(standing_of(&user(value)), Standing::NotStaff, "{flag}");
        }
    }

    #[test]
    fn i9_f5_slack_surfaces_show_a_working_mention_and_escape_typed_text() {
        let sam = Measure::SinglePointOfContact {
            staff: UserId::from_slack("U012AB3CD"),
        };
        assert_eq!(
            measure_summary(&sam),
            "Single point of contact: <@U012AB3CD>"
        );
        let other = Measure::Other {
            description: "<!channel> & <@U0EVIL>".into(),
        };
        assert_eq!(
            measure_summary(&other),
            "Other: &lt;!channel&gt; &amp; &lt;@U0EVIL&gt;"
        );
        assert_eq!(
            staff_of(&[sam.clone(), other, sam]),
            [UserId::from_slack("U012AB3CD")]
        );
    }
}
