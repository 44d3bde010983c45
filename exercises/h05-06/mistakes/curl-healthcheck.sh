#!/usr/bin/env bash
# The seed's curl probe, in an image without curl: the container is never healthy.
source "$(dirname "$0")/lib.sh"
rerun_api unhealthy --restart unless-stopped \
  --health-cmd "curl -fsS http://127.0.0.1:8080/health || exit 1" --health-interval 1s --health-retries 2 \
  --health-start-period 0s "$image" api
