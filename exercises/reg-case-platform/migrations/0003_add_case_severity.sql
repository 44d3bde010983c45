-- EXPAND: a new, nullable column. The previous release does not know it and keeps working
-- (its INSERTs leave it NULL); this release writes it and shows NULL for older cases.
-- Adding a nullable column without a volatile default only changes the catalog: no table rewrite.
-- A later release may backfill and add NOT NULL (the CONTRACT step) once no old release runs.
ALTER TABLE cases
  ADD COLUMN severity text CHECK (severity IN ('low', 'medium', 'high'));
