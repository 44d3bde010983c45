#!/usr/bin/env bash
# The update policy set back by hand to Swarm's defaults: failure_action pause, order stop-first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"${sw[@]}" service update --quiet --detach --update-failure-action pause --update-order stop-first "$svc" >/dev/null
