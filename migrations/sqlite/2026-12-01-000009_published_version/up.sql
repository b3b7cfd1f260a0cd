-- The version the published decisions were checked against (none when there was no next
-- version): the published table keeps showing it whatever version is started later.
ALTER TABLE rounds ADD COLUMN decisions_version_id TEXT REFERENCES versions (id);
