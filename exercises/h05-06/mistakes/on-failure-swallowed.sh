#!/usr/bin/env bash
# --restart on-failure:5, but the command is a wrapper whose last command (echo) exits 0: a
# crash of the app ends the container with 0, which on-failure does not restart.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --restart on-failure:5 --entrypoint sh -- -c 'node dist/main.js api; echo "case-api stopped"'
wait_health healthy unhealthy
