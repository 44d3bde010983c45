-- Cases: one row per case, in its current lifecycle state.
-- `seq` orders cases for keyset paging (see src/paging.ts); `id` is what clients use.
CREATE TABLE cases (
  id          uuid PRIMARY KEY,
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  title       text NOT NULL,
  description text NOT NULL,
  reporter    text NOT NULL,
  status      text NOT NULL DEFAULT 'open'
              CHECK (status IN ('open', 'investigating', 'enforcement', 'closed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
