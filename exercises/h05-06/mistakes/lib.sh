#!/usr/bin/env bash
# Shared by the h05-06 mistakes: re-runs case-api as the solve does, with the changes given.
# Usage: rerun_api [--restart <policy>|--no-restart] [docker run flags…] -- <image args…>
set -euo pipefail
image=registry:5000/reg-case-platform:dev
net=reg-case-net
db_url="postgres://case:case-dev-pw@reg-case-postgres:5432/case"
redis_url="redis://reg-case-redis:6379/0"

rerun_api() {
  local restart=(--restart unless-stopped) flags=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    case "$1" in
      --no-restart) restart=() ;;
      --restart) restart=(--restart "$2"); shift ;;
      *) flags+=("$1") ;;
    esac
    shift
  done
  [[ "${1:-}" == "--" ]] && shift
  local args=("$@")
  [[ ${#args[@]} -gt 0 ]] || args=(api)
  docker rm -f case-api >/dev/null 2>&1 || true
  docker run -d --name case-api --network "$net" -p 8080:8080 \
    -e DATABASE_URL="$db_url" -e REDIS_URL="$redis_url" --health-timeout 10s \
    "${restart[@]}" "${flags[@]}" "$image" "${args[@]}" >/dev/null
}

# Waits until case-api's health is one of the states given (or 60 s), and says which it reached.
wait_health() {
  local state=""
  for _ in $(seq 1 60); do
    state="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' case-api 2>/dev/null || echo gone)"
    for want in "$@"; do [[ "$state" == "$want" ]] && { echo "case-api is $state"; return 0; }; done
    sleep 1
  done
  echo "case-api is $state"
}
