#!/usr/bin/env bash
# Shared by the h11-12 mistakes: the solved files, edited in place.
set -euo pipefail
app=/workspace/reg-case-platform
script="$app/scripts/integration-test.sh"
stack="$app/compose.test.yml"
