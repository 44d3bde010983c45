#!/usr/bin/env bash
# Provenance made after an uncommitted edit: the commit it names does not describe what was built.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
cd "$app"
echo "Release notes: pending." >>README.md
drydock-provenance "$repo@$d" --source . -o "$rel/dirty.provenance.json"
reattach "$repo@$d" "$rel/$version.sbom.cdx.json" "$rel/dirty.provenance.json" "$rel/$version.scan.json" "$rel/$version-review.yaml"
git checkout -q -- README.md
