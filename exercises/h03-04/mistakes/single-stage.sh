#!/usr/bin/env bash
# One stage does everything, so the runtime image keeps TypeScript, dev dependencies and sources.
source "$(dirname "$0")/lib.sh"
cp "$here/single-stage.Dockerfile" "$df"
rebuild
