PRAGMA foreign_keys = OFF;
BEGIN;

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

CREATE TABLE triage_old (
    comment_id TEXT PRIMARY KEY REFERENCES comments (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    assignee_token_id TEXT REFERENCES api_tokens (id),
    group_id TEXT REFERENCES comment_groups (id),
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO triage_old (comment_id, round_id, assignee_token_id, group_id, updated_at)
SELECT r.comment_id, r.round_id,
    (SELECT MIN(t.id) FROM api_tokens t WHERE t.person_id = r.assignee_person_id),
    r.group_id, r.updated_at
FROM triage r;
DROP TABLE triage;
ALTER TABLE triage_old RENAME TO triage;
CREATE INDEX triage_round ON triage (round_id);
CREATE INDEX triage_group ON triage (group_id);

CREATE TABLE api_tokens_old (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'drafter', 'agency')),
    agency_id TEXT REFERENCES agencies (id),
    email TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((role = 'agency') = (agency_id IS NOT NULL)),
    CHECK (role <> 'agency' OR email IS NULL)
);
INSERT INTO api_tokens_old
    (id, name, role, agency_id, email, token_hash, created_at, expires_at, revoked_at)
SELECT t.id, t.name, t.role, t.agency_id,
    (SELECT p.email FROM people p WHERE p.id = t.person_id),
    t.token_hash, t.created_at, t.expires_at, t.revoked_at
FROM api_tokens t;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);

DROP TABLE people;

COMMIT;
PRAGMA foreign_keys = ON;
