DROP INDEX submitted_comments_queue_decided;
ALTER TABLE submitted_comments DROP COLUMN decided;
