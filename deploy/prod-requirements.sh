#!/bin/sh
# The production image's lock: requirements.txt without the packages named in deploy/dev-only-packages.txt.
# Used by the Dockerfile and checked by tests/deploy/test_image.py.
#   deploy/prod-requirements.sh [requirements.txt [dev-only-packages.txt]]
set -eu
here=$(dirname "$0")
requirements=${1:-$here/../requirements.txt}
dev_only=${2:-$here/dev-only-packages.txt}
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
# "name" -> "^name==" (case-insensitive below; names are spelled as in requirements.txt)
grep -v -e '^#' -e '^[[:space:]]*$' "$dev_only" | sed 's/.*/^&==/' > "$patterns"
grep -viE -f "$patterns" "$requirements"
