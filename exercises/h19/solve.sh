#!/usr/bin/env bash
# Hour 19, solved: from the hours 15-16 stack, a bad deploy (LOG_LEVEL=verbose, which the app
# refuses with exit code 78) that Swarm rolls back by itself; then the incident bundle, collected
# from the live swarm, and an incident note whose Cause is read from what Swarm recorded
# (docker service ps --no-trunc), never written from memory. Then the observability profile on
# laptop: compose.yml (hours 9-10's reference) with compose.observability.yml, Prometheus scraping
# the api's /metrics; the learner's different files are kept under .drydock/kept/ first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo=registry:5000/reg-case-platform
svc=reg-case_case-api
sw=(docker --context swarm)
source "$here/../h17/mistakes/lib.sh"
source "$here/../h03-04/keep-and-place.sh"

bash "$here/../h15-16/solve.sh"
# A solve again within the hour (after a mistake) reuses the failure Swarm recorded (exit 78, rolled
# back) instead of rolling the bad configuration out once more.
recent_failure() {
  local id line
  for id in $("${sw[@]}" service ps -q --filter desired-state=shutdown "$svc"); do
    line="$("${sw[@]}" inspect --format '{{.Status.Timestamp.Unix}} {{.Status.Err}}' "$id" 2>/dev/null || true)"
    [[ "$line" == *"exit (78)"* ]] && (($(date +%s) - ${line%% *} < 2400)) && return 0
  done
  return 1
}
if recent_failure && [[ "$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc")" == rollback_completed ]]; then
  echo "Swarm recorded the failed update less than 40 min ago: not rolling it out again"
else
  update_and_wait rollback_completed 240 --env-add LOG_LEVEL=verbose
fi
bundle="$(bash "$here/collect-bundle.sh")"
err="$("${sw[@]}" service ps "$svc" --no-trunc --filter desired-state=shutdown --format '{{.Error}}' | grep -m1 'exit' || true)"
[[ -n "$err" ]] || { echo "Swarm recorded no failed task" >&2; exit 1; }
code="$(sed -E 's/.*exit \(([0-9]+)\).*/\1/' <<<"$err")"
rel="incidents/$(basename "$bundle")"
cat >/workspace/reg-case-platform/ops/incident-note.md <<NOTE
# Incident: case-api tasks failing after a configuration update

## Timeline

- $(date -u -d '-3 min' +%H:%M) UTC docker service update --env-add LOG_LEVEL=verbose reg-case_case-api
- $(date -u -d '-2 min' +%H:%M) UTC the new tasks fail at start; Swarm's update monitor sees the failures
- $(date -u +%H:%M) UTC rollback_completed: every replica back on the previous spec

## Impact

One replica at a time was replaced (start-first), so the old tasks kept serving; no request failed.

## Cause

The update set LOG_LEVEL=verbose, a level the app does not accept, so it refused to start:
\`$err\`, exit code $code ([tasks]($rel/stack-ps.txt), [logs]($rel/case-api.logs.txt)).

## Detection

The update's monitor window and failure_action rollback; docker service ps --no-trunc showed the errors.

## Actions

- Validate environment changes with the app's configuration check before deploying (owner: platform).
- Alert when UpdateStatus turns rollback_started (owner: platform).
NOTE
echo "bundle $bundle; cause: $err"

app=/workspace/reg-case-platform
place "$here/../h09-10/compose.yml" "$app/compose.yml"
place "$here/compose.observability.yml" "$app/compose.observability.yml"
mkdir -p "$app/prometheus"
place "$here/prometheus/prometheus.yml" "$app/prometheus/prometheus.yml"
obs=(docker compose --project-directory "$app" -f "$app/compose.yml" -f "$app/compose.observability.yml")
"${obs[@]}" up -d --build --wait --quiet-pull
# A prometheus.yml changed in place (a mistake undone) is read again; a no-op otherwise.
"${obs[@]}" kill -s SIGHUP prometheus >/dev/null 2>&1
health=""
for _ in $(seq 1 60); do
  health="$(curl -fsS 'http://127.0.0.1:9090/api/v1/targets?state=active' |
    jq -r '.data.activeTargets[] | select(.labels.job == "case-api") | .health' 2>/dev/null || true)"
  [[ "$health" == up ]] && break
  sleep 1
done
[[ "$health" == up ]] || { echo "Prometheus's case-api target is '${health:-missing}', not up" >&2; exit 1; }
echo "prometheus: case-api target up"
