#!/usr/bin/env bash
# worker-2 is removed from the manager's node list (docker node rm --force): the swarm is one worker short.
source "$(dirname "$0")/lib.sh"
"${sw[@]}" node rm --force worker-2 >/dev/null
echo "worker-2 removed from the swarm"
