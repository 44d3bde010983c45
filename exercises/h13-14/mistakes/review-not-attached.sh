#!/usr/bin/env bash
# The review is written in the workspace, but only the SBOM, provenance and scan are attached.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
write_review "$repo@$d"
reattach "$repo@$d" "$rel/$version.sbom.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json"
