-- The queue's text search through a trigram index: the folded search text of every submitted
-- copy, kept by triggers, so that a term few comments contain is found by looking it up
-- instead of by reading the round in clause order. Terms under three characters have no
-- trigram and are still matched by reading in order.
CREATE VIRTUAL TABLE submitted_search USING fts5(
    search_text,
    content = 'submitted_comments',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);
CREATE TRIGGER submitted_search_insert AFTER INSERT ON submitted_comments BEGIN
    INSERT INTO submitted_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER submitted_search_delete AFTER DELETE ON submitted_comments BEGIN
    INSERT INTO submitted_search (submitted_search, rowid, search_text)
    VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER submitted_search_update AFTER UPDATE OF search_text ON submitted_comments BEGIN
    INSERT INTO submitted_search (submitted_search, rowid, search_text)
    VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO submitted_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
INSERT INTO submitted_search (submitted_search) VALUES ('rebuild');
