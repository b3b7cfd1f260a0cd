DROP TABLE clauses;
DROP TABLE versions;
DROP TABLE documents;
