DROP INDEX submitted_comments_queue_assignee;
ALTER TABLE submitted_comments DROP COLUMN assignee_token_id;
