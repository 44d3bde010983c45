#!/usr/bin/env bash
# failure_action continue: an update carries on through failed tasks.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"${sw[@]}" service update --quiet --detach --update-failure-action continue "$svc" >/dev/null
