-- The organisations a drafting office consults: municipal departments, districts and counties.
CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    -- Byte order, as on SQLite, so that listings and cursors agree on both engines.
    code TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('department', 'district', 'other')),
    -- JSON array of contact addresses, at least one.
    emails TEXT NOT NULL,
    locale TEXT NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    active BOOLEAN NOT NULL,
    illustrative BOOLEAN NOT NULL,
    -- Incremented on every change; the ETag of the agency.
    revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'drafter', 'agency')),
    agency_id TEXT REFERENCES agencies (id),
    email TEXT,
    -- SHA-256 of the secret; the secret itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((role = 'agency') = (agency_id IS NOT NULL)),
    CHECK (role <> 'agency' OR email IS NULL)
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    -- NULL when the change came from the command line.
    actor_token_id TEXT REFERENCES api_tokens (id),
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);
CREATE INDEX audit_events_order ON audit_events (occurred_at, id);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

-- Every email is written here in the transaction of the change that causes it; a worker delivers.
CREATE TABLE outbox_messages (
    id TEXT PRIMARY KEY,
    -- What makes two messages the same message: a clash means it is already queued.
    dedupe_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    agency_id TEXT REFERENCES agencies (id),
    round_id TEXT,
    -- JSON array of addresses.
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    -- Stable across retries so that a resend is recognisable to the receiver.
    message_id TEXT NOT NULL UNIQUE,
    -- skipped: a reminder overtaken by a later one before it went out.
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_messages_due ON outbox_messages (state, next_attempt_at);

-- First responses to POST requests that carried an Idempotency-Key, per token.
CREATE TABLE idempotency_keys (
    token_id TEXT NOT NULL REFERENCES api_tokens (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Set while the first request runs; cleared when its response is stored.
    locked_at TIMESTAMP,
    response_status INTEGER,
    -- JSON object of the response headers worth replaying (content type, location, etag).
    response_headers TEXT,
    response_body BYTEA,
    PRIMARY KEY (token_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
