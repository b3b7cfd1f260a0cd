ALTER TABLE submitted_comments DROP COLUMN search_text;
