-- SQLite rewrites a whole row, and writes whole pages, on every change of a
-- lead's state (stored, claimed, sent, retried). The mapped member and the
-- original submission are written once and never changed by delivery: they
-- move to a table of their own, so the rows delivery rewrites are about a
-- quarter of their size (and so are the pages each commit writes).
CREATE TABLE lead_bodies (
    id          TEXT PRIMARY KEY NOT NULL,
    member      TEXT NOT NULL,
    submission  TEXT
);

INSERT INTO lead_bodies (id, member, submission) SELECT id, member, submission FROM leads;
ALTER TABLE leads DROP COLUMN member;
ALTER TABLE leads DROP COLUMN submission;
