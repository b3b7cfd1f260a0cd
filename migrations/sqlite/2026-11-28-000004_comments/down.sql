DROP TABLE submitted_comments;
DROP TABLE comments;
