#!/usr/bin/env bash
# Redis moved to a network of its own ("keep the cache separate"): the api can no longer resolve it.
# (Changes the workspace's stack.yml.)
source "$(dirname "$0")/lib.sh"
sed -i 's#networks: \[app-net\] \# mark:redis-net#networks: [cache-net]#; s#^networks:$#networks:\n  cache-net:\n    driver: overlay#' "$stack_file"
grep -q 'cache-net:' "$stack_file"
redeploy
# Redis has no health check and one replica: its task on the new network starts in seconds.
wait_updated reg-case_redis 60
echo "redis moved to cache-net"
