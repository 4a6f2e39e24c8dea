"""Run the action's image the way a GitHub runner runs a Docker action.

The runner (actions/runner, ``ContainerActionHandler``) mounts five host
folders into the container: the checkout at /github/workspace, the runner's
temp folder at /github/runner_temp, its ``_github_home`` at /github/home, the
event payload's folder at /github/workflow and the file-command folder at
/github/file_commands. It passes every input declared in action.yml as
``INPUT_<NAME>`` (upper case, hyphens kept), with the declared default when
the workflow sets none, and rewrites host paths in variables to these container
paths. The container runs as root with /github/workspace as working directory.

Here buildah runs the container with chroot isolation, which shares the host
network, so servers the tests start on 127.0.0.1 are reachable from inside.
A run without network starts buildah in a new, empty network namespace
(``unshare --net``), where even the loopback interface is down.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTION_YML = REPO_ROOT / "action.yml"
DEFAULT_IMAGE = "localhost/codedoc-action:ci"
GITHUB_TOKEN_EXPRESSION = "${{ github.token }}"


def image_name() -> str:
    return os.environ.get("CODEDOC_IMAGE", DEFAULT_IMAGE)


def image_entrypoint(image: str) -> list[str]:
    """Return the ENTRYPOINT of ``image``, which buildah run does not apply."""
    completed = subprocess.run(
        ["buildah", "inspect", "--type", "image", image],
        check=True,
        capture_output=True,
        text=True,
    )
    entrypoint: list[str] = json.loads(completed.stdout)["OCIv1"]["config"][
        "Entrypoint"
    ]
    return entrypoint


def action_inputs(
    overrides: Mapping[str, str], github_token: str = ""
) -> dict[str, str]:
    """Return INPUT_* variables for every action.yml input, as the runner sets them.

    Inputs the workflow leaves out get their declared default (the
    ``github.token`` expression evaluates to ``github_token``) or "".
    """
    declared: dict[str, Any] = yaml.safe_load(ACTION_YML.read_text("utf-8"))["inputs"]
    unknown = set(overrides) - set(declared)
    if unknown:
        raise ValueError(f"inputs not declared in action.yml: {sorted(unknown)}")
    variables: dict[str, str] = {}
    for name, spec in declared.items():
        value = str(spec.get("default", ""))
        if value == GITHUB_TOKEN_EXPRESSION:
            value = github_token
        value = overrides.get(name, value)
        variables[f"INPUT_{name.upper()}"] = value
    return variables


@dataclass
class RunnerFolders:
    """Host folders a runner mounts into a Docker action's container."""

    workspace: Path
    runner_temp: Path
    home: Path
    workflow: Path
    file_commands: Path
    output_file: str
    summary_file: str

    @classmethod
    def create(cls, root: Path, workspace: Path) -> RunnerFolders:
        runner_temp = root / "_temp"
        folders = cls(
            workspace=workspace,
            runner_temp=runner_temp,
            home=runner_temp / "_github_home",
            workflow=runner_temp / "_github_workflow",
            file_commands=runner_temp / "_runner_file_commands",
            output_file=f"set_output_{uuid.uuid4()}",
            summary_file=f"step_summary_{uuid.uuid4()}",
        )
        for folder in (folders.home, folders.workflow, folders.file_commands):
            folder.mkdir(parents=True, exist_ok=True)
        for name in (folders.output_file, folders.summary_file):
            (folders.file_commands / name).touch()
        return folders

    def mounts(self) -> list[tuple[Path, str]]:
        return [
            (self.runner_temp, "/github/runner_temp"),
            (self.home, "/github/home"),
            (self.workflow, "/github/workflow"),
            (self.file_commands, "/github/file_commands"),
            (self.workspace, "/github/workspace"),
        ]

    def write_event(self, payload: Mapping[str, Any]) -> None:
        text = json.dumps(payload, indent=2)
        (self.workflow / "event.json").write_text(text, encoding="utf-8")

    @property
    def outputs(self) -> dict[str, str]:
        text = (self.file_commands / self.output_file).read_text("utf-8")
        return parse_output_file(text)

    @property
    def summary(self) -> str:
        return (self.file_commands / self.summary_file).read_text("utf-8")


def runner_environment(
    folders: RunnerFolders,
    *,
    event_name: str,
    sha: str,
    ref: str,
    repository: str = "octo-org/inventory",
    api_url: str = "http://127.0.0.1:9",
    server_url: str = "https://github.com",
) -> dict[str, str]:
    """Return the GITHUB_* and RUNNER_* variables, with container paths."""
    owner = repository.split("/", 1)[0]
    return {
        "HOME": "/github/home",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION": "__self",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_API_URL": api_url,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_JOB": "docs",
        "GITHUB_OUTPUT": f"/github/file_commands/{folders.output_file}",
        "GITHUB_REF": ref,
        "GITHUB_REF_NAME": ref.rsplit("/", 1)[-1],
        "GITHUB_REF_TYPE": "branch",
        "GITHUB_REPOSITORY": repository,
        "GITHUB_REPOSITORY_OWNER": owner,
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_RUN_ID": "1000001",
        "GITHUB_RUN_NUMBER": "7",
        "GITHUB_SERVER_URL": server_url,
        "GITHUB_SHA": sha,
        "GITHUB_STEP_SUMMARY": f"/github/file_commands/{folders.summary_file}",
        "GITHUB_WORKFLOW": "Documentation",
        "GITHUB_WORKSPACE": "/github/workspace",
        "RUNNER_ARCH": "X64",
        "RUNNER_NAME": "container-test",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": "/github/runner_temp",
    }


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_container(
    image: str,
    folders: RunnerFolders,
    env: Mapping[str, str],
    command: list[str] | None = None,
    timeout: float = 240,
    network: bool = True,
) -> ActionRun:
    """Run ``command`` (default: the image's ENTRYPOINT) in a new container.

    ``network=False`` gives the container no network interface that is up.
    """
    argv = command if command is not None else image_entrypoint(image)
    container = subprocess.run(
        ["buildah", "from", "--pull=never", image],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    run = [] if network else ["unshare", "--net"]
    run += ["buildah", "run", "--isolation=chroot", "--workingdir", "/github/workspace"]
    for name, value in env.items():
        run += ["--env", f"{name}={value}"]
    for host, inside in folders.mounts():
        run += ["--volume", f"{host}:{inside}"]
    run += [container, "--", *argv]
    started = time.monotonic()
    try:
        completed = subprocess.run(
            run, capture_output=True, text=True, timeout=timeout, check=False
        )
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True, check=False)
    return ActionRun(
        completed.returncode,
        completed.stdout,
        completed.stderr,
        time.monotonic() - started,
    )


def parse_output_file(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                raise ValueError(f"output {name!r}: delimiter {delimiter!r} not found")
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
        elif line.strip():
            raise ValueError(f"invalid GITHUB_OUTPUT line: {line!r}")
    return outputs


def tools_available() -> bool:
    return shutil.which("buildah") is not None
