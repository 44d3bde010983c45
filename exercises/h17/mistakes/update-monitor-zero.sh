#!/usr/bin/env bash
# monitor: 0s — a task that fails right after it starts is not noticed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"${sw[@]}" service update --quiet --detach --update-monitor 0s "$svc" >/dev/null
