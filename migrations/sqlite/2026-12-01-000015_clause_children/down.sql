DROP INDEX clauses_children;
