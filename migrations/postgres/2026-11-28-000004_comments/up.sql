-- An agency's comments while it drafts its reply: its own working copy until it submits.
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL CHECK (kind IN ('amend', 'delete', 'add', 'general')),
    -- NULL for general comments on the whole document.
    clause_key TEXT,
    -- W3C Web Annotation style quote; offsets in code points of the clause's NFC text.
    quote_exact TEXT,
    quote_prefix TEXT,
    quote_suffix TEXT,
    quote_start INTEGER,
    quote_end INTEGER,
    body TEXT NOT NULL,
    proposed_text TEXT,
    rationale TEXT,
    -- The drafter who entered it for the agency, when it came on paper, by email or fax.
    entered_by TEXT,
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX comments_request ON comments (request_id);

-- The comments as they stood when a reply revision was submitted: what drafters work from.
CREATE TABLE submitted_comments (
    reply_id TEXT NOT NULL REFERENCES replies (id),
    comment_id TEXT NOT NULL REFERENCES comments (id),
    request_id TEXT NOT NULL REFERENCES requests (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL,
    clause_key TEXT,
    -- The clause's place in the version's document order (-1 for general comments), for sorting.
    clause_ordinal INTEGER NOT NULL,
    quote_exact TEXT,
    quote_prefix TEXT,
    quote_suffix TEXT,
    quote_start INTEGER,
    quote_end INTEGER,
    body TEXT NOT NULL,
    proposed_text TEXT,
    rationale TEXT,
    entered_by TEXT,
    submitted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (reply_id, comment_id)
);
CREATE INDEX submitted_comments_round ON submitted_comments (round_id, clause_ordinal, comment_id);
