#!/usr/bin/env bash
# Only `docker inspect NAME`, which never says what kind of object it found, in a fresh history.
set -euo pipefail
rm -f /workspace/.laptop_history
HISTFILE=/workspace/.laptop_history bash -i >/dev/null 2>&1 <<'SH'
docker inspect mm-box --format '{{.State.Status}}'
docker inspect lab-net --format '{{.Driver}}'
SH
cat /workspace/.laptop_history
