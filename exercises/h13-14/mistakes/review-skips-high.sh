#!/usr/bin/env bash
# The review answers the critical finding and stops there: the high tar finding has no answer.
# Attached as it is (the file and the attestation agree; the answer is what is missing).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
write_review "$repo@$d"
f="$rel/$version-review.yaml"
awk '/- id: DRYDOCK-2026-0002/{skip=1} /- id: /&&!/DRYDOCK-2026-0002/{skip=0} !skip' "$f" >"$f.new" && mv "$f.new" "$f"
reattach "$repo@$d" "$rel/$version.sbom.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json" "$f"
