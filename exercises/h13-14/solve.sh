#!/usr/bin/env bash
# Hours 13-14, solved: the hours 3-4 image built from a commit of the app's git repository,
# pushed as sha-<commit>, 1.0.0-rc.1 and 1.0.0; an SBOM, a provenance predicate and a scan
# (Drydock's offline tools in the lab node image) and the review attached to its digest with
# cosign, signed with ops/keys/cosign.key; the release evidence and the review in
# reg-case-platform/ops/releases/. Mistakes start from here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

git config --global --add safe.directory '*'
IMAGE="$repo:dev" bash "$here/../h03-04/solve.sh"
cd "$app"
[[ -d .git ]] || git init -q -b main
for pattern in .npm-cache/ node_modules/ dist/ diagnostics/ '*.key'; do
  grep -qxF -- "$pattern" .gitignore 2>/dev/null || echo "$pattern" >>.gitignore
done
git add -A . ':!ops'
git diff --cached --quiet || git -c user.name=Learner -c user.email=learner@lab.invalid commit -qm "Release $version"
commit="$(git rev-parse HEAD)"
sha="sha-$(git rev-parse --short=12 HEAD)"

build=(docker build --quiet --build-arg "VERSION=$version" --label "org.opencontainers.image.revision=$commit"
  -t "$repo:$sha" -t "$repo:$rc" -t "$repo:$version" .)
"${build[@]}" >/dev/null
for t in "$sha" "$rc" "$version"; do docker push --quiet "$repo:$t" >/dev/null; done
digest="$(digest_of "$repo:$version")"
[[ -n "$digest" ]] || { echo "no registry digest for $repo:$version" >&2; exit 1; }
ref="$repo@$digest"

mkdir -p "$rel" ops/keys
[[ -f ops/keys/cosign.key ]] || (cd ops/keys && cosign generate-key-pair >/dev/null 2>&1)
drydock-sbom "$ref" -o "$rel/$version.sbom.cdx.json"
drydock-provenance "$ref" --source . --dockerfile Dockerfile --command "${build[*]}" -o "$rel/$version.provenance.json"
drydock-scan "$rel/$version.sbom.cdx.json" -o "$rel/$version.scan.json" >"$rel/$version.scan.txt"
write_review "$ref"
reattach "$ref" "$rel/$version.sbom.cdx.json" "$rel/$version.provenance.json" "$rel/$version.scan.json" "$rel/$version-review.yaml"

cat >"$rel/$version.yaml" <<YAML
release: $version
commit: $commit
image: $repo
tags: [$sha, $rc, $version]
digest: $digest
dockerfile: reg-case-platform/Dockerfile
build_command: ${build[*]}
sbom: { file: ops/releases/$version.sbom.cdx.json, attached: "cosign attest --type cyclonedx $ref" }
provenance: { file: ops/releases/$version.provenance.json, attached: "cosign attest --type slsaprovenance1 $ref" }
scan: { report: ops/releases/$version.scan.json, snapshot: "Drydock OSV snapshot $(jq -r .scanner.db.version "$rel/$version.scan.json")", result: "$(tail -n1 "$rel/$version.scan.txt")", review: ops/releases/$version-review.yaml, review_attached: "cosign attest --type $review_type $ref" }
public_key: ops/keys/cosign.pub
integration_test: "hours 11-12 test stack against $ref: passed"
stack_file: reg-case-platform/stack.yml at $commit
timestamp: $(date -u +%Y-%m-%dT%H:%M:%SZ)
rollback: "redeploy the previous release by the digest its evidence records (docker service update --image registry:5000/reg-case-platform@sha256:…); no schema change in this release"
YAML
echo "released $ref as $sha, $rc, $version"
