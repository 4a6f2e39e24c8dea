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

import difflib
import re
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
        # _UniqueKeyLoader is a SafeLoader, so no tag can build a Python object.
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise SettingsError(
            [f"config: {path} is not valid YAML{where}{detail}"]
        ) from None
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
        allowed = set(INPUT_NAMES) - {"config"}
        problems.extend(_check_keys(path, "defaults", defaults, allowed))
    jobs = data.get("jobs", []) or []
    if not isinstance(jobs, list):
        problems.append(f"config: {path}: jobs must be a list")
        return problems
    seen: set[str] = set()
    for index, job in enumerate(jobs):
        if not isinstance(job, dict):
            problems.append(f"config: {path}: jobs[{index}] must be a mapping")
            continue
        raw_name = job.get("name", "")
        name = str(raw_name).strip() if isinstance(raw_name, str | int) else ""
        label = f"job {name!r}" if name else f"jobs[{index}]"
        if not name:
            problems.append(f"config: {path}: {label}: missing name")
        elif not JOB_NAME.match(name):
            problems.append(f"config: {path}: {label}: {JOB_NAME_RULE}")
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
        spelled = str(key).replace("_", "-")
        if spelled in SECRET_INPUTS:
            problems.append(
                f"config: {path}: {label}: {key} must not be stored in a file; "
                "pass it as a secret input or variable"
            )
        elif key not in allowed:
            problems.append(
                f"config: {path}: {label}: unknown key {key!r}; "
                f"{_suggest(spelled, allowed)}"
            )
    return problems


# --- validation helpers -------------------------------------------------------

# Job names become file names, comment markers, matrix values and --job flags.
JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
JOB_NAME_RULE = (
    "invalid name; use 1 to 64 letters, digits, '.', '_' or '-', starting with "
    "a letter or digit"
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects a key given twice in one mapping.

    Plain PyYAML keeps the last value silently, which would drop a job's
    setting without a word.
    """


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[str] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str):
            continue
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _suggest(key: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"expected one of {', '.join(sorted(allowed))}"


# --- building settings ----------------------------------------------------------


def _as_input(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def job_settings(
    config: Mapping[str, Any],
    given: Mapping[str, Any],
    only: str | None = None,
    command: str = "run",
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
            settings = build_settings(merge_sources(own, given, defaults), command)
        except SettingsError as exc:
            problems.extend(f"config: {path}: job {name!r}: {p}" for p in exc.problems)
            continue
        jobs.append(Job(name=name, settings=settings))
    if problems:
        raise SettingsError(problems)
    return jobs
