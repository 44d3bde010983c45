#!/usr/bin/env bash
# Hour 17, solved: from the hours 15-16 stack (case-api at 1.0.0 by digest), a rolling update to
# 1.1.0 by digest, then a rollout of a bad image (it listens on the wrong port, so its health
# gate fails) that Swarm rolls back by itself. `--mistake <deliverable>` does it wrongly.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo=registry:5000/reg-case-platform
svc=reg-case_case-api
sw=(docker --context swarm)
app=/workspace/reg-case-platform
mistake=""
if [[ "${1:-}" == "--mistake" ]]; then mistake="${2:?--mistake needs a deliverable id}"; fi

build_push() { # version, extra Dockerfile line for the runtime stage (may be empty) → prints the digest
  cp "$here/../h03-04/Dockerfile" "$app/Dockerfile"
  [[ -n "$2" ]] && printf '%s\n' "$2" >>"$app/Dockerfile"
  docker build --quiet --build-arg "VERSION=$1" --tag "$repo:$1" "$app" >/dev/null
  docker push --quiet "$repo:$1" >/dev/null
  docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repo:$1" | grep "^$repo@" | head -n1
}
wait_state() { # wanted UpdateStatus states (regex), seconds
  for _ in $(seq 1 "$2"); do
    state="$("${sw[@]}" service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc")"
    [[ "$state" =~ ^($1)$ ]] && return 0
    sleep 1
  done
  echo "UpdateStatus is '$state', not $1" >&2
  return 1
}

case "$mistake" in
  rolling-update-succeeds | previous-digest-known)
    # Redeployed from scratch instead of updated: no update, no previous spec.
    "${sw[@]}" stack rm reg-case >/dev/null
    for _ in $(seq 1 60); do [[ -z "$("${sw[@]}" service ls -q --filter label=com.docker.stack.namespace=reg-case)" ]] && break; sleep 1; done
    sleep 3
    ;;
esac
bash "$here/../h15-16/solve.sh"
[[ "$mistake" == rolling-update-succeeds || "$mistake" == previous-digest-known ]] && { echo "redeployed from scratch (mistake: $mistake)"; exit 0; }

v2="$(build_push 1.1.0 "")"
if [[ "$mistake" == update-config-safe ]]; then
  "${sw[@]}" service update --quiet --update-failure-action pause --update-order stop-first --image "$v2" "$svc" >/dev/null
  echo "updated to $v2 with failure_action pause, order stop-first (mistake)"; exit 0
fi
"${sw[@]}" service update --quiet --image "$v2" "$svc" >/dev/null
wait_state completed 120
echo "rolled to $v2"

bad="$(build_push 1.2.0-bad "ENV APP_PORT=8081")"
flags=()
[[ "$mistake" == failed-rollout-rolls-back ]] && flags=(--update-failure-action pause)
"${sw[@]}" service update --quiet --detach "${flags[@]}" --image "$bad" "$svc" >/dev/null
if [[ "$mistake" == failed-rollout-rolls-back ]]; then
  wait_state paused 120; echo "the bad rollout paused (mistake)"; exit 0
fi
wait_state rollback_completed 180
echo "the bad rollout to $bad was rolled back to $v2"
