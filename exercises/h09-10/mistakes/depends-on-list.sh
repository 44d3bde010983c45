#!/usr/bin/env bash
# depends_on as a list, as most tutorials write it: start order only, no readiness.
source "$(dirname "$0")/lib.sh"
perl -0pi -e 's/    depends_on:\n      postgres: \{ condition: service_healthy \}\n      redis: \{ condition: service_healthy \}\n      migrate: \{ condition: service_completed_successfully \}\n/    depends_on: [postgres, redis, migrate]\n/g' compose.yml
grep -n 'depends_on' compose.yml
