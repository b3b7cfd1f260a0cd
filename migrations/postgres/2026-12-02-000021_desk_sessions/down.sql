DROP TABLE desk_sessions;
