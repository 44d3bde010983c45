#!/usr/bin/env bash
# `docker compose up -d` out of habit: compose.yml alone, so the dev override is not applied.
source "$(dirname "$0")/lib.sh"
docker compose up -d --quiet-pull 2>&1 | tail -3
