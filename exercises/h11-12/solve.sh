#!/usr/bin/env bash
# Hours 11-12, solved: the image from hours 3-4, plus the test harness in the app folder:
# compose.test.yml (standalone: the whole platform, no host ports) and scripts/integration-test.sh.
# It writes only those two files (and builds the image); mistakes are scripts in mistakes/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
app=/workspace/reg-case-platform

bash "$here/../h03-04/solve.sh"
mkdir -p "$app/scripts"
cp "$here/compose.test.yml" "$app/compose.test.yml"
cp "$here/integration-test.sh" "$app/scripts/integration-test.sh"
chmod +x "$app/scripts/integration-test.sh"
echo "wrote $app/compose.test.yml and $app/scripts/integration-test.sh"
