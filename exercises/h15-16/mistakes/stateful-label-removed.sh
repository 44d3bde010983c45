#!/usr/bin/env bash
# The stateful label taken off worker-2 after the deploy: Swarm leaves redis and postgres where they
# are, on a node that no longer meets their constraint.
source "$(dirname "$0")/lib.sh"
"${sw[@]}" node update --label-rm stateful worker-2 >/dev/null
echo "label stateful removed from worker-2"
