#!/usr/bin/env bash
# An entrypoint banner echoes DATABASE_URL, password included, as a plain text line.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --entrypoint sh -- -c 'echo "case-api starting with DATABASE_URL=$DATABASE_URL"; exec node dist/main.js api'
wait_health healthy unhealthy
