#!/usr/bin/env bash
# `docker stack rm` + `docker stack deploy` instead of an update: a new service (new ID, no
# PreviousSpec, no UpdateStatus, a history of its own), and nothing was rolled.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
redeploy_stack
