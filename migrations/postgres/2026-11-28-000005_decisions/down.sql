ALTER TABLE rounds DROP COLUMN follows_round_id;
ALTER TABLE rounds DROP COLUMN check_override;
ALTER TABLE rounds DROP COLUMN decisions_published_by;
ALTER TABLE rounds DROP COLUMN decisions_published_at;
ALTER TABLE rounds DROP COLUMN share_report;
DROP TABLE decisions;
DROP TABLE comment_notes;
DROP TABLE triage;
DROP TABLE comment_groups;
