#!/usr/bin/env bash
# The seed's curl probe, on node:20-slim, which has no curl: the check can never pass.
source "$(dirname "$0")/lib.sh"
edit '^HEALTHCHECK ' '/^  CMD \[/d'
edit '^HEALTHCHECK ' 's#^HEALTHCHECK \(.*\) \\$#HEALTHCHECK \1 \\\n  CMD curl -fsS http://127.0.0.1:${APP_PORT}/health || exit 1#'
rebuild
