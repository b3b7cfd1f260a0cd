-- A receipt (回执) for every reply, "no comments" and withdrawal: the number the agency quotes.
-- What it acknowledges (the comments by clause, the files and their checksums) is read from the
-- reply it names, which never changes.
CREATE TABLE receipts (
    number TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id),
    round_id TEXT NOT NULL REFERENCES rounds (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    reply_id TEXT NOT NULL REFERENCES replies (id),
    reply_revision INTEGER NOT NULL,
    -- submission, no_comments or withdrawal
    kind TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    comment_count INTEGER NOT NULL,
    file_count INTEGER NOT NULL
);
CREATE INDEX receipts_request ON receipts (request_id, issued_at);
