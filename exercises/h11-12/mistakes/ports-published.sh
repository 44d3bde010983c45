#!/usr/bin/env bash
# The dev stack's `ports: ["8080:8080"]` kept for the api "to look at it while the tests run".
source "$(dirname "$0")/lib.sh"
sed -i 's|^    command: \["api"\]$|    command: ["api"]\n    ports: ["8080:8080"]|' "$stack"
grep -q '8080:8080' "$stack"
