//! The retention job, legal holds and erasure (R-DP-2), shared by the admin command line,
//! the schedule and the admin's confirmation in Slack. The rule is
//! [`crate::domain::retention`]; the writes are [`crate::store::retention::RetentionWrites`].
//!
//! Each person is erased in a transaction of their own, which re-checks what keeps them,
//! clears their data, queues the deletion of the bot's Slack messages and files that named
//! them (`chat.delete`, `files.delete`, sent by the outbox once it commits) and writes the
//! erasure's audit event. Nothing here prints or logs a name: people are `SU-<id>`.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use slack_morphism::prelude::{SlackApiChatDeleteRequest, SlackApiFilesDeleteRequest};

use crate::domain::person::PersonRef;
use crate::domain::retention::{self as rule, Kept, RetentionFacts, RetentionPeriod};
use crate::domain::Actor;
use crate::slack::outbound::SlackCall;
use crate::store::retention::{
    Erasure, ErasureGround, ErasureReport, NewRetentionRun, SlackTarget,
};
use crate::store::{NewOutboxMessage, Store, StoreError, StoreResult};

/// Who is past the period: those due, and those kept with every reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub period: RetentionPeriod,
    pub cutoff: DateTime<Utc>,
    pub due: Vec<RetentionFacts>,
    pub kept: Vec<(RetentionFacts, Vec<Kept>)>,
}

/// Reads who is due at `now`; writes nothing.
pub async fn review(
    store: &dyn Store,
    period: RetentionPeriod,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> StoreResult<Review> {
    let cutoff = period.cutoff(now);
    let mut due = Vec::new();
    let mut kept = Vec::new();
    for facts in store.past_retention(cutoff, today).await? {
        let reasons = rule::reasons_kept(&facts, cutoff);
        if reasons.is_empty() {
            due.push(facts);
        } else {
            kept.push((facts, reasons));
        }
    }
    Ok(Review {
        period,
        cutoff,
        due,
        kept,
    })
}

/// The dry run as the command line prints it: references, dates and reasons only.
pub fn render_review(review: &Review) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "retention period {} (last activity before {}): {} due for erasure, {} kept",
        review.period,
        review.cutoff.date_naive(),
        review.due.len(),
        review.kept.len()
    );
    for facts in &review.due {
        let _ = writeln!(
            out,
            "would erase {}: last activity {}, nothing keeps them",
            PersonRef(facts.person_id),
            facts.last_activity_at.date_naive()
        );
    }
    for (facts, reasons) in &review.kept {
        let reasons: Vec<String> = reasons.iter().map(Kept::to_string).collect();
        let _ = writeln!(
            out,
            "keeps {}: last activity {}, {}",
            PersonRef(facts.person_id),
            facts.last_activity_at.date_naive(),
            reasons.join("; ")
        );
    }
    out.trim_end().to_owned()
}

/// The outbox rows that delete the bot's messages and files that named a person. Keyed by
/// the message or file, so however many erasures find it, it is deleted once.
pub fn deletion_messages(person_id: i64, targets: &[SlackTarget]) -> Vec<NewOutboxMessage> {
    targets
        .iter()
        .filter_map(|target| {
            let (call, key) = match target {
                SlackTarget::Message { channel, ts } => (
                    SlackCall::Delete(SlackApiChatDeleteRequest::new(
                        channel.as_str().into(),
                        ts.as_str().into(),
                    )),
                    format!("erase:chat.delete:{channel}:{ts}"),
                ),
                SlackTarget::File { id } => (
                    SlackCall::DeleteFile(SlackApiFilesDeleteRequest::new(id.as_str().into())),
                    format!("erase:files.delete:{id}"),
                ),
            };
            call.into_outbox(key, Some(("erasure", person_id.to_string())))
                .ok()
        })
        .collect()
}

/// Erases one person in a transaction of their own: the erasure, its Slack deletions and
/// its audit event commit together, or nothing does.
pub async fn erase_one(
    store: &dyn Store,
    person_id: i64,
    ground: ErasureGround,
    today: NaiveDate,
    run_id: Option<i64>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Erasure> {
    let mut tx = store.begin_write().await?;
    let erasure = tx
        .erase_person(person_id, ground, today, run_id, actor, now)
        .await?;
    if let Erasure::Erased(report) = &erasure {
        tx.enqueue(
            None,
            &deletion_messages(person_id, &report.slack_targets),
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            person = %PersonRef(person_id),
            rows = report.rows(),
            slack_deletions = report.slack_targets.len(),
            "person erased"
        );
    }
    Ok(erasure)
}

/// What an applied run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub run_id: i64,
    pub erased: Vec<ErasureReport>,
    /// Candidates no longer due when their turn came, with why.
    pub skipped: Vec<(i64, Vec<Kept>)>,
    pub unlinked_calls: u64,
}

