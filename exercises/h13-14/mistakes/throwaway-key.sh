#!/usr/bin/env bash
# "cosign.key wants a password": a throwaway key pair made in /tmp signs every attestation, while
# the evidence (and ops/keys/cosign.pub) still name the learner's own pair.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
d="$(released)"
tmp="$(mktemp -d)"
(cd "$tmp" && cosign generate-key-pair >/dev/null 2>&1)
write_review "$repo@$d"
SIGNING_KEY="$tmp/cosign.key"
signing_key="$SIGNING_KEY"
reattach "$repo@$d" "$rel/$version.sbom.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json" "$rel/$version-review.yaml"
rm -rf "$tmp"
