# Sourced by the h05-06 mistakes. Each starts from the solved block (PostgreSQL, Redis and the
# migrated database are there) and runs case-api again, wrongly: the same `docker run` as the
# solve, with the mistake's flags.
set -euo pipefail
image=registry:5000/reg-case-platform:dev
db_url="postgres://case:case-dev-pw@reg-case-postgres:5432/case"
redis_url="redis://reg-case-redis:6379/0"

# rerun_api <health state to wait for> <docker run options and arguments…>
rerun_api() {
  local want="$1"
  shift
  docker rm -f case-api >/dev/null 2>&1 || true
  docker run -d --name case-api --network reg-case-net -p 8080:8080 \
    -e DATABASE_URL="$db_url" -e REDIS_URL="$redis_url" "$@" >/dev/null
  local state=
  for _ in $(seq 1 60); do
    state="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' case-api)"
    [[ "$state" == "$want" ]] && break
    sleep 1
  done
  echo "case-api is $state"
}
