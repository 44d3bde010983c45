#!/usr/bin/env bash
# A healthcheck that asks PostgreSQL instead of the app: healthy while the app is down.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --health-cmd "node -e \"require('net').connect(5432,'reg-case-postgres').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))\"" \
  --health-interval 2s --health-start-period 0s
wait_health healthy
