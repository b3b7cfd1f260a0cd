-- What stands on each clause from each agency, counted: rewritten for one agency whenever its
-- standing comments change, so that a round's clause heat reads as many rows as its clauses
-- have commenting agencies, not its comments. Whether an agency proposes more than one wording
-- is a flag, and the one wording it proposes is kept as its digest, so that the heat tells
-- whether agencies propose different wordings without reading the wordings. The counts of
-- comments submitted before this are made once, after the migrations, by the program (the
-- digest is not SQL both engines have).
CREATE TABLE clause_tallies (
    round_id TEXT NOT NULL REFERENCES rounds (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    clause_key TEXT NOT NULL,
    comments BIGINT NOT NULL,
    proposals BIGINT NOT NULL,
    several_wordings BOOLEAN NOT NULL,
    wording_digest TEXT,
    PRIMARY KEY (round_id, agency_id, clause_key)
);
