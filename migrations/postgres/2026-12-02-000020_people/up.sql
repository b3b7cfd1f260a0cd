-- The office's staff are people, who may hold several tokens (a laptop, a script); a comment is
-- given to a person rather than to one of their tokens, and a person's address gets the digests.
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'drafter')),
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
CREATE INDEX people_email ON people (email);

-- The staff tokens made so far become their holders': the tokens that share an address and a
-- role are one person's, a token without an address is a person of its own; each person is
-- named and dated by their first token.
INSERT INTO people (id, name, email, role, revision, created_at, updated_at)
SELECT t.id, t.name, t.email, t.role, 1, t.created_at, t.created_at
FROM api_tokens t
WHERE t.agency_id IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM api_tokens o
    WHERE o.agency_id IS NULL AND o.email = t.email AND o.role = t.role
      AND (o.created_at < t.created_at OR (o.created_at = t.created_at AND o.id < t.id))
  );

ALTER TABLE api_tokens ADD COLUMN person_id TEXT REFERENCES people (id);
UPDATE api_tokens t
SET person_id = COALESCE(
    (SELECT p.id FROM people p WHERE p.email = t.email AND p.role = t.role), t.id
)
WHERE t.agency_id IS NULL;
-- Dropping the address drops the check that kept it off agency tokens.
ALTER TABLE api_tokens DROP COLUMN email;
ALTER TABLE api_tokens ADD CHECK ((role = 'agency') = (person_id IS NULL));
CREATE INDEX api_tokens_person ON api_tokens (person_id);

ALTER TABLE triage ADD COLUMN assignee_person_id TEXT REFERENCES people (id);
UPDATE triage
SET assignee_person_id = (SELECT t.person_id FROM api_tokens t WHERE t.id = triage.assignee_token_id)
WHERE assignee_token_id IS NOT NULL;
ALTER TABLE triage DROP COLUMN assignee_token_id;

DROP INDEX submitted_comments_queue_assignee;
ALTER TABLE submitted_comments ADD COLUMN assignee_person_id TEXT;
UPDATE submitted_comments
SET assignee_person_id = (
    SELECT t.person_id FROM api_tokens t WHERE t.id = submitted_comments.assignee_token_id
)
WHERE assignee_token_id IS NOT NULL;
ALTER TABLE submitted_comments DROP COLUMN assignee_token_id;
CREATE INDEX submitted_comments_queue_assignee
    ON submitted_comments (round_id, assignee_person_id, standing, clause_ordinal, comment_id);
