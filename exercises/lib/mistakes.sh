#!/usr/bin/env bash
# Shared by the solve and mistake scripts of hours 5-8 (sourced, not run): the laptop stack's names
# (case-api, reg-case-postgres and reg-case-redis on reg-case-net, before Compose), and case-api and
# PostgreSQL re-run as the solves run them. Solve copies this folder to /workspace/.drydock/lib, beside
# the blocks' folders, so a script in <block>/mistakes/ finds it at ../../lib/mistakes.sh there too.
set -euo pipefail
image=registry:5000/reg-case-platform:dev
net=reg-case-net
db_url="postgres://case:case-dev-pw@reg-case-postgres:5432/case"
redis_url="redis://reg-case-redis:6379/0"

# Re-runs case-api as the h05-06 solve does, with the changes given (on another network: net=… rerun_api).
# Usage: rerun_api [--restart <policy>|--no-restart] [docker run flags…] -- <image args…>
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
  # A 10 s probe timeout: node -e takes seconds to start on a busy 2-core machine (3 s timed out there).
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

# The volume that holds PostgreSQL's data directory (empty when none does).
pg_data_volume() {
  docker inspect --format '{{range .Mounts}}{{if eq .Destination "/var/lib/postgresql/data"}}{{.Name}}{{end}}{{end}}' reg-case-postgres 2>/dev/null || true
}

# Re-creates reg-case-postgres with the flags given (default: the named volume of h07-08), and waits for TCP.
run_postgres() {
  local flags=("$@")
  [[ ${#flags[@]} -gt 0 ]] || flags=(-v reg-case-pgdata:/var/lib/postgresql/data)
  docker rm -f reg-case-postgres >/dev/null 2>&1 || true
  docker run -d --name reg-case-postgres --network "$net" --restart unless-stopped \
    -e POSTGRES_USER=case -e POSTGRES_PASSWORD=case-dev-pw -e POSTGRES_DB=case "${flags[@]}" postgres:17 >/dev/null
  for _ in $(seq 1 60); do
    docker exec reg-case-postgres pg_isready -q -h 127.0.0.1 -U case -d case && return 0
    sleep 1
  done
  echo "reg-case-postgres did not take connections within 60 s" >&2
  return 1
}
