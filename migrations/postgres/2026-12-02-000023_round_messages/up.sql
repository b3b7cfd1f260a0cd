-- A round's letters, reminders and overdue notices, counted for its ledger by agency without
-- reading the rest of the outbox.
CREATE INDEX outbox_messages_round ON outbox_messages (round_id, kind, agency_id, state);
