-- migrate:no-transaction
-- Serves `GET /cases?status=...` newest first. CONCURRENTLY builds the index without blocking
-- writes from the running release, and cannot run inside a transaction (hence the marker above).
-- IF NOT EXISTS makes a retry after an interrupted build safe.
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_status_seq_idx ON cases (status, seq DESC);
