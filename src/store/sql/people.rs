// Compiled once per backend; see `common.rs`.

use crate::domain::person::{AccessRequirements, Identifier, IdentifierKind};
use crate::store::records::{NewPerson, PersonRecord};

/// The people `ids` name who are not erased, each with their identifiers, in the order of
/// `ids`: one query, whatever their number.
pub(super) async fn load_people(pool: &Pool<Db>, ids: &[i64]) -> StoreResult<Vec<PersonRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = sqlx::QueryBuilder::<Db>::new(
        "SELECT p.id, p.display_name, p.preferred_format, p.language, p.communication_needs, \
         i.kind, i.value, i.normalized FROM service_users p \
         LEFT JOIN service_user_identifiers i ON i.service_user_id = p.id \
         WHERE p.erased_at IS NULL AND p.id IN (",
    );
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(") ORDER BY p.id, i.id");
    let rows = query.build().fetch_all(pool).await?;
    let mut people: Vec<PersonRecord> = Vec::new();
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        if people.last().is_none_or(|p| p.id != id) {
            let format: String = row.try_get("preferred_format")?;
            let language: String = row.try_get("language")?;
            people.push(PersonRecord {
                id,
                name: row.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
                identifiers: Vec::new(),
                access: AccessRequirements {
                    format: format.parse().map_err(corrupt)?,
                    language: language.parse().map_err(corrupt)?,
                    communication_needs: row.try_get("communication_needs")?,
                },
            });
        }
        if let Some(kind) = row.try_get::<Option<String>, _>("kind")? {
            let identifier = Identifier::from_stored(
                kind.parse::<IdentifierKind>().map_err(corrupt)?,
                row.try_get::<String, _>("value")?,
                row.try_get::<String, _>("normalized")?,
            );
            if let Some(person) = people.last_mut() {
                person.identifiers.push(identifier);
            }
        }
    }
    let mut ordered = Vec::with_capacity(people.len());
    for id in ids {
        if let Some(at) = people.iter().position(|p| p.id == *id) {
            ordered.push(people.swap_remove(at));
        }
    }
    Ok(ordered)
}

pub(super) async fn load_person(pool: &Pool<Db>, id: i64) -> StoreResult<Option<PersonRecord>> {
    Ok(load_people(pool, &[id]).await?.pop())
}

/// The people holding any of `identifiers` (not erased), in one query: those matching the
/// first reading first, then the second's, each by id; at most `limit` when given.
async fn identifier_matches(pool: &Pool<Db>, identifiers: &[(IdentifierKind, String)], limit: Option<i64>) -> StoreResult<Vec<i64>> {
    if identifiers.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = sqlx::QueryBuilder::<Db>::new("SELECT i.service_user_id, MIN(CASE");
    for (n, (kind, normalized)) in identifiers.iter().enumerate() {
        query.push(" WHEN i.kind = ").push_bind(kind.as_str());
        query.push(" AND i.normalized = ").push_bind(normalized.as_str());
        query.push(format!(" THEN {n}"));
    }
    query.push(
        " END) AS reading FROM service_user_identifiers i JOIN service_users p ON p.id = i.service_user_id \
         WHERE p.erased_at IS NULL AND (",
    );
    for (n, (kind, normalized)) in identifiers.iter().enumerate() {
        if n > 0 {
            query.push(" OR ");
        }
        query.push("(i.kind = ").push_bind(kind.as_str());
        query.push(" AND i.normalized = ").push_bind(normalized.as_str()).push(")");
    }
    query.push(") GROUP BY i.service_user_id ORDER BY reading, i.service_user_id");
    if let Some(limit) = limit {
        query.push(" LIMIT ").push_bind(limit);
    }
    let rows: Vec<(i64, i32)> = query.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

/// `%text%` for LIKE, with LIKE's own wildcards escaped.
fn contains_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The people (not erased) whose folded name contains `text`, by name, at most `limit`:
/// what `name_folded LIKE '%text%'` finds. On SQLite the trigram index narrows the rows
/// the LIKE reads to those holding the text's rarest trigrams (`store::name_index`); a
/// text shorter than a trigram, and PostgreSQL (whose pg_trgm index serves the LIKE
/// itself where installed), read them all.
async fn name_matches(store: &ThisStore, text: &str, limit: Option<i64>) -> StoreResult<Vec<i64>> {
    let limit = limit.unwrap_or(i64::MAX);
    let pattern = contains_pattern(text);
    let found = match store.trigram_query(&text.to_lowercase()) {
        Some(trigrams) => sqlx::query_scalar(
            "SELECT p.id FROM service_user_names n CROSS JOIN service_users p ON p.id = n.rowid \
             WHERE n.service_user_names MATCH $1 AND p.erased_at IS NULL AND p.name_folded LIKE $2 ESCAPE '\\' \
             ORDER BY p.name_folded, p.id LIMIT $3",
        )
        .bind(trigrams)
        .bind(pattern)
        .bind(limit),
        None => sqlx::query_scalar(
            "SELECT id FROM service_users WHERE erased_at IS NULL \
             AND name_folded LIKE $1 ESCAPE '\\' ORDER BY name_folded, id LIMIT $2",
        )
        .bind(pattern)
        .bind(limit),
    };
    Ok(found.fetch_all(&store.pool).await?)
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
        let mut ids = identifier_matches(&self.pool, identifiers, Some(limit)).await?;
        let name_query = name_query.trim();
        if !name_query.is_empty() {
            let found = name_matches(self, name_query, Some(limit)).await?;
            ids.extend(found.into_iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
        }
        ids.truncate(usize::try_from(limit).unwrap_or(0));
        load_people(&self.pool, &ids).await
    }

    async fn count_people(&self, name_query: &str, identifiers: &[(IdentifierKind, String)]) -> StoreResult<i64> {
        // The same matches as find_people, as a set of ids: a person found both by an
        // identifier and by name counts once.
        let mut ids: std::collections::BTreeSet<i64> = identifier_matches(&self.pool, identifiers, None).await?.into_iter().collect();
        let name_query = name_query.trim();
        if !name_query.is_empty() {
            ids.extend(name_matches(self, name_query, None).await?);
        }
        Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
    }
}
