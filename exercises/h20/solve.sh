#!/usr/bin/env bash
# Hour 20, solved: the ADR, the release checklist and the risks, filled in from the templates the
# starter workspace ships (ops/templates/). The checklist links check results of earlier blocks
# (check:<block>/<deliverable>) and files of the starter app; it needs no swarm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ops=/workspace/reg-case-platform/ops
test -f "$ops/templates/adr.md" || { echo "the starter workspace has no ops/templates" >&2; exit 1; }
for f in adr-0001-runtime.md release-checklist.md risks.md; do cp "$here/ops/$f" "$ops/$f"; done
ls -l "$ops"
