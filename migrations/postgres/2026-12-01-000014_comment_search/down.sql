DROP INDEX submitted_comments_search;
