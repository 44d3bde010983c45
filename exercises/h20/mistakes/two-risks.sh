#!/usr/bin/env bash
# The third risk left as the template's placeholders.
set -euo pipefail
f=/workspace/reg-case-platform/ops/risks.md
perl -0pi -e 's/## Risk 3:.*\z/## Risk 3: <what could go wrong>\n\n- Likelihood: <low | medium | high>\n- Impact: <low | medium | high>\n- Mitigation: <what you would do next, and who owns it>\n/s' "$f"
cat "$f"
