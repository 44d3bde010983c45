#!/usr/bin/env bash
# COPY . . before npm ci, so every source edit reinstalls every dependency.
source "$(dirname "$0")/lib.sh"
edit 's#^COPY package.json package-lock.json ./#COPY . .#' '^COPY \. \.'
rebuild copy-all-before-install
