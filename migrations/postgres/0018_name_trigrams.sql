-- Name search without reading every name (issue 12): `/contact check` searches names for
-- the text typed as a substring (`name_folded LIKE '%…%'`), which reads every row of the
-- register on every check. A pg_trgm GIN index answers the same LIKE from the index. The
-- extension ships with PostgreSQL (contrib) and is trusted, so a database owner may create
-- it; where it cannot be created the search still works, reading every name as before.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX service_users_name_trigrams ON service_users USING gin (name_folded gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): name search reads every name', SQLERRM;
END
$$;
