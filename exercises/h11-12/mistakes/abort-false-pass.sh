#!/usr/bin/env bash
# The seed's and many tutorials' command: `up --abort-on-container-exit --exit-code-from test-runner`.
# migrate exits 0 first, Compose stops everything, and the script exits 0 with no test run.
source "$(dirname "$0")/lib.sh"
sed -i 's|^"\${compose\[@\]}" run --rm test-runner$|"${compose[@]}" up --abort-on-container-exit --exit-code-from test-runner|' "$script"
grep -q -- '--abort-on-container-exit' "$script"
