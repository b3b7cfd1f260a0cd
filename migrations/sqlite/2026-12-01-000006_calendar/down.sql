ALTER TABLE requests DROP COLUMN extended_at;
ALTER TABLE requests DROP COLUMN extension_working_days;
ALTER TABLE requests DROP COLUMN extension_calendar;
ALTER TABLE rounds DROP COLUMN deadline_calendar;
DROP TABLE calendar_years;
