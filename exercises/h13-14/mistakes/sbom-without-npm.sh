#!/usr/bin/env bash
# An OS-only SBOM (what trivy-cdxgen or an image scanner's package list gives) attached instead.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
jq '.components |= map(select(.purl | startswith("pkg:npm/") | not))' "$rel/$version.sbom.cdx.json" >"$rel/os-only.cdx.json"
reattach "$repo@$d" "$rel/os-only.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json" "$rel/$version-review.yaml"
