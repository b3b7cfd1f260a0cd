ALTER TABLE rounds DROP COLUMN decisions_version_id;
