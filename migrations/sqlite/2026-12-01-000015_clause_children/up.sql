-- A clause's children in document order, so that where a chapter (or a section) ends is found
-- by key: the first clause after it whose parent is one of its ancestors, or none.
CREATE INDEX clauses_children ON clauses (version_id, parent_key, ordinal);
