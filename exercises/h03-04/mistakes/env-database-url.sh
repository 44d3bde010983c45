#!/usr/bin/env bash
# ENV DATABASE_URL with the development password baked into the runtime stage.
source "$(dirname "$0")/lib.sh"
edit '^ENV NODE_ENV=production' 's#^ENV NODE_ENV=production#ENV DATABASE_URL=postgres://case:case_dev_secret@postgres:5432/case \\\n    NODE_ENV=production#'
rebuild
