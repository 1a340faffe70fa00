-- Correcting a person's details from Slack (issue 10 item 4, R-REC-1): a count of the
-- changes to their name and access requirements, so that a form opened before someone
-- else saved theirs is refused rather than silently putting the old values back. The
-- form carries the count it was opened at; a save succeeds only while it is unchanged.
ALTER TABLE service_users ADD COLUMN details_version BIGINT NOT NULL DEFAULT 0;
