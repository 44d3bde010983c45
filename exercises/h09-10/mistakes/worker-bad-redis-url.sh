#!/usr/bin/env bash
# REDIS_URL written as host:port in the override: the worker exits 78 (configuration error).
source "$(dirname "$0")/lib.sh"
perl -0pi -e 's/(  worker:\n    environment:\n      LOG_LEVEL: debug\n)/$1      REDIS_URL: redis:6379\n/' compose.dev.yml
"${dev[@]}" up -d --quiet-pull 2>&1 | tail -2
for _ in $(seq 1 60); do
  [[ "$(docker inspect --format '{{.State.Status}}' reg-case-worker-1)" == exited ]] && break
  sleep 1
done
docker compose ps -a --format '{{.Service}}\t{{.Status}}'
