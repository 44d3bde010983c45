#!/usr/bin/env bash
# Runs the integration tests in a throwaway Compose stack and exits with their result.
#   BUILD_ID=42 APP_IMAGE=registry:5000/reg-case-platform:dev scripts/integration-test.sh
# On failure it keeps ps, logs and events in diagnostics/<BUILD_ID>/; it always removes the stack.
set -euo pipefail
cd "$(dirname "$0")/.."

# Unique per run: CI sets BUILD_ID; on a laptop every run gets its own.
export BUILD_ID="${BUILD_ID:-local-$(date +%s)-$$}"
export APP_IMAGE="${APP_IMAGE:-registry:5000/reg-case-platform:dev}"
project="reg-case-test-${BUILD_ID}"
compose=(docker compose --project-name "$project" --file compose.test.yml)
diagnostics="diagnostics/${BUILD_ID}"
started="$(date +%s)"

collect_diagnostics() {
  mkdir -p "$diagnostics"
  "${compose[@]}" ps --all >"$diagnostics/ps.txt" 2>&1 || true
  "${compose[@]}" logs --no-color --timestamps >"$diagnostics/logs.txt" 2>&1 || true
  # `docker compose events` follows forever; the engine's events up to now end by themselves.
  docker events --since "$started" --until "$(date +%s)" \
    --filter "label=com.docker.compose.project=$project" --format '{{json .}}' >"$diagnostics/events.jsonl" 2>&1 || true
  echo "integration tests failed: diagnostics in $PWD/$diagnostics" >&2
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ $status -ne 0 ]]; then collect_diagnostics; fi
  "${compose[@]}" down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# `run` starts what test-runner depends on (waiting for migrate to finish and the api and worker to
# be healthy) and exits with the runner's own exit code. `up --abort-on-container-exit` would stop
# everything as soon as migrate exits 0, and pass without a single test.
"${compose[@]}" run --rm test-runner
