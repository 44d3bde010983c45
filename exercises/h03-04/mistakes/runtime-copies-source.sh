#!/usr/bin/env bash
# The runtime stage copies the whole project "to get the migrations", sources included.
source "$(dirname "$0")/lib.sh"
edit '^COPY migrations ./migrations' 's#^COPY migrations ./migrations#COPY . .#'
rebuild
