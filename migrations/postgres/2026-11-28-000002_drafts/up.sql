-- A draft policy document, and its numbered versions.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE versions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id),
    number INTEGER NOT NULL,
    -- Such as 征求意见稿 or 送审稿.
    label TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    -- Incremented on every change to a draft; the ETag of the version.
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    published_by TEXT,
    -- Why it was published with unfilled figures left, when it was.
    placeholder_override TEXT,
    UNIQUE (document_id, number)
);

-- The clauses of a version in document order; `key` is the clause's identity across versions.
CREATE TABLE clauses (
    version_id TEXT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    parent_key TEXT,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('chapter', 'section', 'measure', 'paragraph')),
    number TEXT NOT NULL,
    heading TEXT,
    text TEXT NOT NULL,
    -- The drafter's note on why the clause changed (修改说明).
    note TEXT,
    PRIMARY KEY (version_id, key)
);
CREATE INDEX clauses_order ON clauses (version_id, ordinal);
