#!/usr/bin/env bash
# restart: unless-stopped put on migrate like on every other service: it migrates in a loop.
source "$(dirname "$0")/lib.sh"
perl -pi -e 's/^    restart: "no".*$/    restart: unless-stopped/' compose.yml
grep -n 'restart:' compose.yml
