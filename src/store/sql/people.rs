// Compiled once per backend; see `common.rs`.

use crate::domain::person::{AccessRequirements, Identifier, IdentifierKind};
use crate::store::records::{NewPerson, PersonRecord};

async fn load_identifiers(pool: &Pool<Db>, person_id: i64) -> StoreResult<Vec<Identifier>> {
    let rows = sqlx::query(
        "SELECT kind, value, normalized FROM service_user_identifiers WHERE service_user_id = $1 ORDER BY id",
    )
    .bind(person_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(Identifier::from_stored(
                kind.parse::<IdentifierKind>().map_err(corrupt)?,
                row.try_get::<String, _>("value")?,
                row.try_get::<String, _>("normalized")?,
            ))
        })
        .collect()
}

pub(super) async fn load_person(pool: &Pool<Db>, id: i64) -> StoreResult<Option<PersonRecord>> {
    let row = sqlx::query(
        "SELECT id, display_name, preferred_format, language, communication_needs \
         FROM service_users WHERE id = $1 AND erased_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let format: String = row.try_get("preferred_format")?;
    let language: String = row.try_get("language")?;
    Ok(Some(PersonRecord {
        id,
        name: row.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
        identifiers: load_identifiers(pool, id).await?,
        access: AccessRequirements {
            format: format.parse().map_err(corrupt)?,
            language: language.parse().map_err(corrupt)?,
            communication_needs: row.try_get("communication_needs")?,
        },
    }))
}

/// `%text%` for LIKE, with LIKE's own wildcards escaped.
fn contains_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[async_trait]
impl PeopleStore for ThisStore {
    async fn create_person(&self, person: &NewPerson, actor: &Actor, now: DateTime<Utc>) -> StoreResult<i64> {
        let mut tx = self.begin_tx().await?;
        let id = insert_person(&mut tx, person, actor, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn person(&self, id: i64) -> StoreResult<Option<PersonRecord>> {
        load_person(&self.pool, id).await
    }

    async fn find_people(&self, name_query: &str, identifiers: &[(IdentifierKind, String)], limit: i64) -> StoreResult<Vec<PersonRecord>> {
        let mut ids: Vec<i64> = Vec::new();
        for (kind, normalized) in identifiers {
            let found: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT i.service_user_id FROM service_user_identifiers i \
                 JOIN service_users p ON p.id = i.service_user_id \
                 WHERE i.kind = $1 AND i.normalized = $2 AND p.erased_at IS NULL ORDER BY i.service_user_id LIMIT $3",
            )
            .bind(kind.as_str())
            .bind(normalized)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            ids.extend(found.into_iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
        }
        let name_query = name_query.trim();
        if !name_query.is_empty() {
            let found: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM service_users WHERE erased_at IS NULL \
                 AND name_folded LIKE $1 ESCAPE '\\' ORDER BY name_folded, id LIMIT $2",
            )
            .bind(contains_pattern(name_query))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            ids.extend(found.into_iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
        }
        ids.truncate(usize::try_from(limit).unwrap_or(0));
        let mut people = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(person) = load_person(&self.pool, id).await? {
                people.push(person);
            }
        }
        Ok(people)
    }

    async fn count_people(&self, name_query: &str, identifiers: &[(IdentifierKind, String)]) -> StoreResult<i64> {
        // The same matches as find_people, as a set of ids: a person found both by an
        // identifier and by name counts once.
        let mut ids: std::collections::BTreeSet<i64> = std::collections::BTreeSet::new();
        for (kind, normalized) in identifiers {
            let found: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT i.service_user_id FROM service_user_identifiers i \
                 JOIN service_users p ON p.id = i.service_user_id \
                 WHERE i.kind = $1 AND i.normalized = $2 AND p.erased_at IS NULL",
            )
            .bind(kind.as_str())
            .bind(normalized)
            .fetch_all(&self.pool)
            .await?;
            ids.extend(found);
        }
        let name_query = name_query.trim();
        if !name_query.is_empty() {
            let found: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM service_users WHERE erased_at IS NULL AND name_folded LIKE $1 ESCAPE '\\'",
            )
            .bind(contains_pattern(name_query))
            .fetch_all(&self.pool)
            .await?;
            ids.extend(found);
        }
        Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
    }
}
