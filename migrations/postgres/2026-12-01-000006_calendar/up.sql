-- The working-day calendar: one State Council notice per year, loaded at run time. A year
-- without a row is provisional (its statutory holidays are computed).
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    -- JSON lists of ISO dates.
    holidays TEXT NOT NULL,
    working_weekends TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    loaded_by TEXT NOT NULL
);

-- What a deadline counted in working days was counted on: 'official' or 'provisional'; NULL
-- for a deadline given as a date.
ALTER TABLE rounds ADD COLUMN deadline_calendar TEXT;
ALTER TABLE requests ADD COLUMN extension_calendar TEXT;
-- An extension given in working days, and when it was granted, so that it can be counted
-- again once the year's notice is loaded.
ALTER TABLE requests ADD COLUMN extension_working_days INTEGER;
ALTER TABLE requests ADD COLUMN extended_at TIMESTAMP;
