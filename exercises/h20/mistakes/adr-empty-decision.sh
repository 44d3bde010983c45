#!/usr/bin/env bash
# The Decision left as the template's guidance comment.
set -euo pipefail
f=/workspace/reg-case-platform/ops/adr-0001-runtime.md
perl -0pi -e 's/## Decision\n\n.*?\n## Consequences/## Decision\n\n<!-- What we will do, stated so that a reviewer can check it was done. -->\n\n## Consequences/s' "$f"
grep -A3 '^## Decision' "$f"
