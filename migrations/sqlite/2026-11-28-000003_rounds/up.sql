-- A consultation round on one published version of a document.
CREATE TABLE rounds (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id),
    version_id TEXT NOT NULL REFERENCES versions (id),
    title TEXT NOT NULL,
    instructions TEXT NOT NULL,
    -- IANA name; deadlines in working days end the office day there.
    time_zone TEXT NOT NULL,
    -- Set when given, or when the round opens with `working_days`.
    deadline TIMESTAMP,
    working_days INTEGER,
    -- JSON array of the clause keys open for comment; NULL for the whole version.
    scope TEXT,
    accept_late BOOLEAN NOT NULL,
    -- JSON array of hours before the deadline at which silent agencies are reminded.
    reminder_hours TEXT NOT NULL,
    silence_is_no_comments BOOLEAN NOT NULL,
    opened_at TIMESTAMP,
    -- Closed early by a drafter; cleared when reopened.
    closed_at TIMESTAMP,
    -- Why it was last closed early or reopened.
    state_reason TEXT,
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A comment request (征求意见函) to one agency.
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES rounds (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- When it went out: at the round's opening, or when the agency was added to an open round.
    issued_at TIMESTAMP,
    -- When the agency's token first read it or its round.
    viewed_at TIMESTAMP,
    extended_deadline TIMESTAMP,
    extension_reason TEXT,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT,
    last_activity_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, agency_id)
);
CREATE INDEX requests_agency ON requests (agency_id);

-- Each revision of an agency's reply; the newest that is not withdrawn is the one that stands.
CREATE TABLE replies (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id),
    revision INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('comments', 'no_comments')),
    signer TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    note TEXT,
    source TEXT NOT NULL CHECK (source IN ('api', 'paper', 'email', 'fax', 'other')),
    -- The drafter who entered a reply that came on paper, by email or fax.
    entered_by TEXT,
    submitted_at TIMESTAMP NOT NULL,
    late BOOLEAN NOT NULL,
    withdrawn_at TIMESTAMP,
    UNIQUE (request_id, revision)
);

-- Files sent with a reply: the stamped reply letter (PDF), a DOCX, or images. Uploaded first,
-- then tied to the reply revision they were submitted with.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id),
    reply_id TEXT REFERENCES replies (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_request ON attachments (request_id);
