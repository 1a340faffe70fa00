//! `contact-policy-bot admin export-person <person> --out DIR` (R-DP-1): finds the person
//! by id (`12` or `SU-12`) or by an identifier that matches exactly one person, writes
//! `SU-<id>.json` and `SU-<id>.html` into DIR (created if missing), readable by the owner
//! only, records the export in the audit trail and says where the files are. Without
//! Slack, members of staff are shown by their Slack user id, and the documents say so.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{render, Export, StaffNames, SubjectAccessFile};
use crate::domain::person::{PersonQuery, PersonRef};
use crate::domain::Actor;
use crate::store::Store;

/// The most candidates an ambiguous identifier lists.
const MAX_CANDIDATES: i64 = 50;

/// Runs the export and returns what to print: the two paths, one a line.
pub async fn export_person(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    person: &str,
    out: &Path,
    zone: Tz,
) -> anyhow::Result<String> {
    let file = find_person(store, person).await?;
    let person_id = file.person_id;
    let documents = render(&Export {
        file: &file,
        names: &StaffNames::UserIdsOnly,
        made_by: actor.as_str(),
        made_at: now,
        zone,
    });
    create_dir(out)?;
    let json_path = out.join(documents.json_filename());
    let html_path = out.join(documents.html_filename());
    write_private(&json_path, &documents.json)?;
    if let Err(e) = write_private(&html_path, &documents.html) {
        let _ = std::fs::remove_file(&json_path);
        return Err(e);
    }
    // The export is on disk: record it. Should that fail, the files are taken back, so an
    // export never leaves the register unaudited.
    if let Err(e) = store.record_export(actor, person_id, "cli", &[], now).await {
        let _ = std::fs::remove_file(&json_path);
        let _ = std::fs::remove_file(&html_path);
        return Err(e).context(
            "the export could not be recorded in the audit trail, so its files were removed",
        );
    }
    tracing::info!(person_id, via = "cli", "subject access export written");
    Ok(format!("{}\n{}", json_path.display(), html_path.display()))
}

/// The person `text` names: an id (`12`, `SU-12`) of someone on record (erased or not), or
/// a phone number, email address or case reference held by exactly one person.
async fn find_person(store: &dyn Store, text: &str) -> anyhow::Result<SubjectAccessFile> {
    if let Ok(PersonRef(id)) = PersonRef::parse(text) {
        if let Some(file) = store.subject_access_file(id).await? {
            return Ok(file);
        }
        // A bare number may also be a case reference or a phone number.
        if text.trim().to_ascii_uppercase().starts_with("SU-") {
            bail!("no person SU-{id} is on record");
        }
    }
    let query = PersonQuery::parse(text).map_err(|e| anyhow!("{e}"))?;
    let identifiers = query.identifiers();
    let people = store.find_people("", &identifiers, MAX_CANDIDATES).await?;
    let id = match people.as_slice() {
        [] => bail!(
            "no one on record has the id, phone number, email address or case reference {:?}",
            query.text()
        ),
        [one] => one.id,
        several => {
            let ids: Vec<String> = several.iter().map(|p| super::reference(p.id)).collect();
            bail!(
                "{} people hold that identifier: {}. Nothing was exported; run the export again with one of these references",
                several.len(),
                ids.join(", ")
            )
        }
    };
    store
        .subject_access_file(id)
        .await?
        .ok_or_else(|| anyhow!("no person SU-{id} is on record"))
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))
}

/// Writes `contents` to `path`, readable and writable by the owner only (0600), replacing
/// an earlier export of the same person.
fn write_private(path: &PathBuf, contents: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // A file that was already there keeps its mode through `open`: set it before writing.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private", path.display()))?;
    }
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
