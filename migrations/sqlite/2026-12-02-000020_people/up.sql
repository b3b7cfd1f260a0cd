-- SQLite changes a table's constraints only by building it again, and builds again a table
-- that others reference only with foreign keys off, which takes effect outside a transaction:
-- this migration runs outside the harness's transaction (metadata.toml) and makes its own.
PRAGMA foreign_keys = OFF;
BEGIN;

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

CREATE TABLE api_tokens_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'drafter', 'agency')),
    agency_id TEXT REFERENCES agencies (id),
    person_id TEXT REFERENCES people (id),
    -- SHA-256 of the secret; the secret itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((role = 'agency') = (agency_id IS NOT NULL)),
    CHECK ((role = 'agency') = (person_id IS NULL))
);
INSERT INTO api_tokens_new
    (id, name, role, agency_id, person_id, token_hash, created_at, expires_at, revoked_at)
SELECT t.id, t.name, t.role, t.agency_id,
    CASE WHEN t.agency_id IS NULL THEN COALESCE(
        (SELECT p.id FROM people p WHERE p.email = t.email AND p.role = t.role), t.id
    ) END,
    t.token_hash, t.created_at, t.expires_at, t.revoked_at
FROM api_tokens t;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

CREATE TABLE triage_new (
    comment_id TEXT PRIMARY KEY REFERENCES comments (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    assignee_person_id TEXT REFERENCES people (id),
    group_id TEXT REFERENCES comment_groups (id),
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO triage_new (comment_id, round_id, assignee_person_id, group_id, updated_at)
SELECT r.comment_id, r.round_id,
    (SELECT t.person_id FROM api_tokens t WHERE t.id = r.assignee_token_id),
    r.group_id, r.updated_at
FROM triage r;
DROP TABLE triage;
ALTER TABLE triage_new RENAME TO triage;
CREATE INDEX triage_round ON triage (round_id);
CREATE INDEX triage_group ON triage (group_id);

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

COMMIT;
PRAGMA foreign_keys = ON;
