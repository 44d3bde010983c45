#!/usr/bin/env bash
# Shared by the h09-10 mistakes: they start from the solved stack (solve.sh) and edit the
# learner's files in place, the way people do.
set -euo pipefail
app=/workspace/reg-case-platform
cd "$app"
dev=(docker compose -f compose.yml -f compose.dev.yml)
