DROP INDEX submitted_comments_comment;
DROP INDEX decisions_round_standing;
ALTER TABLE decisions DROP COLUMN stale;
ALTER TABLE decisions DROP COLUMN answered;
ALTER TABLE submitted_comments DROP COLUMN content_revision;
