#!/usr/bin/env bash
# Supply-chain checks: bandit on the package source, pip-audit on the pinned
# image dependencies (requirements/image.txt, every pin with sha256 hashes).
#
# pip-audit reads the advisories of each pinned release from PyPI's JSON API.
# When it cannot (no network, or a release PyPI does not list), the step says
# so loudly and lists the packages left unaudited, then passes, because an
# unreachable advisory source is not a finding. Set SUPPLY_CHAIN_STRICT=1 to
# fail instead. A known vulnerability always fails the step.
set -euo pipefail
cd "$(dirname "$0")/../.."

# .ci/run creates .venv, and VENV may name another virtual environment.
venv_bin=$(cd "${VENV:-.venv}/bin" && pwd)
"$venv_bin/pip" install --quiet "bandit==1.9.4" "pip-audit==2.10.1"

echo "-- bandit: codedoc_action"
# .ci/bandit.yml lists the skipped checks with the reason for each. Single
# findings carry "# nosec <id>" with the reason on the line above.
"$venv_bin/bandit" --quiet --configfile .ci/bandit.yml --recursive codedoc_action

echo "-- pip-audit: requirements/image.txt"
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
set +e
"$venv_bin/pip-audit" \
    --requirement requirements/image.txt \
    --require-hashes \
    --disable-pip \
    --progress-spinner off \
    --format json \
    --output "$workdir/audit.json" \
    2>"$workdir/audit.err"
audit_status=$?
set -e

"$venv_bin/python" - "$workdir/audit.json" "$workdir/audit.err" "$audit_status" \
    "${SUPPLY_CHAIN_STRICT:-0}" <<'PY'
import json
import sys
from pathlib import Path

report_path, error_path, status, strict = sys.argv[1:5]
errors = Path(error_path).read_text(encoding="utf-8", errors="replace").strip()
report_text = ""
if Path(report_path).exists():
    report_text = Path(report_path).read_text(encoding="utf-8").strip()
if not report_text:
    print("NOT AUDITED: pip-audit produced no report (exit %s)." % status)
    print("The advisory source (PyPI's JSON API) was probably unreachable:")
    print(errors[-2000:] or "(no error output)")
    sys.exit(1 if strict == "1" else 0)

dependencies = json.loads(report_text).get("dependencies", [])
vulnerable = [d for d in dependencies if d.get("vulns")]
skipped = [d for d in dependencies if d.get("skip_reason")]
audited = len(dependencies) - len(skipped)
print(f"pip-audit: {len(dependencies)} pinned packages, {audited} audited, "
      f"{len(skipped)} not audited, {len(vulnerable)} with known vulnerabilities")
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: "
              f"{vuln['id']} (fixed in {fixed})")
if skipped:
    print(f"WARNING: {len(skipped)} packages were NOT audited:")
    for dependency in skipped:
        print(f"  {dependency['name']}: {dependency['skip_reason']}")
if vulnerable:
    sys.exit(1)
if skipped and strict == "1":
    sys.exit(1)
PY
