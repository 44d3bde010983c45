#!/usr/bin/env bash
# The cause written from memory: "it crashed with exit code 1".
set -euo pipefail
f=/workspace/reg-case-platform/ops/incident-note.md
perl -0pi -e 's/## Cause\n\n.*?\n## Detection/## Cause\n\nThe app crashed with exit code 1 after the update.\n\n## Detection/s' "$f"
sed -n '/^## Cause/,/^## Detection/p' "$f"
