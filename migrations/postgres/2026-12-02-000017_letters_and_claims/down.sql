ALTER TABLE outbox_messages DROP COLUMN secret;
DROP TABLE claim_codes;
DROP INDEX requests_letter_number;
ALTER TABLE requests DROP COLUMN letter_number;
ALTER TABLE rounds DROP COLUMN number_letters;
ALTER TABLE rounds DROP COLUMN letter_reference;
