DROP TABLE clause_tallies;
