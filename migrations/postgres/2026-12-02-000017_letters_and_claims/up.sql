-- The office's reference for a round's letters (文号, such as 杭发改函〔2026〕88号), and whether
-- each letter is numbered under it (…88-3号).
ALTER TABLE rounds ADD COLUMN letter_reference TEXT;
ALTER TABLE rounds ADD COLUMN number_letters BOOLEAN NOT NULL DEFAULT FALSE;
-- A request's number under the round's reference, given when its letter first goes out.
ALTER TABLE requests ADD COLUMN letter_number INTEGER;
CREATE UNIQUE INDEX requests_letter_number ON requests (round_id, letter_number);

-- One-time codes an agency's liaison exchanges for the agency's token. Only the hash is kept;
-- the code itself travels in the letter's outbox row until it is delivered.
CREATE TABLE claim_codes (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    code_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    -- NULL: the request's effective deadline plus the configured grace.
    expires_at TIMESTAMP,
    used_at TIMESTAMP,
    token_id TEXT REFERENCES api_tokens (id),
    -- A newer code for the same request was issued.
    replaced_at TIMESTAMP
);
CREATE INDEX claim_codes_request ON claim_codes (request_id);

-- The claim code an email carries until it is delivered (or the code is used or replaced);
-- the stored bodies hold only a marker where it goes.
ALTER TABLE outbox_messages ADD COLUMN secret TEXT;
