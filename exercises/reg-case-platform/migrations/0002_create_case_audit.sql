-- The audit trail the worker writes from case events.
-- event_id is the primary key: a redelivered event cannot be recorded twice.
-- No foreign key to cases on purpose: the audit trail must outlive any case clean-up.
CREATE TABLE case_audit (
  event_id    uuid PRIMARY KEY,
  case_id     uuid NOT NULL,
  event_type  text NOT NULL,
  from_status text,
  to_status   text NOT NULL,
  actor       text NOT NULL,
  reason      text,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  stream_id   text NOT NULL
);

CREATE INDEX case_audit_case_idx ON case_audit (case_id, occurred_at);
