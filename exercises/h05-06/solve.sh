#!/usr/bin/env bash
# Hours 5-6, solved: the image from hours 3-4 runs on laptop as `case-api` beside PostgreSQL and
# Redis, with a restart policy and its healthcheck. `--mistake <deliverable>` reruns it wrongly.
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

run_api=(docker run -d --name case-api --network "$net" -p 8080:8080 -e DATABASE_URL="$db_url" -e REDIS_URL="$redis_url")
restart=(--restart unless-stopped)
extra=()
args=("$image" api)
case "$mistake" in
  "") ;;
  app-handles-sigterm | pid1-is-app)
    # A wrapper shell that runs the app as its child and logs when it ends: the shell is PID 1
    # and never passes SIGTERM on.
    extra=(--entrypoint sh)
    args=("$image" -c 'node dist/main.js api; echo "case-api stopped"') ;;
  healthcheck-works)
    # The seed's curl probe, in an image without curl: never healthy.
    extra=(--health-cmd "curl -fsS http://127.0.0.1:8080/health || exit 1" --health-interval 1s --health-retries 2 --health-start-period 0s) ;;
  restart-policy-understood) restart=() ;;
  logs-clean)
    extra=(--entrypoint sh)
    args=("$image" -c 'echo "case-api starting with DATABASE_URL=$DATABASE_URL"; exec node dist/main.js api') ;;
  *) echo "no mistake is defined for $mistake" >&2; exit 2 ;;
esac
docker rm -f case-api >/dev/null 2>&1 || true
"${run_api[@]}" "${restart[@]}" "${extra[@]}" "${args[@]}" >/dev/null
want=healthy
[[ "$mistake" == healthcheck-works ]] && want=unhealthy
for _ in $(seq 1 60); do
  state="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' case-api)"
  [[ "$state" == "$want" ]] && break
  sleep 1
done
echo "case-api is $state${mistake:+ (mistake: $mistake)}"
