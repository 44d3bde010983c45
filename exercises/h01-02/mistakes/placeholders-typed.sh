#!/usr/bin/env bash
# The seed's commands typed as they are written, placeholders and all, in a fresh history.
set -euo pipefail
rm -f /workspace/.laptop_history
HISTFILE=/workspace/.laptop_history bash -i >/dev/null 2>&1 <<'SH' || true
docker image inspect <image>
docker container inspect <container>
docker network inspect <network>
docker volume inspect <volume>
SH
cat /workspace/.laptop_history
