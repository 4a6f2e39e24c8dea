#!/usr/bin/env bash
# Lint the action: action.yml against GitHub's action schema, the workflows and
# examples with actionlint and zizmor, the Dockerfile with hadolint, and the
# container scripts with shellcheck. Every linter runs offline.
set -euo pipefail
cd "$(dirname "$0")/../.."

# .ci/run creates .venv, and VENV may name another virtual environment.
venv_bin=$(cd "${VENV:-.venv}/bin" && pwd)
"$venv_bin/pip" install --quiet --requirement requirements/lint.txt
# actionlint runs shellcheck on run: scripts when it finds it on PATH.
export PATH="$venv_bin:$PATH"

shopt -s nullglob
workflows=(.github/workflows/*.yml examples/*.yml)

echo "-- check-jsonschema: action.yml"
check-jsonschema --builtin-schema vendor.github-actions action.yml
echo "-- check-jsonschema: workflows"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"

echo "-- actionlint"
actionlint "${workflows[@]}"

echo "-- zizmor"
# The auditor persona reports every finding, false positives included. Each
# accepted finding has an ignore comment with its reason at its line.
zizmor --offline --quiet --no-progress --persona=auditor action.yml "${workflows[@]}"

echo "-- hadolint"
hadolint Dockerfile

echo "-- shellcheck"
shellcheck .ci/steps/20-lint-action.sh .ci/steps/30-container.sh \
    requirements/compile.sh
