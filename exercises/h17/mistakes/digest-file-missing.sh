#!/usr/bin/env bash
# Nothing written down: the release log is gone (moved aside under .drydock, not deleted).
set -euo pipefail
mkdir -p /workspace/.drydock/h17
mv -f /workspace/reg-case-platform/previous-digests.txt /workspace/.drydock/h17/previous-digests.txt.moved 2>/dev/null || true
