#!/usr/bin/env bash
# The worker scaled to 0 while debugging and never scaled back.
source "$(dirname "$0")/lib.sh"
"${sw[@]}" service scale --detach reg-case_worker=0 >/dev/null
echo "reg-case_worker scaled to 0"
