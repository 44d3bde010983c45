#!/usr/bin/env bash
# The entrypoint writes a marker file into the home directory at start, which a read-only root refuses.
source "$(dirname "$0")/lib.sh"
# Fine on a writable root, fatal on a read-only one.
edit 's#^ENTRYPOINT .*#ENTRYPOINT ["sh", "-c", "date > /home/node/.started-at \&\& exec node dist/main.js \\"$@\\"", "--"]#' '^ENTRYPOINT \["sh"'
rebuild writes-home-at-start
