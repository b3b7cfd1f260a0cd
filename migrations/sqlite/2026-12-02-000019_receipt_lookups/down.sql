DROP INDEX outbox_messages_secret;
DROP INDEX api_tokens_agency;
DROP INDEX receipts_round;
DROP INDEX attachments_reply;
