#!/usr/bin/env bash
# Regenerate requirements/image.txt: the image's Python dependencies, pinned
# with the sha256 of every wheel and sdist of each pinned release, so one file
# serves both linux/amd64 and linux/arm64 builds.
#
# Run from any directory with pip-tools installed (pip install pip-tools), on
# Python 3.11, the version Debian bookworm ships in the image:
#   bash requirements/compile.sh            # keep current pins where possible
#   bash requirements/compile.sh --upgrade  # move every pin to its newest release
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOM_COMPILE_COMMAND="bash requirements/compile.sh" pip-compile \
    --quiet \
    --generate-hashes \
    --allow-unsafe \
    --strip-extras \
    --no-emit-index-url \
    --no-emit-find-links \
    --output-file requirements/image.txt \
    "$@" \
    pyproject.toml requirements/build.in
