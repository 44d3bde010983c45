#!/usr/bin/env bash
# The seed job's profile dropped, so every plain `up` seeds demo data.
source "$(dirname "$0")/lib.sh"
perl -ni -e 'print unless /^    profiles: \["seed"\]/' compose.dev.yml
grep -n -A3 '^  seed:' compose.dev.yml
