# Shared by the hours 13-14 solve and mistakes: names, and attaching evidence with cosign offline.
app=/workspace/reg-case-platform
repo=registry:5000/reg-case-platform
version=1.0.0
rc=1.0.0-rc.1
rel="$app/ops/releases"
export COSIGN_PASSWORD="${COSIGN_PASSWORD:-}"
cosign_opts=(--allow-http-registry)
# The private key attestations are signed with (a mistake may point it at another pair).
signing_key="${SIGNING_KEY:-$app/ops/keys/cosign.key}"
# Drydock's predicate type for the learner's review of the vulnerability report.
review_type=https://drydock.dev/attestations/vuln-review/v1

digest_of() { docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$1" | grep "^$repo@" | head -n1 | cut -d@ -f2; }

# review_json <review.yaml> <out.json>: the review as JSON (perl's core CPAN::Meta::YAML and JSON::PP;
# no yq offline). It reads block-style YAML: write lists as "- item" lines.
review_json() {
  perl -MCPAN::Meta::YAML -MJSON::PP -0777 -e 'my $y = CPAN::Meta::YAML->read_string(<STDIN>) or die CPAN::Meta::YAML->errstr; print JSON::PP->new->canonical->encode($y->[0])' <"$1" >"$2"
}

# attest <image@digest> <type> <predicate file>
attest() { cosign attest --yes --key "$signing_key" --type "$2" --predicate "$3" --tlog-upload=false "${cosign_opts[@]}" "$1" >/dev/null 2>&1 || cosign attest --yes --key "$signing_key" --type "$2" --predicate "$3" --tlog-upload=false "${cosign_opts[@]}" "$1"; }

# reattach <image@digest> <sbom> <provenance> <scan> [<review.yaml>]: the digest's attestations are exactly these.
reattach() {
  cosign clean --force --type attestation "${cosign_opts[@]}" "$1" >/dev/null 2>&1 || true
  attest "$1" cyclonedx "$2"
  attest "$1" slsaprovenance1 "$3"
  attest "$1" vuln "$4"
  if [[ -n "${5:-}" ]]; then
    review_json "$5" "${5%.yaml}.json"
    attest "$1" "$review_type" "${5%.yaml}.json"
  fi
}

# The released digest, as the evidence records it.
released() { grep '^digest:' "$rel/$version.yaml" | awk '{print $2}'; }

# write_review <image@digest>: the reference review of this release, in the workspace.
write_review() { sed "s#@DIGEST@#$1#" "$(dirname "${BASH_SOURCE[0]}")/review.yaml" >"$rel/$version-review.yaml"; }
