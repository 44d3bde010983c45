#!/usr/bin/env bash
# A wrapper shell runs the app as its child and logs when it ends: the shell is PID 1, ignores
# SIGTERM, and docker stop waits 10 s, then kills (137).
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --entrypoint sh -- -c 'node dist/main.js api; echo "case-api stopped"'
wait_health healthy unhealthy
