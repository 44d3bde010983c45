#!/usr/bin/env bash
# An update by tag with --no-resolve-image: the spec names registry:5000/reg-case-platform:1.1.0
# and no digest, so which release each node pulled is not known.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
update_and_wait 'completed|paused|rollback_completed|rollback_paused' 240 --no-resolve-image --image "$repo:1.1.0"
