DROP TABLE attachments;
DROP TABLE replies;
DROP TABLE requests;
DROP TABLE rounds;
