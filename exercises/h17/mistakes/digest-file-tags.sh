#!/usr/bin/env bash
# Tags written down instead of digests: a tag moves, so it does not say what ran.
set -euo pipefail
printf '%s\n' registry:5000/reg-case-platform:1.0.0 registry:5000/reg-case-platform:1.1.0 >/workspace/reg-case-platform/previous-digests.txt
