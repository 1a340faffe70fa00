-- Name search without reading every name (issue 12): `/contact check` searches names for
-- the text typed as a substring, which as `name_folded LIKE '%…%'` reads every row of the
-- register on every check, by name, phone or email alike. A trigram index answers the same
-- question (a substring of at least 3 characters, the shortest name search there is) from
-- the index. It holds the folded names of service_users (external content: no copy of the
-- text) and is kept in step by the triggers below, so erasure's clearing of name_folded
-- removes a name from it too. case_sensitive 1: name_folded and the query are both
-- lower-cased by the application already, so the match is exact on what LIKE compared.
CREATE VIRTUAL TABLE service_user_names USING fts5(
    name_folded, content = 'service_users', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO service_user_names (service_user_names) VALUES ('rebuild');
CREATE TRIGGER service_user_names_insert AFTER INSERT ON service_users BEGIN
    INSERT INTO service_user_names (rowid, name_folded) VALUES (new.id, new.name_folded);
END;
CREATE TRIGGER service_user_names_delete AFTER DELETE ON service_users BEGIN
    INSERT INTO service_user_names (service_user_names, rowid, name_folded) VALUES ('delete', old.id, old.name_folded);
END;
CREATE TRIGGER service_user_names_update AFTER UPDATE OF name_folded ON service_users BEGIN
    INSERT INTO service_user_names (service_user_names, rowid, name_folded) VALUES ('delete', old.id, old.name_folded);
    INSERT INTO service_user_names (rowid, name_folded) VALUES (new.id, new.name_folded);
END;
