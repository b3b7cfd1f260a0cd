-- The queue's text search through a trigram index on the folded search text, which the
-- planner uses for `LIKE '%term%'` when few comments contain the term and leaves aside when
-- reading the round in clause order finds a page sooner. Terms under three characters have no
-- trigram and are matched by reading in order. pg_trgm ships with PostgreSQL and is trusted:
-- the database's owner may create it. It goes to `public`, where every schema finds it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX submitted_comments_search
    ON submitted_comments USING gin (search_text public.gin_trgm_ops);
