#!/usr/bin/env bash
# USER root, left over from debugging a permission problem.
source "$(dirname "$0")/lib.sh"
edit '^USER node' 's#^USER node#USER root#'
rebuild
