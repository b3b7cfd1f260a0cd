-- A comment's content (text, quote, clause, proposal) is numbered: a copy submitted with the
-- same content as the copy before keeps its number, a changed one takes the next.
ALTER TABLE submitted_comments ADD COLUMN content_revision INTEGER NOT NULL DEFAULT 1;

-- A decision answers the comments as they read when it was made: which content revision of
-- each (a JSON object, comment id to revision), and whether a comment has changed since.
ALTER TABLE decisions ADD COLUMN answered TEXT NOT NULL DEFAULT '{}';
ALTER TABLE decisions ADD COLUMN stale BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX decisions_round_standing ON decisions (round_id, stale, subject_id);
CREATE INDEX submitted_comments_comment ON submitted_comments (comment_id, submitted_at);
