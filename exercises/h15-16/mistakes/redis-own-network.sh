#!/usr/bin/env bash
# Redis is moved to a network of its own, so the api cannot resolve it.
source "$(dirname "$0")/lib.sh"
edit 's#networks: \[app-net\] \# mark:redis-net#networks: [cache-net]#; s#^networks:$#networks:\n  cache-net:\n    driver: overlay#' 'networks: \[cache-net\]'
redeploy
# The probe must meet the new Redis task, not the old one still on app-net.
settle redis 60
echo "redis moved to cache-net"
