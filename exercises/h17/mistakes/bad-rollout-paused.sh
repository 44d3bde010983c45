#!/usr/bin/env bash
# The bad rollout runs with failure_action pause: Swarm stops half-way, the bad image still running.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
update_and_wait paused 240 --update-failure-action pause --image "$(digest_of 1.2.0-bad)"
