-- Whether a submitted comment stands (its reply is its request's current revision, with
-- comments, and the request is not cancelled), and whether its reply came late: written when a
-- reply is submitted, withdrawn or superseded and when a request is cancelled, so that the queue
-- reads one indexed range instead of working out every reply of the round on each page.
ALTER TABLE submitted_comments ADD COLUMN standing BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE submitted_comments ADD COLUMN late BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE submitted_comments
SET late = (SELECT r.late FROM replies r WHERE r.id = submitted_comments.reply_id);
UPDATE submitted_comments
SET standing = TRUE
WHERE reply_id IN (
    SELECT r.id
    FROM replies r
    JOIN requests q ON q.id = r.request_id
    WHERE q.cancelled_at IS NULL
      AND r.kind = 'comments'
      AND r.withdrawn_at IS NULL
      AND r.revision = (SELECT MAX(n.revision) FROM replies n WHERE n.request_id = r.request_id)
);
-- The queue in clause order, whole or one agency's; a chapter is a range of clause ordinals.
CREATE INDEX submitted_comments_queue
    ON submitted_comments (round_id, standing, clause_ordinal, comment_id);
CREATE INDEX submitted_comments_queue_agency
    ON submitted_comments (round_id, agency_id, standing, clause_ordinal, comment_id);
