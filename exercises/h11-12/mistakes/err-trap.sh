#!/usr/bin/env bash
# The cleanup trapped on ERR only ("clean up when it fails"): a passing run leaves its whole stack.
source "$(dirname "$0")/lib.sh"
sed -i 's|^trap cleanup EXIT$|trap cleanup ERR|; /^trap .exit 1[34][03]. \(INT\|TERM\)$/d' "$script"
grep -q '^trap cleanup ERR$' "$script"
