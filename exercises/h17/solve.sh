#!/usr/bin/env bash
# Hour 17, solved: from the hours 15-16 stack (case-api at 1.0.0 by digest), a rolling update to
# 1.1.0 by digest, then a rollout of a bad image (it listens on the wrong port, so its health
# gate fails) that Swarm rolls back by itself. Changes reg-case-platform/Dockerfile in the
# workspace (the reference copy). The realistic mistakes are in mistakes/
# (`drydock solve h17 --mistake <id>` runs one after this).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/mistakes/lib.sh"

bash "$here/../h15-16/solve.sh"
v2="$(build_push 1.1.0 "")"
"${sw[@]}" service update --quiet --image "$v2" "$svc" >/dev/null
wait_state completed 120
echo "rolled to $v2"

bad="$(build_push 1.2.0-bad "ENV APP_PORT=8081")"
"${sw[@]}" service update --quiet --detach --image "$bad" "$svc" >/dev/null
wait_state rollback_completed 180
echo "the bad rollout to $bad was rolled back to $v2"
