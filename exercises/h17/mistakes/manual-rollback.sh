#!/usr/bin/env bash
# On a freshly deployed stack (a new service, so the recorded automatic rollback of the solved
# one does not count), the bad rollout pauses and is rolled back by hand: Swarm swaps Spec and
# PreviousSpec, and its message says "manually requested rollback".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
redeploy_stack
update_and_wait paused 240 --update-failure-action pause --image "$(digest_of 1.2.0-bad)"
before="$(started_at)"
"${sw[@]}" service rollback --quiet --detach "$svc" >/dev/null
wait_state 'rollback_completed|rollback_paused' 240 "$before"
