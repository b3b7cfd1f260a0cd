-- Whether a submitted comment has a decision that is not stale, its own or its group's: kept
-- with every change to decisions and to groups' members, so that the queue's most used filter,
-- the comments still to decide, reads one range of an index.
ALTER TABLE submitted_comments ADD COLUMN decided BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE submitted_comments
SET decided = TRUE
WHERE EXISTS (
    SELECT 1 FROM decisions d
    WHERE d.subject_id = submitted_comments.comment_id AND d.stale = FALSE
) OR EXISTS (
    SELECT 1 FROM triage t JOIN decisions d ON d.subject_id = t.group_id
    WHERE t.comment_id = submitted_comments.comment_id AND d.stale = FALSE
);
CREATE INDEX submitted_comments_queue_decided
    ON submitted_comments (round_id, standing, decided, clause_ordinal, comment_id);
