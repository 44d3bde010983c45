#!/usr/bin/env bash
# COPY . . before npm ci, so every source edit reinstalls every dependency.
source "$(dirname "$0")/lib.sh"
edit '^COPY package.json package-lock.json ./' 's#^COPY package.json package-lock.json ./#COPY . .#'
rebuild
