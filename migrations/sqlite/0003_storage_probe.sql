-- One row that the readiness probe (/readyz) rewrites: a write that must
-- commit, through the same writer as intake, for the service to say ready.
CREATE TABLE IF NOT EXISTS storage_probe (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    checked_at  INTEGER NOT NULL
);
