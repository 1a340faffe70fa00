//! `admin backup FILE`: a consistent copy of a live SQLite database (`VACUUM INTO`), made
//! while `serve` holds its instance lock. The copy holds everything, so it is created
//! readable by its owner only, and never over an existing file.

use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use crate::domain::Actor;
use crate::store::{Backend, Store};

pub async fn run(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    file: &Path,
) -> anyhow::Result<String> {
    if store.backend() == Backend::Postgres {
        anyhow::bail!("admin backup copies a SQLite database; for PostgreSQL use pg_dump (see \"Backup and restore\" in deploy/README.md)");
    }
    // SQLite writes into a file that does not exist or is empty: make it empty, owner-only.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file).with_context(|| {
        format!(
            "cannot create {} (a backup never overwrites a file)",
            file.display()
        )
    })?;
    if let Err(e) = store.backup_into(file, actor, now).await {
        let _ = std::fs::remove_file(file);
        return Err(e.into());
    }
    let shown = std::path::absolute(file).unwrap_or_else(|_| file.to_owned());
    Ok(format!("backed up to {}", shown.display()))
}
