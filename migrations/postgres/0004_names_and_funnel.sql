-- The lead's name beside its e-mail, for listings and search (kept in step
-- with the mapped member by intake and remap; backfilled from it here).
ALTER TABLE leads ADD COLUMN IF NOT EXISTS name TEXT NOT NULL DEFAULT '';
UPDATE leads SET name = trim(
    coalesce(member::jsonb ->> 'firstName', '') || ' ' ||
    coalesce(member::jsonb ->> 'lastName', ''))
WHERE jsonb_typeof(member::jsonb) = 'object';

-- Per form and UTC day, how many times each funnel step happened (views,
-- starts, submissions, delivered, spam, held): counts only, no personal data.
CREATE TABLE IF NOT EXISTS form_funnel (
    form   TEXT NOT NULL,
    day    TEXT NOT NULL,
    step   TEXT NOT NULL,
    count  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (form, day, step)
);
