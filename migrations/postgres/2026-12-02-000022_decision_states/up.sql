-- Where each submitted comment's decision stands (undecided, stale, or its outcome), kept
-- with `decided` by every change to decisions and to groups' members: the queue filters by it
-- through one range of an index, as it does by `decided`.
ALTER TABLE submitted_comments ADD COLUMN decision_state TEXT NOT NULL DEFAULT 'undecided';
-- The newest revision of the decision that applies: the group's when grouped, else its own.
UPDATE submitted_comments
SET decision_state = COALESCE((
    SELECT CASE WHEN d.stale THEN 'stale' ELSE d.outcome END
    FROM decisions d
    WHERE d.subject_id = COALESCE(
        (SELECT t.group_id FROM triage t WHERE t.comment_id = submitted_comments.comment_id),
        submitted_comments.comment_id
    )
    ORDER BY d.revision DESC
    LIMIT 1
), 'undecided');
CREATE INDEX submitted_comments_queue_decision
    ON submitted_comments (round_id, standing, decision_state, clause_ordinal, comment_id);

-- How many of the comments a tally counts are decided, so that the draft's tree shows what is
-- still to decide on each clause without reading the comments.
ALTER TABLE clause_tallies ADD COLUMN decided BIGINT NOT NULL DEFAULT 0;
UPDATE clause_tallies
SET decided = (
    SELECT COUNT(*) FROM submitted_comments s
    WHERE s.round_id = clause_tallies.round_id
      AND s.agency_id = clause_tallies.agency_id
      AND s.clause_key = clause_tallies.clause_key
      AND s.standing = TRUE
      AND s.decided = TRUE
);
