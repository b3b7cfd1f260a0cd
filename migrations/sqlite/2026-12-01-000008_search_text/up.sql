-- What the queue's text search matches: body, proposed wording and rationale folded once in
-- the application (NFKC, then lower case by Unicode rules), so that both engines find the same
-- comments and ＧＤＰ, GDP and gdp find each other. Rows written before are folded when the
-- service next starts.
ALTER TABLE submitted_comments ADD COLUMN search_text TEXT;
