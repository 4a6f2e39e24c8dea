#!/usr/bin/env bash
# GitLab CI/CD component: runs templates/codedoc.yml in real pipelines under
# gitlab-ci-local with the shell executor (tests/gitlab/test_component.py).
# gitlab-ci-local is pinned to 4.60.1 because newer releases need Node 22;
# its shell executor copies files with rsync.
set -euo pipefail
cd "$(dirname "$0")/../.."

tools="${TMPDIR:-/tmp}/codedoc-ci-tools"
version="4.60.1"

if ! command -v rsync >/dev/null 2>&1; then
    echo "installing rsync"
    sudo_cmd=""
    if [ "$(id -u)" != "0" ]; then
        sudo_cmd="sudo"
    fi
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends rsync
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: install Node.js 18 or 20 with npm (Debian: apt-get install npm)" >&2
    exit 1
fi

if [ ! -x "$tools/node_modules/.bin/gitlab-ci-local" ] \
    || [ "$("$tools/node_modules/.bin/gitlab-ci-local" --version)" != "$version" ]; then
    echo "installing gitlab-ci-local $version into $tools"
    mkdir -p "$tools"
    npm install --silent --no-save --no-fund --no-audit --prefix "$tools" \
        "gitlab-ci-local@$version"
fi
export PATH="$tools/node_modules/.bin:$PATH"
gitlab-ci-local --version

CODEDOC_GITLAB_TESTS=1 .venv/bin/python -m pytest -p no:cacheprovider -q tests/gitlab
