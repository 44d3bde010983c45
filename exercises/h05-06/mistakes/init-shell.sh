#!/usr/bin/env bash
# --init added to "fix signals", in front of a shell wrapper: docker-init forwards SIGTERM to
# the shell, the shell dies (143) and the app under it is killed without draining.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --init --entrypoint sh -- -c 'node dist/main.js api; echo "case-api stopped"'
wait_health healthy unhealthy
