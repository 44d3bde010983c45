#!/usr/bin/env bash
# Hours 5-6, solved: the image from hours 3-4 runs on laptop as `case-api` beside PostgreSQL and
# Redis, with a restart policy and its healthcheck. The realistic mistakes are in mistakes/
# (`drydock solve h05-06 --mistake <id>` runs one after this): each runs case-api again, wrongly.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image=registry:5000/reg-case-platform:dev
net=reg-case-net
db_url="postgres://case:case-dev-pw@reg-case-postgres:5432/case"
redis_url="redis://reg-case-redis:6379/0"

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

docker rm -f case-api >/dev/null 2>&1 || true
docker run -d --name case-api --network "$net" -p 8080:8080 -e DATABASE_URL="$db_url" -e REDIS_URL="$redis_url" \
  --restart unless-stopped "$image" api >/dev/null
for _ in $(seq 1 60); do
  state="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' case-api)"
  [[ "$state" == healthy ]] && break
  sleep 1
done
echo "case-api is $state"
