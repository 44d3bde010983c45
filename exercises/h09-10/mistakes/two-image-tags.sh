#!/usr/bin/env bash
# worker and migrate each get `build: .` and a tag of their own: three builds of one Dockerfile.
source "$(dirname "$0")/lib.sh"
perl -0pi -e 's/(  worker:\n)    image: \S+.*\n/$1    image: registry:5000\/reg-case-platform:worker\n    build: .\n/; s/(  migrate:\n)    image: \S+.*\n/$1    image: registry:5000\/reg-case-platform:migrate\n    build: .\n/' compose.yml
grep -n -A2 -E '^  (worker|migrate):' compose.yml
