#!/usr/bin/env bash
# One project name for every run (`-p reg-case-test`, no BUILD_ID in it), as a script written for a
# single laptop has: two CI jobs at once share one stack.
source "$(dirname "$0")/lib.sh"
sed -i 's|^project="reg-case-test-\${BUILD_ID}"$|project="reg-case-test"|' "$script"
sed -i 's|^name: reg-case-test-\${BUILD_ID:-local}$|name: reg-case-test|' "$stack"
grep -q '^project="reg-case-test"$' "$script"
