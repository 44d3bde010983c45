#!/usr/bin/env bash
# The stateful label taken off worker-2 after the deploy ("cleaning up" node labels): Swarm's constraint
# enforcer stops redis and postgres there, and no node may run them any more.
source "$(dirname "$0")/lib.sh"
"${sw[@]}" node update --label-rm stateful worker-2 >/dev/null
echo "label stateful removed from worker-2"
