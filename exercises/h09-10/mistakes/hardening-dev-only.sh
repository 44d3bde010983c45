#!/usr/bin/env bash
# The hardening moved from compose.yml into compose.dev.yml "to keep the base short".
source "$(dirname "$0")/lib.sh"
perl -0pi -e 's/    read_only: true\n    tmpfs: \[\/tmp\]\n    cap_drop: \[ALL\]\n    security_opt: \["no-new-privileges:true"\]\n//g' compose.yml
perl -0pi -e 's/(  (api|worker):\n    environment:\n      LOG_LEVEL: debug\n)/$1    read_only: true\n    tmpfs: [\/tmp]\n    cap_drop: [ALL]\n    security_opt: ["no-new-privileges:true"]\n/g' compose.dev.yml
grep -c read_only compose.yml compose.dev.yml || true
