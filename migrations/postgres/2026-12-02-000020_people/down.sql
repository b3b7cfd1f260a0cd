DROP INDEX submitted_comments_queue_assignee;
ALTER TABLE submitted_comments ADD COLUMN assignee_token_id TEXT;
UPDATE submitted_comments
SET assignee_token_id = (
    SELECT MIN(t.id) FROM api_tokens t WHERE t.person_id = submitted_comments.assignee_person_id
)
WHERE assignee_person_id IS NOT NULL;
ALTER TABLE submitted_comments DROP COLUMN assignee_person_id;
CREATE INDEX submitted_comments_queue_assignee
    ON submitted_comments (round_id, assignee_token_id, standing, clause_ordinal, comment_id);

ALTER TABLE triage ADD COLUMN assignee_token_id TEXT REFERENCES api_tokens (id);
UPDATE triage
SET assignee_token_id = (SELECT MIN(t.id) FROM api_tokens t WHERE t.person_id = triage.assignee_person_id)
WHERE assignee_person_id IS NOT NULL;
ALTER TABLE triage DROP COLUMN assignee_person_id;

ALTER TABLE api_tokens ADD COLUMN email TEXT;
UPDATE api_tokens t SET email = (SELECT p.email FROM people p WHERE p.id = t.person_id);
ALTER TABLE api_tokens ADD CHECK (role <> 'agency' OR email IS NULL);
DROP INDEX api_tokens_person;
ALTER TABLE api_tokens DROP COLUMN person_id;

DROP TABLE people;
