#!/usr/bin/env bash
# "5432:5432" on postgres, to use a desktop SQL client: the database on every interface.
source "$(dirname "$0")/lib.sh"
perl -0pi -e 's/(  postgres:\n    image: \S+\n)/$1    ports:\n      - "5432:5432"\n/' compose.yml
grep -n -A3 '^  postgres:' compose.yml
