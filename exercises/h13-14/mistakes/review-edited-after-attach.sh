#!/usr/bin/env bash
# The review is attached, then a reviewer asks for a better tar reason: the file is edited and never
# attached again, so the digest carries an older review than the file.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
write_review "$repo@$d"
reattach "$repo@$d" "$rel/$version.sbom.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json" "$rel/$version-review.yaml"
sed -i 's#^    reason: The app never runs tar.*#    reason: tar is never invoked by the app or its entrypoint, and uid 1000 cannot restore setuid bits; re-check if a backup job is added.#' "$rel/$version-review.yaml"
