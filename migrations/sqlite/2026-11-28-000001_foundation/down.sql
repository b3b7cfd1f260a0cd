DROP TABLE idempotency_keys;
DROP TABLE outbox_messages;
DROP TABLE audit_events;
DROP TABLE api_tokens;
DROP TABLE agencies;
