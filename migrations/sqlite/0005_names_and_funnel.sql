-- The lead's name beside its e-mail, for listings and search (kept in step
-- with the mapped member by intake and remap; backfilled from it here).
ALTER TABLE leads ADD COLUMN name TEXT NOT NULL DEFAULT '';
UPDATE leads SET name = trim(
    coalesce(json_extract(member, '$.firstName'), '') || ' ' ||
    coalesce(json_extract(member, '$.lastName'), ''))
WHERE CASE WHEN json_valid(member) THEN json_type(member) = 'object' ELSE 0 END;

-- Per form and UTC day, how many times each funnel step happened (views,
-- starts, submissions, delivered, spam, held): counts only, no personal data.
CREATE TABLE IF NOT EXISTS form_funnel (
    form   TEXT NOT NULL,
    day    TEXT NOT NULL,
    step   TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (form, day, step)
);
