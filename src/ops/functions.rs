//! `admin rename-function` and `admin retire-function`.

use anyhow::bail;
use chrono::{DateTime, Utc};

use crate::domain::roles::FunctionName;
use crate::domain::Actor;
use crate::store::ops::RetireOutcome;
use crate::store::Store;

pub async fn rename(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    old: &str,
    new: &str,
) -> anyhow::Result<String> {
    let (old, new) = (FunctionName::parse(old)?, FunctionName::parse(new)?);
    let Some(current) = store.function_by_name(&old).await? else {
        bail!("there is no function named \"{old}\"");
    };
    // A name another function holds (in any case) is refused before the database has to.
    if let Some(other) = store.function_by_name(&new).await? {
        if other.id != current.id {
            bail!("a function named \"{}\" already exists: function names are unique whatever their case", other.name);
        }
    }
    store.rename_function(&old, &new, actor, now).await?;
    Ok(format!("renamed function {} to {new}", current.name))
}

pub async fn retire(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    name: &str,
) -> anyhow::Result<String> {
    let name = FunctionName::parse(name)?;
    let Some(function) = store.function_by_name(&name).await? else {
        bail!("there is no function named \"{name}\"");
    };
    match store.retire_function(&name, actor, now).await? {
        RetireOutcome::Retired => Ok(format!(
            "retired function {}: it keeps its records and takes no new ones",
            function.name
        )),
        RetireOutcome::AlreadyRetired => bail!("function {} is already retired", function.name),
        RetireOutcome::OpenItems(open) => bail!(
            "function {} still has open items, so it was not retired: {}. Close them, or hand them to someone else with `admin reassign`, then retire it.",
            function.name,
            open.join(", ")
        ),
    }
}
