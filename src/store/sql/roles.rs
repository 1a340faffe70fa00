// Compiled once per backend: `include!`d by `sqlite.rs` and `postgres.rs` inside a module
// that has `use super::*`, which brings in `Db`, `ThisStore`, `SKIP_LOCKED` and the
// shared helpers of `common.rs`. Placeholders are `$1`, `$2`, … which both SQLite and
// PostgreSQL accept, so one statement serves both.

#[async_trait]
impl RoleStore for ThisStore {
    async fn add_function(&self, name: &FunctionName, actor: &Actor, now: DateTime<Utc>) -> StoreResult<i64> {
        let mut tx = self.begin_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO functions (name, created_at, created_by) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name.as_str())
        .bind(now)
        .bind(actor.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("a function named \"{name}\" (names are unique whatever their case)")))?;
        let entry = AuditEntry::new(actor, "function_created", "function", id)
            .in_function(id)
            .after(serde_json::json!({ "id": id }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn list_functions(&self) -> StoreResult<Vec<FunctionSummary>> {
        let functions = sqlx::query("SELECT id, name FROM functions ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let roles = sqlx::query(
            "SELECT function_id, slack_user_id, role FROM function_roles ORDER BY slack_user_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(functions.len());
        for row in &functions {
            out.push(FunctionSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                head: None,
                deputies: Vec::new(),
                managers: Vec::new(),
                members: Vec::new(),
            });
        }
        for row in &roles {
            let function_id: i64 = row.try_get("function_id")?;
            let user = UserId::from_slack(row.try_get::<String, _>("slack_user_id")?);
            let role = parse_role(&row.try_get::<String, _>("role")?)?;
            if let Some(f) = out.iter_mut().find(|f| f.id == function_id) {
                match role {
                    Role::Head => f.head = Some(user),
                    Role::Deputy => f.deputies.push(user),
                    Role::Manager => f.managers.push(user),
                    Role::Member => f.members.push(user),
                }
            }
        }
        Ok(out)
    }

    async fn function_by_name(&self, name: &FunctionName) -> StoreResult<Option<FunctionSummary>> {
        Ok(self.list_functions().await?.into_iter().find(|f| f.name.to_lowercase() == name.as_str().to_lowercase()))
    }

    async fn grant_role(&self, function: &FunctionName, user: &UserId, role: Role, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let function_id = function_id_in(&mut tx, function).await?;
        if role == Role::Head {
            // A function has one head: the previous one, if any, steps down in the same
            // transaction, and both changes are recorded.
            let previous: Option<String> = sqlx::query_scalar(
                "SELECT slack_user_id FROM function_roles WHERE function_id = $1 AND role = 'head'",
            )
            .bind(function_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(previous) = previous {
                if previous == user.as_str() {
                    return Err(StoreError::Conflict { what: format!("{user} as head of {function}") });
                }
                sqlx::query("DELETE FROM function_roles WHERE function_id = $1 AND role = 'head'")
                    .bind(function_id)
                    .execute(&mut *tx)
                    .await?;
                let previous = UserId::from_slack(previous);
                let entry = AuditEntry::new(actor, "role_revoked", "function_role", role_subject(function_id, &previous))
                    .in_function(function_id)
                    .before(serde_json::json!({ "user": previous, "role": "head" }));
                insert_audit(&mut tx, &entry, now).await?;
            }
        }
        sqlx::query(
            "INSERT INTO function_roles (function_id, slack_user_id, role, granted_at, granted_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(function_id)
        .bind(user.as_str())
        .bind(role.as_str())
        .bind(now)
        .bind(actor.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("{user} as {role} of {function}")))?;
        let entry = AuditEntry::new(actor, "role_granted", "function_role", role_subject(function_id, user))
            .in_function(function_id)
            .after(serde_json::json!({ "user": user, "role": role }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_role(&self, function: &FunctionName, user: &UserId, role: Role, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let function_id = function_id_in(&mut tx, function).await?;
        let removed = sqlx::query(
            "DELETE FROM function_roles WHERE function_id = $1 AND slack_user_id = $2 AND role = $3",
        )
        .bind(function_id)
        .bind(user.as_str())
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found(format!("{user} as {role} of {function}")));
        }
        let entry = AuditEntry::new(actor, "role_revoked", "function_role", role_subject(function_id, user))
            .in_function(function_id)
            .before(serde_json::json!({ "user": user, "role": role }));
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn roles_of(&self, user: &UserId) -> StoreResult<Vec<RoleHolding>> {
        let rows = sqlx::query(
            "SELECT r.function_id, f.name, r.role FROM function_roles r \
             JOIN functions f ON f.id = r.function_id \
             WHERE r.slack_user_id = $1 ORDER BY f.name, r.role",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoleHolding {
                    function_id: row.try_get("function_id")?,
                    function_name: row.try_get("name")?,
                    role: parse_role(&row.try_get::<String, _>("role")?)?,
                })
            })
            .collect()
    }

    async fn add_admin(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        sqlx::query("INSERT INTO admins (slack_user_id, granted_at, granted_by) VALUES ($1, $2, $3)")
            .bind(user.as_str())
            .bind(now)
            .bind(actor.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, format!("admin {user}")))?;
        let entry = AuditEntry::new(actor, "admin_added", "admin", user);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_admin(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let removed = sqlx::query("DELETE FROM admins WHERE slack_user_id = $1")
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found(format!("admin {user}")));
        }
        let entry = AuditEntry::new(actor, "admin_removed", "admin", user);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_admins(&self) -> StoreResult<Vec<UserId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT slack_user_id FROM admins ORDER BY slack_user_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(UserId::from_slack).collect())
    }

    async fn is_admin(&self, user: &UserId) -> StoreResult<bool> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM admins WHERE slack_user_id = $1")
            .bind(user.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn add_complaints_handler(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        sqlx::query("INSERT INTO complaints_handlers (slack_user_id, granted_at, granted_by) VALUES ($1, $2, $3)")
            .bind(user.as_str())
            .bind(now)
            .bind(actor.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, format!("complaints handler {user}")))?;
        let entry = AuditEntry::new(actor, "complaints_handler_added", "complaints_handler", user);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_complaints_handler(&self, user: &UserId, actor: &Actor, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin_tx().await?;
        let removed = sqlx::query("DELETE FROM complaints_handlers WHERE slack_user_id = $1")
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found(format!("complaints handler {user}")));
        }
        let entry = AuditEntry::new(actor, "complaints_handler_removed", "complaints_handler", user);
        insert_audit(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_complaints_handlers(&self) -> StoreResult<Vec<UserId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT slack_user_id FROM complaints_handlers ORDER BY slack_user_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(UserId::from_slack).collect())
    }
}
