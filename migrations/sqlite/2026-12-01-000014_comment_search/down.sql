DROP TRIGGER submitted_search_update;
DROP TRIGGER submitted_search_delete;
DROP TRIGGER submitted_search_insert;
DROP TABLE submitted_search;
