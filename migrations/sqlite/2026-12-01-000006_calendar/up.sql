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

-- Rounds opened before now counted working days on the notices of 2024-2026 and only skipped
-- weekends after them: a deadline from 2027 on (Beijing time) was counted provisionally, and
-- an admin may count it again. Extensions kept no count of working days, so they stay unflagged.
UPDATE rounds
SET deadline_calendar = CASE
    WHEN deadline >= '2026-12-31 16:00:00' THEN 'provisional'
    ELSE 'official'
END
WHERE working_days IS NOT NULL AND opened_at IS NOT NULL AND deadline IS NOT NULL;
