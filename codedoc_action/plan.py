"""``codedoc plan``: the config jobs whose paths the event's range changes.

The plan is a matrix for a fan-out, one entry per job to run:

- GitHub Actions: ``{"include": [{"job": "api"}, ...]}`` printed as the last
  line of the output and written to the ``matrix`` step output, for
  ``strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}``.
- GitLab CI: ``parallel:matrix`` cannot read values at run time, so the plan
  also writes ``codedoc-matrix.yml`` into the report folder, a hidden job
  ``.codedoc-matrix`` with ``parallel: matrix: [{CODEDOC_JOB: [...]}]`` for a
  child pipeline to include and extend (``docs/gitlab.md`` shows how).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from codedoc_action.changes.collect import collect_changes, host_for
from codedoc_action.changes.filters import FileFilter
from codedoc_action.changes.git import Git
from codedoc_action.changes.model import ChangeSet
from codedoc_action.changes.range import NothingToDo
from codedoc_action.ci.events import CiEvent, event_from_env
from codedoc_action.ci.platform import Platform
from codedoc_action.config import Job
from codedoc_action.errors import SettingsError
from codedoc_action.http import HostAllowList
from codedoc_action.settings import Settings

logger = logging.getLogger(__name__)

GITLAB_MATRIX_FILE = "codedoc-matrix.yml"
GITLAB_MATRIX_JOB = ".codedoc-matrix"
GITLAB_MATRIX_VARIABLE = "CODEDOC_JOB"
GITLAB_EMPTY_JOB = "codedoc-nothing-to-document"


def run_plan(
    settings: Settings, jobs: list[Job], platform: Platform, env: Mapping[str, str]
) -> int:
    """Print and output the matrix of jobs to run; return the exit code (0)."""
    if not jobs:
        raise SettingsError(
            [
                "config: codedoc plan needs a .codedoc.yml that lists jobs; set "
                "the config input (CODEDOC_CONFIG or --config) to that file"
            ]
        )
    event = event_from_env(env)
    changes = _collect(settings, event, platform, env)
    names = [job.name for job in select_jobs(jobs, changes)]

    logger.info(
        "plan: %d of %d job(s) to run: %s",
        len(names),
        len(jobs),
        ", ".join(names) or "none",
    )

    matrix = {"include": [{"job": name} for name in names]}
    text = json.dumps(matrix, separators=(",", ":"))
    (platform.output_dir / "plan.json").write_text(text + "\n", encoding="utf-8")
    if platform.name == "gitlab":
        path = write_gitlab_matrix(platform.output_dir, names)
        logger.info("plan: GitLab matrix written to %s", path)

    platform.write_outputs(
        {"matrix": text, "jobs": json.dumps(names), "count": str(len(names))}
    )
    platform.stream.write(text + "\n")
    platform.stream.flush()
    return 0


def _collect(
    settings: Settings, event: CiEvent, platform: Platform, env: Mapping[str, str]
) -> ChangeSet | NothingToDo:
    allowed = HostAllowList()
    api = event.api_url if event.platform == "github" else event.server_url
    if api:
        allowed.add(api)
    host = host_for(event, settings.github_token, allowed)
    # NOTE: the plan reads no page, so it lacks the last documented commit. A
    # manual or scheduled run's range is then the whole tree, and every job
    # with a matching file is planned. Each run narrows its own range later.
    return collect_changes(
        Git(platform.workspace),
        event,
        base=settings.base,
        head=settings.head,
        host=host,
    )


def select_jobs(jobs: Sequence[Job], changes: ChangeSet | NothingToDo) -> list[Job]:
    """Return the jobs a change set concerns, in config order.

    A job without ``paths`` always runs, unless the event leaves nothing to
    document. A listing cut by an API cap may hide a match, so then every job
    runs.
    """
    if isinstance(changes, NothingToDo):
        logger.info("plan: %s", changes.reason)
        return []
    if changes.truncated:
        logger.warning(
            "plan: the changed-file list was cut by the Git host's cap; planning "
            "every job"
        )
        return list(jobs)
    selected = []
    for job in jobs:
        if not job.settings.paths:
            selected.append(job)
            continue
        file_filter = FileFilter(job.settings.paths, job.settings.exclude)
        kept, _ = file_filter.split(changes.files)
        if kept:
            logger.debug("plan: job %s matches %s", job.name, kept[0].path)
            selected.append(job)
    return selected


def gitlab_matrix(names: Sequence[str]) -> dict[str, object]:
    """Return the child-pipeline fragment for GitLab's ``parallel:matrix``.

    The hidden job carries ``rules`` in both cases, because a job's own rules
    (the component's) win over those it extends: the child job must take
    them with ``rules: !reference [.codedoc-matrix, rules]``. An empty plan
    cannot use ``parallel:matrix``, which needs a value, and a child pipeline
    needs a job, so it gets a job that only reports the empty plan.
    """
    if names:
        matrix = [{GITLAB_MATRIX_VARIABLE: list(names)}]
        hidden = {"parallel": {"matrix": matrix}, "rules": [{"when": "on_success"}]}
        return {GITLAB_MATRIX_JOB: hidden}
    return {
        GITLAB_MATRIX_JOB: {"rules": [{"when": "never"}]},
        GITLAB_EMPTY_JOB: {
            "variables": {"GIT_STRATEGY": "none"},
            "script": ["echo 'codedoc plan: no job has changes in this range'"],
        },
    }


def write_gitlab_matrix(folder: Path, names: Sequence[str]) -> Path:
    """Write ``codedoc-matrix.yml`` into ``folder``; return its path."""
    path = folder / GITLAB_MATRIX_FILE
    header = "# Written by codedoc plan: the config jobs this range changes.\n"
    body = yaml.safe_dump(gitlab_matrix(names), sort_keys=False)
    path.write_text(header + body, encoding="utf-8")
    return path
