#!/usr/bin/env bash
# Hours 7-8, solved: the stack of hours 5-6 with its storage and exposure decided on purpose.
# case-api reaches reg-case-postgres by name on the user-defined network reg-case-net; only
# case-api publishes a port (8080); PostgreSQL keeps its data in the named volume
# reg-case-pgdata; a backup (pg_dump -Fc) is written to the workspace as backups/case.dump.
# Mistakes are scripts in mistakes/ (exercise.yaml).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/mistakes.sh"

bash "$here/../h05-06/solve.sh"
# Hours 5-6 ran PostgreSQL with the image's anonymous volume: move it to a named one (and
# re-create it too when a port of it is published).
if [[ "$(pg_data_volume)" != reg-case-pgdata || -n "$(docker port reg-case-postgres)" ]]; then
  docker volume create reg-case-pgdata >/dev/null
  run_postgres
  docker run --rm --network "$net" -e DATABASE_URL="$db_url" "$image" migrate >/dev/null
  docker restart case-api >/dev/null
fi
# A case to back up (the restore check counts the rows of cases).
docker exec reg-case-postgres psql -q -U case -d case -c \
  "insert into cases (id, title, description, reporter) select gen_random_uuid(), 'Backup drill', 'The restore must bring this back', 'drydock' where not exists (select 1 from cases)"
mkdir -p /workspace/backups
docker exec reg-case-postgres pg_dump -U case -d case -Fc > /workspace/backups/case.dump
echo "backups/case.dump: $(stat -c %s /workspace/backups/case.dump) bytes"
