#!/usr/bin/env bash
# The bad rollout runs with failure_action pause, so it stops half-way on the bad image.
source "$(dirname "$0")/lib.sh"
bad="$(build_push 1.2.0-bad "ENV APP_PORT=8081")"
"${sw[@]}" service update --quiet --detach --update-failure-action pause --image "$bad" "$svc" >/dev/null
wait_state paused 120
echo "the bad rollout to $bad paused"
