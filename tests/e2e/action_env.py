"""The environment GitHub gives a Docker action, for running entrypoint.py."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from codedoc_action.settings import INPUT_NAMES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "github-events"


@dataclass(frozen=True)
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]
    runner_temp: Path

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


def push_payload(before: str, after: str, branch: str = "main") -> dict[str, object]:
    """Return a push payload in the shape Actions writes, for our own commits."""
    payload = json.loads((FIXTURES / "push-normal.json").read_text(encoding="utf-8"))
    event = copy.deepcopy(payload)
    event.update(
        ref=f"refs/heads/{branch}",
        before=before,
        after=after,
        created=False,
        deleted=False,
        forced=False,
    )
    repository = dict(event["repository"])
    repository["default_branch"] = branch
    event["repository"] = repository
    return dict(event)


def action_env(
    workspace: Path,
    home: Path,
    event_name: str,
    payload: Mapping[str, object],
    inputs: Mapping[str, str],
    sha: str,
    ref: str = "refs/heads/main",
) -> dict[str, str]:
    """Build the variables of a Docker action step, every input present.

    GitHub sets ``INPUT_<NAME>`` for each declared input, with the name
    upper-cased and hyphens kept, and an empty value where none was given.
    """
    files = home / "file_commands"
    files.mkdir(parents=True, exist_ok=True)
    event_path = home / "workflow" / "event.json"
    event_path.parent.mkdir(parents=True, exist_ok=True)
    event_path.write_text(json.dumps(payload), encoding="utf-8")
    runner_temp = home / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    (files / "step_summary").touch()
    (files / "output").touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_SHA": sha,
        "GITHUB_REF": ref,
        "GITHUB_REPOSITORY": "octo-org/sample",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "https://api.github.com",
        "GITHUB_STEP_SUMMARY": str(files / "step_summary"),
        "GITHUB_OUTPUT": str(files / "output"),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_OS": "Linux",
    }
    for name in INPUT_NAMES:
        env[f"INPUT_{name.upper()}"] = inputs.get(name, "")
    unknown = set(inputs) - set(INPUT_NAMES)
    if unknown:
        raise ValueError(f"not action inputs: {sorted(unknown)}")
    return env


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file, including ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            index += 1
            while lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            outputs[name] = "\n".join(block)
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
        index += 1
    return outputs


def run_action(env: Mapping[str, str], timeout: float = 240) -> ActionRun:
    """Run entrypoint.py as the container would, from the workspace folder."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        env=dict(env),
        cwd=env["GITHUB_WORKSPACE"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    summary_path = Path(env["GITHUB_STEP_SUMMARY"])
    summary = summary_path.read_text(encoding="utf-8")
    summary_path.write_text("", encoding="utf-8")
    output_path = Path(env["GITHUB_OUTPUT"])
    outputs = read_outputs(output_path)
    output_path.write_text("", encoding="utf-8")
    return ActionRun(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        summary=summary,
        outputs=outputs,
        runner_temp=Path(env["RUNNER_TEMP"]),
    )
