-- Intake writes only append-ordered index pages: the dedupe window is kept in
-- memory (warmed from leads_created at start), and erasure by e-mail scans.
-- Random-key indexes cost a WAL page per lead per index on every commit.
DROP INDEX IF EXISTS leads_dedupe;
DROP INDEX IF EXISTS leads_email;
