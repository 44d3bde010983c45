#!/usr/bin/env bash
# Hours 5-6, solved: the image from hours 3-4 runs on laptop as `case-api` beside PostgreSQL and
# Redis, with a restart policy and its healthcheck. Mistakes are scripts in mistakes/ (exercise.yaml).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/mistakes.sh"
mistake=""
if [[ "${1:-}" == "--mistake" ]]; then mistake="${2:?--mistake needs a deliverable id}"; fi

bash "$here/../h03-04/solve.sh"
docker network inspect "$net" >/dev/null 2>&1 || docker network create "$net" >/dev/null
if ! docker container inspect reg-case-postgres >/dev/null 2>&1; then
  docker run -d --name reg-case-postgres --network "$net" --restart unless-stopped \
    -e POSTGRES_USER=case -e POSTGRES_PASSWORD=case-dev-pw -e POSTGRES_DB=case postgres:17 >/dev/null
fi
if ! docker container inspect reg-case-redis >/dev/null 2>&1; then
  docker run -d --name reg-case-redis --network "$net" --restart unless-stopped redis:8 redis-server --appendonly yes >/dev/null
fi
for _ in $(seq 1 60); do
  docker exec reg-case-postgres pg_isready -q -U case -d case && break
  sleep 1
done
docker run --rm --network "$net" -e DATABASE_URL="$db_url" "$image" migrate >/dev/null

rerun_api
wait_health healthy
# Before exercise.yaml v2's runner: `--mistake <deliverable>` runs that deliverable's first mistake script.
if [[ -n "$mistake" ]]; then
  declare -A first=([app-handles-sigterm]=shell-wrapper [pid1-is-app]=npm-start [healthcheck-works]=curl-probe
    [restart-policy-understood]=no-restart [logs-clean]=banner-secret)
  script="${first[$mistake]:-}"
  [[ -n "$script" ]] || { echo "no mistake is defined for $mistake" >&2; exit 2; }
  bash "$here/mistakes/$script.sh"
fi
