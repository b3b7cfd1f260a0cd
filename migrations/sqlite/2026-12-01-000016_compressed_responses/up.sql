-- How a stored response's body is kept: absent as sent, `deflate` compressed. A 500-comment
-- batch answers with a few hundred kilobytes of JSON that a retry must get back byte for byte;
-- compressed it takes about a tenth.
ALTER TABLE idempotency_keys ADD COLUMN response_encoding TEXT;
