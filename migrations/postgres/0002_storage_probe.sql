-- One row that the readiness probe (/readyz) of every replica rewrites: a
-- write that must commit for the replica to say ready.
CREATE TABLE IF NOT EXISTS storage_probe (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    checked_at  BIGINT NOT NULL
);
