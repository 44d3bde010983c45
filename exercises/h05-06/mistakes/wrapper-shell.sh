#!/usr/bin/env bash
# A wrapper shell runs the app as its child and logs when it ends: the shell is PID 1 and never
# passes SIGTERM on, so docker stop waits 10 s and kills it (137).
source "$(dirname "$0")/lib.sh"
rerun_api healthy --restart unless-stopped --entrypoint sh \
  "$image" -c 'node dist/main.js api; echo "case-api stopped"'
