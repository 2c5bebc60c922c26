CREATE TABLE IF NOT EXISTS leads (
    id               TEXT PRIMARY KEY NOT NULL,
    form             TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    state            TEXT NOT NULL,
    email            TEXT NOT NULL,
    member           TEXT NOT NULL,
    submission       TEXT,
    idempotency_key  TEXT,
    dedupe_hash      TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_by       TEXT,
    lease_until      INTEGER,
    last_error       TEXT,
    member_id        TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS leads_idempotency ON leads (form, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS leads_due ON leads (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS leads_dedupe ON leads (dedupe_hash, created_at);
CREATE INDEX IF NOT EXISTS leads_email ON leads (email);
CREATE INDEX IF NOT EXISTS leads_created ON leads (created_at);

CREATE TABLE IF NOT EXISTS attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id      TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    status       INTEGER,
    excerpt      TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS attempts_lead ON attempts (lead_id, id);
