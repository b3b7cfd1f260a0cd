DROP INDEX submitted_comments_queue_agency;
DROP INDEX submitted_comments_queue;
ALTER TABLE submitted_comments DROP COLUMN late;
ALTER TABLE submitted_comments DROP COLUMN standing;
