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
    next_attempt_at  BIGINT NOT NULL,
    claimed_by       TEXT,
    lease_until      BIGINT,
    last_error       TEXT,
    member_id        TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS leads_idempotency ON leads (form, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS leads_due ON leads (state, next_attempt_at);
-- Claims also take leads whose replica died mid-batch: their lease has expired.
CREATE INDEX IF NOT EXISTS leads_leases ON leads (lease_until) WHERE state = 'delivering';
CREATE INDEX IF NOT EXISTS leads_dedupe ON leads (dedupe_hash, created_at);
CREATE INDEX IF NOT EXISTS leads_email ON leads (email);
CREATE INDEX IF NOT EXISTS leads_created ON leads (created_at);

CREATE TABLE IF NOT EXISTS attempts (
    id           BIGSERIAL PRIMARY KEY,
    lead_id      TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    at           BIGINT NOT NULL,
    status       INTEGER,
    excerpt      TEXT NOT NULL,
    duration_ms  BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS attempts_lead ON attempts (lead_id, id);
