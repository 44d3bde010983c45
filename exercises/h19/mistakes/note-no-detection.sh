#!/usr/bin/env bash
# The note without its Detection section, and the timeline without times.
set -euo pipefail
f=/workspace/reg-case-platform/ops/incident-note.md
perl -0pi -e 's/## Detection\n\n.*?\n\n//s; s/^- \d\d:\d\d UTC /- /mg' "$f"
cat "$f"
