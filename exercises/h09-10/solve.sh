#!/usr/bin/env bash
# Hours 9-10, solved: the reference compose.yml and compose.dev.yml in the workspace's
# reg-case-platform, the stack up with both files (the app built from the Dockerfile of hours
# 3-4), then the seed job run once through its profile. Mistakes are scripts in mistakes/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
app=/workspace/reg-case-platform

bash "$here/../h03-04/solve.sh" # the Dockerfile and .dockerignore compose.yml builds with
cp "$here/compose.yml" "$here/compose.dev.yml" "$app/"
cd "$app"
dev=(docker compose -f compose.yml -f compose.dev.yml)
# --wait: back once every service is healthy (migrate: exited 0); fails if one never gets there.
"${dev[@]}" up -d --build --wait --quiet-pull
"${dev[@]}" --profile seed run --rm seed >/dev/null
docker compose ps -a --format '{{.Service}}\t{{.State}}\t{{.Status}}'
