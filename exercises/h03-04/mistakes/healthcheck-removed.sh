#!/usr/bin/env bash
# The HEALTHCHECK instruction is dropped, so nothing tells Docker or Swarm whether the app serves.
source "$(dirname "$0")/lib.sh"
edit '^HEALTHCHECK ' '/^HEALTHCHECK /,/CMD \[/d'
rebuild
