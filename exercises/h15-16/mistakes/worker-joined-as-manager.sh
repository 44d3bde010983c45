#!/usr/bin/env bash
# worker-1 joined with the manager token (or was promoted "to be safe"): two managers, one worker.
source "$(dirname "$0")/lib.sh"
"${sw[@]}" node promote worker-1 >/dev/null
echo "worker-1 is now a manager"
