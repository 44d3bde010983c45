#!/usr/bin/env bash
# The source label keeps the template's placeholder.
source "$(dirname "$0")/lib.sh"
edit 'org.opencontainers.image.source=' 's#org.opencontainers.image.source="[^"]*"#org.opencontainers.image.source="https://github.com/<org>/<repo>"#'
rebuild