/// Erases every candidate of run `run_id` still due at `cutoff`, clears unlinked ended
/// calls older than the period, and finishes the run.
pub async fn apply_run(
    store: &dyn Store,
    run_id: i64,
    candidates: &[i64],
    cutoff: DateTime<Utc>,
    today: NaiveDate,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Applied> {
    let mut applied = Applied {
        run_id,
        erased: Vec::new(),
        skipped: Vec::new(),
        unlinked_calls: 0,
    };
    for person_id in candidates {
        let ground = ErasureGround::Retention { cutoff };
        match erase_one(store, *person_id, ground, today, Some(run_id), actor, now).await {
            Ok(Erasure::Erased(report)) => applied.erased.push(report),
            Ok(Erasure::Kept(kept)) => applied.skipped.push((*person_id, kept)),
            Err(StoreError::NotFound { .. }) => applied
                .skipped
                .push((*person_id, vec![Kept::AlreadyErased])),
            Err(err) => return Err(err),
        }
    }
    let mut tx = store.begin_write().await?;
    applied.unlinked_calls = tx.erase_unlinked_calls(cutoff, actor, now).await?;
    tx.finish_retention_run(run_id, applied.erased.len() as i64, now)
        .await?;
    tx.commit().await?;
    Ok(applied)
}

/// `admin retention --apply`: records a run of everyone due now and erases them.
pub async fn apply_now(
    store: &dyn Store,
    period: RetentionPeriod,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> StoreResult<Applied> {
    let found = review(store, period, now, today).await?;
    let run = NewRetentionRun {
        dry_run: false,
        inactive_days: period.days_at(now),
        reason: None,
        candidates: found
            .due
            .iter()
            .map(|f| (f.person_id, f.last_activity_at))
            .collect(),
    };
    let mut tx = store.begin_write().await?;
    let run_id = tx.record_retention_run(&run, actor, now).await?;
    tx.commit().await?;
    let ids: Vec<i64> = run.candidates.iter().map(|(id, _)| *id).collect();
    apply_run(store, run_id, &ids, found.cutoff, today, actor, now).await
}

pub fn render_applied(applied: &Applied) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "retention run {}: erased {}, skipped {}, unlinked ended calls cleared {}",
        applied.run_id,
        applied.erased.len(),
        applied.skipped.len(),
        applied.unlinked_calls
    );
    for report in &applied.erased {
        let _ = writeln!(
            out,
            "erased {}: {} rows cleared, {} Slack messages and files to delete",
            PersonRef(report.person_id),
            report.rows(),
            report.slack_targets.len()
        );
    }
    for (person_id, kept) in &applied.skipped {
        let reasons: Vec<String> = kept.iter().map(Kept::to_string).collect();
        let _ = writeln!(
            out,
            "kept {}: {}",
            PersonRef(*person_id),
            reasons.join("; ")
        );
    }
    out.trim_end().to_owned()
}

/// Why a one-person erasure on request was refused: each reason with who can clear it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{person} was not erased: {}", .kept.iter().map(|k| format!("{k} ({})", k.remedy())).collect::<Vec<_>>().join("; "))]
pub struct Refused {
    pub person: PersonRef,
    pub kept: Vec<Kept>,
}

/// `admin erase <person> --reason`: the right to erasure. Refused while a restriction
/// still stands, a legal hold, an open dispute or review, a pending request or an
/// outstanding police report keeps the person (each named, with who can clear it).
pub async fn erase_on_request(
    store: &dyn Store,
    person: PersonRef,
    reason: &str,
    period: RetentionPeriod,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<ErasureReport> {
    let reason = reason.trim();
    if reason.is_empty() {
        anyhow::bail!("give the ground for the erasure with --reason (e.g. the request's reference), without naming the person");
    }
    let Some(facts) = store.retention_facts(person.id(), today).await? else {
        anyhow::bail!("there is no person {person}");
    };
    let kept = rule::blockers(&facts);
    if !kept.is_empty() {
        return Err(Refused { person, kept }.into());
    }
    let run = NewRetentionRun {
        dry_run: false,
        inactive_days: period.days_at(now),
        reason: Some(reason.to_owned()),
        candidates: vec![(facts.person_id, facts.last_activity_at)],
    };
    let mut tx = store.begin_write().await?;
    let run_id = tx.record_retention_run(&run, actor, now).await?;
    tx.commit().await?;
    let erasure = erase_one(
        store,
        person.id(),
        ErasureGround::Request,
        today,
        Some(run_id),
        actor,
        now,
    )
    .await?;
    let mut tx = store.begin_write().await?;
    let erased = i64::from(matches!(erasure, Erasure::Erased(_)));
    tx.finish_retention_run(run_id, erased, now).await?;
    tx.commit().await?;
    match erasure {
        Erasure::Erased(report) => Ok(report),
        Erasure::Kept(kept) => Err(Refused { person, kept }.into()),
    }
}

/// `admin hold <person> --reason`.
pub async fn hold(
    store: &dyn Store,
    person: PersonRef,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        anyhow::bail!("give the reason for the legal hold with --reason");
    }
    let mut tx = store.begin_write().await?;
    let id = tx.place_legal_hold(person.id(), reason, actor, now).await?;
    tx.commit().await?;
    Ok(format!(
        "legal hold {id} placed on {person}: they are kept from erasure until `admin release {person}`"
    ))
}

