#!/usr/bin/env bash
# The evidence names ops/keys/release.pub (the key was to be renamed for the release, and never was).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
write_review "$repo@$d"
reattach "$repo@$d" "$rel/$version.sbom.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json" "$rel/$version-review.yaml"
sed -i 's#^public_key: .*#public_key: ops/keys/release.pub#' "$rel/$version.yaml"
