#!/usr/bin/env bash
# The api's update settings are set back to Swarm's defaults: failure_action pause, order stop-first.
# (Only the update settings change: no task is replaced.)
source "$(dirname "$0")/lib.sh"
"${sw[@]}" service update --quiet --update-failure-action pause --update-order stop-first "$svc" >/dev/null
echo "case-api updates with failure_action pause, order stop-first"
