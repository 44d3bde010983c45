#!/usr/bin/env bash
# USER root, left over from debugging a permission problem.
source "$(dirname "$0")/lib.sh"
edit 's#^USER node#USER root#' '^USER root'
rebuild user-root
