-- What stands on each clause from each agency, counted: rewritten for one agency whenever its
-- standing comments change, so that a round's clause heat reads as many rows as its clauses
-- have commenting agencies, not its comments. The least and greatest wording proposed tell
-- whether more than one wording is proposed without keeping every wording twice.
CREATE TABLE clause_tallies (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    clause_key TEXT NOT NULL,
    comments BIGINT NOT NULL,
    proposals BIGINT NOT NULL,
    least_wording TEXT,
    greatest_wording TEXT,
    PRIMARY KEY (round_id, agency_id, clause_key)
);
INSERT INTO clause_tallies
    (round_id, agency_id, clause_key, comments, proposals, least_wording, greatest_wording)
SELECT round_id, agency_id, clause_key, COUNT(*), COUNT(proposed_text), MIN(proposed_text),
       MAX(proposed_text)
FROM submitted_comments
WHERE standing = TRUE AND clause_key IS NOT NULL
GROUP BY round_id, agency_id, clause_key;
