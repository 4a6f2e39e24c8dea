"""The optional ``.codedoc.yml``: shared defaults and several documentation jobs.

Example::

    defaults:
      provider: anthropic
      model: claude-sonnet-4-5
    jobs:
      - name: api
        paths: ["src/api/**"]
        confluence-page: "123456"
        instructions: Write for API consumers.
      - name: cli
        paths: ["src/cli/**"]
        confluence-page: "123457"

A job's own keys win over every other source; the file's ``defaults`` lose to
flags and environment variables. Secrets may not appear in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from codedoc_action.cli import SECRET_INPUTS
from codedoc_action.errors import SettingsError
from codedoc_action.settings import INPUT_NAMES, Settings, build_settings, merge_sources

JOB_KEYS = frozenset(
    {
        "paths",
        "exclude",
        "confluence-page",
        "confluence-space",
        "confluence-title",
        "confluence-parent",
        "instructions",
        "language",
        "model",
        "selection-model",
        "mode",
        "max-files",
        "max-tokens",
        "max-cost",
        "strict",
    }
)


@dataclass(frozen=True)
class Job:
    name: str
    settings: Settings


def load_config_file(path: str, workspace: str | None = None) -> dict[str, Any]:
    """Read and check the file's shape; raise SettingsError naming file and key."""
    file = Path(path)
    if not file.is_absolute() and workspace:
        file = Path(workspace) / file
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(
            [f"config: {path} not found; check the path or remove the config input"]
        ) from None
    except OSError as exc:
        raise SettingsError([f"config: cannot read {path}: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError([f"config: {path} is not valid YAML{where}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError([f"config: {path} must be a mapping with defaults/jobs"])
    problems = _check_shape(path, data)
    if problems:
        raise SettingsError(problems)
    return {"path": path, **data}


def _check_shape(path: str, data: Mapping[str, Any]) -> list[str]:
    problems = [
        f"config: {path}: unknown key {key!r}; expected defaults or jobs"
        for key in data
        if key not in ("defaults", "jobs")
    ]
    defaults = data.get("defaults", {}) or {}
    if not isinstance(defaults, dict):
        problems.append(f"config: {path}: defaults must be a mapping of inputs")
    else:
        problems.extend(_check_keys(path, "defaults", defaults, set(INPUT_NAMES)))
    jobs = data.get("jobs", []) or []
    if not isinstance(jobs, list):
        problems.append(f"config: {path}: jobs must be a list")
        return problems
    seen: set[str] = set()
    for index, job in enumerate(jobs):
        if not isinstance(job, dict):
            problems.append(f"config: {path}: jobs[{index}] must be a mapping")
            continue
        name = str(job.get("name", "")).strip()
        label = f"job {name!r}" if name else f"jobs[{index}]"
        if not name:
            problems.append(f"config: {path}: {label}: missing name")
        elif name in seen:
            problems.append(f"config: {path}: {label}: duplicate job name")
        seen.add(name)
        keys = {k: v for k, v in job.items() if k != "name"}
        problems.extend(_check_keys(path, label, keys, set(JOB_KEYS)))
    return problems


def _check_keys(
    path: str, label: str, values: Mapping[str, Any], allowed: set[str]
) -> list[str]:
    problems = []
    for key in values:
        if key in SECRET_INPUTS:
            problems.append(
                f"config: {path}: {label}: {key} must not be stored in a file; "
                "pass it as a secret input or variable"
            )
        elif key not in allowed:
            problems.append(
                f"config: {path}: {label}: unknown key {key!r}; "
                f"expected one of {', '.join(sorted(allowed))}"
            )
    return problems


def _as_input(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def job_settings(
    config: Mapping[str, Any], given: Mapping[str, Any], only: str | None = None
) -> list[Job]:
    """Build one Settings per job; SettingsError lines name the file and job."""
    path = config.get("path", ".codedoc.yml")
    defaults = {k: _as_input(v) for k, v in (config.get("defaults") or {}).items()}
    jobs = []
    problems: list[str] = []
    names = [str(job.get("name")) for job in config.get("jobs") or []]
    if only is not None and only not in names:
        raise SettingsError(
            [f"job: {only!r} not found in {path}; jobs: {', '.join(names) or 'none'}"]
        )
    for job in config.get("jobs") or []:
        name = str(job["name"])
        if only is not None and name != only:
            continue
        own = {k: _as_input(v) for k, v in job.items() if k != "name"}
        try:
            settings = build_settings(merge_sources(own, given, defaults))
        except SettingsError as exc:
            problems.extend(f"config: {path}: job {name!r}: {p}" for p in exc.problems)
            continue
        jobs.append(Job(name=name, settings=settings))
    if problems:
        raise SettingsError(problems)
    return jobs
