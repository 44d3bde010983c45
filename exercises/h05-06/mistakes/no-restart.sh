#!/usr/bin/env bash
# No --restart flag, so a crash leaves the api down.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --no-restart
wait_health healthy unhealthy
