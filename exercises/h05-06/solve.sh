#!/usr/bin/env bash
# Hours 5-6, solved: the image from hours 3-4 runs on laptop as `case-api` beside PostgreSQL and
# Redis, with a restart policy and its healthcheck. Mistakes are scripts in mistakes/ (exercise.yaml).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image=registry:5000/reg-case-platform:dev
net=reg-case-net
db_url="postgres://case:case-dev-pw@reg-case-postgres:5432/case"
redis_url="redis://reg-case-redis:6379/0"
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

# A 10 s probe timeout: node -e takes seconds to start on a busy 2-core machine (3 s timed out there).
run_api=(docker run -d --name case-api --network "$net" -p 8080:8080 -e DATABASE_URL="$db_url" -e REDIS_URL="$redis_url" --health-timeout 10s)
docker rm -f case-api >/dev/null 2>&1 || true
"${run_api[@]}" --restart unless-stopped "$image" api >/dev/null
for _ in $(seq 1 60); do
  state="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' case-api)"
  [[ "$state" == healthy ]] && break
  sleep 1
done
echo "case-api is $state"
# Before exercise.yaml v2's runner: `--mistake <deliverable>` runs that deliverable's first mistake script.
if [[ -n "$mistake" ]]; then
  declare -A first=([app-handles-sigterm]=shell-wrapper [pid1-is-app]=npm-start [healthcheck-works]=curl-probe
    [restart-policy-understood]=no-restart [logs-clean]=banner-secret)
  script="${first[$mistake]:-}"
  [[ -n "$script" ]] || { echo "no mistake is defined for $mistake" >&2; exit 2; }
  bash "$here/mistakes/$script.sh"
fi
