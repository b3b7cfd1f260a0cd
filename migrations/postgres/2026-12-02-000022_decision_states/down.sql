ALTER TABLE clause_tallies DROP COLUMN decided;
DROP INDEX submitted_comments_queue_decision;
ALTER TABLE submitted_comments DROP COLUMN decision_state;
