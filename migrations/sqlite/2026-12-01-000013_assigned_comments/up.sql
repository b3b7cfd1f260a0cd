-- Who a submitted comment is assigned to, kept with every copy of it (assigning writes the
-- comment's copies; a new copy takes the comment's assignee), so that a drafter's own queue
-- reads one range of an index instead of looking every comment up in the triage.
ALTER TABLE submitted_comments ADD COLUMN assignee_token_id TEXT;
UPDATE submitted_comments
SET assignee_token_id = (
    SELECT t.assignee_token_id FROM triage t WHERE t.comment_id = submitted_comments.comment_id
)
WHERE comment_id IN (SELECT comment_id FROM triage WHERE assignee_token_id IS NOT NULL);
CREATE INDEX submitted_comments_queue_assignee
    ON submitted_comments (round_id, assignee_token_id, standing, clause_ordinal, comment_id);
