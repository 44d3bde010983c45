#!/usr/bin/env bash
# A friendly plain-text banner before the JSON logger takes over: the log is no longer JSON lines.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --entrypoint sh -- -c 'echo "=== case-api $(date -u +%FT%TZ) starting ==="; exec node dist/main.js api'
wait_health healthy unhealthy
