-- A receipt read back lists the files its reply was sent with; the filed ledger counts each
-- round's submissions from their receipts. Both are read by what they belong to.
CREATE INDEX attachments_reply ON attachments (reply_id);
CREATE INDEX receipts_round ON receipts (round_id, kind);
-- Whether an agency holds a working token, asked of every letter that goes out.
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);
-- The few messages that still carry a claim code, found without reading the whole outbox when
-- a code is used or replaced.
CREATE INDEX outbox_messages_secret ON outbox_messages (dedupe_key) WHERE secret IS NOT NULL;
