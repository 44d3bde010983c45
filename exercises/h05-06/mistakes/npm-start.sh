#!/usr/bin/env bash
# `npm run api` as the container's command, as in many tutorials: npm is PID 1, runs the app
# through sh, and exits 1 ("signal SIGTERM") when stopped.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --entrypoint npm -- run api
wait_health healthy unhealthy
