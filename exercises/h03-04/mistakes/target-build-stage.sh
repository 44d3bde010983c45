#!/usr/bin/env bash
# The Dockerfile is right, but the image is built with --target build (copied from a CI script).
source "$(dirname "$0")/lib.sh"
rebuild --target build
