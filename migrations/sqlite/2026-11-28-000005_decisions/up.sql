-- Comments that say the same thing (同类意见合并), decided once.
CREATE TABLE comment_groups (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    title TEXT NOT NULL,
    revision INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_groups_round ON comment_groups (round_id);

-- The office's handling of a submitted comment: who works on it, and the group it is in.
CREATE TABLE triage (
    comment_id TEXT PRIMARY KEY REFERENCES comments (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    assignee_token_id TEXT REFERENCES api_tokens (id),
    group_id TEXT REFERENCES comment_groups (id),
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX triage_round ON triage (round_id);
CREATE INDEX triage_group ON triage (group_id);

-- Drafters' internal notes on a comment; agencies never see them.
CREATE TABLE comment_notes (
    id TEXT PRIMARY KEY,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_notes_comment ON comment_notes (comment_id);

-- Every revision of the decision on a comment or a group; the highest revision stands.
CREATE TABLE decisions (
    subject_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('comment', 'group')),
    outcome TEXT NOT NULL CHECK (outcome IN ('adopted', 'partially_adopted', 'not_adopted', 'noted')),
    reason TEXT,
    -- JSON array of the keys of the clauses of the next version that carry the decision.
    clause_keys TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_by_token TEXT,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_id, revision)
);
CREATE INDEX decisions_round ON decisions (round_id, subject_id, revision);

-- Whether invited agencies read the whole adoption table once it is published.
ALTER TABLE rounds ADD COLUMN share_report BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE rounds ADD COLUMN decisions_published_at TIMESTAMP;
ALTER TABLE rounds ADD COLUMN decisions_published_by TEXT;
-- Why the decisions were published although the consistency check found problems.
ALTER TABLE rounds ADD COLUMN check_override TEXT;
-- The round whose changes this one consults on again.
-- (No REFERENCES: SQLite cannot drop a column that has one.)
ALTER TABLE rounds ADD COLUMN follows_round_id TEXT;
