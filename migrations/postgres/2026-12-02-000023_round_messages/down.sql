DROP INDEX outbox_messages_round;
