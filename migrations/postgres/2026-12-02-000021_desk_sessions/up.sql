-- A drafter signed in to the desk: the browser holds the session's secret in a cookie and the
-- database only its hash, so that any instance behind a load balancer serves the session and a
-- copy of this table lets no one in. A session ends when it is signed out, when it expires, or
-- when the token it began with stops working.
CREATE TABLE desk_sessions (
    id_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id),
    token_id TEXT NOT NULL REFERENCES api_tokens (id),
    -- What every form of the session carries back.
    csrf TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX desk_sessions_person ON desk_sessions (person_id);
