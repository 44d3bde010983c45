#!/usr/bin/env bash
# The seed's healthcheck, curl, in an image without curl: never healthy.
source "$(dirname "$0")/../../lib/mistakes.sh"
rerun_api --health-cmd "curl -fsS http://127.0.0.1:8080/health || exit 1" --health-interval 1s \
  --health-retries 2 --health-start-period 0s
wait_health unhealthy
