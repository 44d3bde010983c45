#!/usr/bin/env bash
# One stage does everything, so the runtime image keeps TypeScript, dev dependencies and sources.
source "$(dirname "$0")/lib.sh"
cp "$(dirname "$0")/single-stage.Dockerfile" "$df"
rebuild single-stage