/// `admin release <person>`.
pub async fn release(
    store: &dyn Store,
    person: PersonRef,
    actor: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let mut tx = store.begin_write().await?;
    tx.release_legal_hold(person.id(), actor, now).await?;
    tx.commit().await?;
    Ok(format!("legal hold on {person} released"))
}

/// The retention settings the admin commands read, from flags or the environment.
#[derive(Debug, Clone, clap::Args)]
pub struct RetentionArgs {
    /// How long personal data is kept after a person's last activity: `6y`, `72m` or
    /// `2190d`.
    #[arg(long, env = "RETENTION_PERIOD", default_value = rule::DEFAULT_RETENTION_PERIOD)]
    pub retention_period: String,
    /// Time zone whose today decides whether a restriction still stands.
    #[arg(long, env = "TIMEZONE", default_value = "Europe/London")]
    pub timezone: String,
}

impl RetentionArgs {
    pub fn parse(&self) -> Result<(RetentionPeriod, chrono_tz::Tz), crate::config::ConfigError> {
        let period = parse_period(&self.retention_period)?;
        let tz = self
            .timezone
            .parse()
            .map_err(|_| crate::config::ConfigError::Invalid {
                var: "TIMEZONE",
                reason: format!("unknown time zone {:?}", self.timezone),
            })?;
        Ok((period, tz))
    }
}

/// `RETENTION_PERIOD`, or an error naming the variable.
pub fn parse_period(raw: &str) -> Result<RetentionPeriod, crate::config::ConfigError> {
    RetentionPeriod::parse(raw).map_err(|reason| crate::config::ConfigError::Invalid {
        var: "RETENTION_PERIOD",
        reason,
    })
}

fn person_ref(raw: &str) -> anyhow::Result<PersonRef> {
    PersonRef::parse(raw).map_err(anyhow::Error::msg)
}

/// `admin retention --dry-run | --apply`.
pub async fn admin_retention(
    store: &dyn Store,
    clock: &dyn crate::clock::Clock,
    actor: &Actor,
    apply: bool,
    settings: &RetentionArgs,
) -> anyhow::Result<String> {
    let (period, tz) = settings.parse()?;
    let now = clock.now();
    let today = now.with_timezone(&tz).date_naive();
    if apply {
        Ok(render_applied(
            &apply_now(store, period, actor, now, today).await?,
        ))
    } else {
        Ok(render_review(&review(store, period, now, today).await?))
    }
}

/// `admin erase <person> --reason`.
pub async fn admin_erase(
    store: &dyn Store,
    clock: &dyn crate::clock::Clock,
    actor: &Actor,
    person: &str,
    reason: &str,
    settings: &RetentionArgs,
) -> anyhow::Result<String> {
    let person = person_ref(person)?;
    let (period, tz) = settings.parse()?;
    let now = clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let report = erase_on_request(store, person, reason, period, actor, now, today).await?;
    Ok(format!(
        "erased {person}: {} rows cleared, {} Slack messages and files to delete",
        report.rows(),
        report.slack_targets.len()
    ))
}

/// `admin hold <person> --reason`.
pub async fn admin_hold(
    store: &dyn Store,
    clock: &dyn crate::clock::Clock,
    actor: &Actor,
    person: &str,
    reason: &str,
) -> anyhow::Result<String> {
    hold(store, person_ref(person)?, reason, actor, clock.now()).await
}

/// `admin release <person>`.
pub async fn admin_release(
    store: &dyn Store,
    clock: &dyn crate::clock::Clock,
    actor: &Actor,
    person: &str,
) -> anyhow::Result<String> {
    release(store, person_ref(person)?, actor, clock.now()).await
}
