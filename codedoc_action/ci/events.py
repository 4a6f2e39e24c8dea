"""The CI event that started the run, read from an environment mapping.

``event_from_env`` recognises GitHub Actions (``GITHUB_ACTIONS``), GitLab CI
(``GITLAB_CI``) and a local run, and returns one ``CiEvent`` value. Nothing
here reads ``os.environ``: callers pass the mapping, so tests pass a dict.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from codedoc_action.changes.git import is_zero_sha
from codedoc_action.errors import EventError

logger = logging.getLogger(__name__)

Platform = Literal["github", "gitlab", "local"]
EventKind = Literal[
    "push",  # a branch moved: before..after
    "pull_request",  # a pull or merge request: base..head
    "merge_group",  # a merge queue group: base..head
    "manual",  # workflow_dispatch, GitLab web/api/trigger runs, other events
    "schedule",  # a cron run
    "tag",  # a tag was pushed or deleted: nothing to document
    "branch_deleted",  # a branch was deleted: nothing to document
    "local",  # no CI: the checked-out HEAD
]
_COMMIT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
GITHUB_PULL_REQUEST_EVENTS = frozenset(
    {
        "pull_request",
        "pull_request_target",
        "pull_request_review",
        "pull_request_review_comment",
    }
)
GITLAB_MANUAL_SOURCES = frozenset(
    {"web", "api", "trigger", "pipeline", "parent_pipeline", "chat", "webide"}
)


@dataclass(frozen=True)
class CiEvent:
    """What started the run, with the commits each kind of event names.

    ``sha`` is the checked-out commit (``GITHUB_SHA``, ``CI_COMMIT_SHA``, or
    ``HEAD`` locally). On a pull request it may be the test merge commit, so
    the range uses ``base`` and ``head`` instead. ``before`` is None when the
    host sent the all-zero id (a new branch, or a GitLab run without one).
    """

    platform: Platform
    name: str
    kind: EventKind
    sha: str
    ref: str = ""
    before: str | None = None
    after: str | None = None
    base: str | None = None
    head: str | None = None
    forced: bool | None = None
    created: bool = False
    default_branch: str = ""
    repository: str = ""
    project_id: str = ""
    api_url: str = ""
    server_url: str = ""
    pull_number: int | None = None
    inputs: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    payload_path: str = ""

    @property
    def branch(self) -> str:
        """The branch name of ``ref``, or "" when the ref is not a branch."""
        if self.ref.startswith("refs/heads/"):
            return self.ref.removeprefix("refs/heads/")
        if self.ref.startswith("refs/"):
            return ""
        return self.ref

    @property
    def does_nothing(self) -> bool:
        """True for events that leave nothing to document (tags, deletions)."""
        return self.kind in ("tag", "branch_deleted")

    def input_overrides(
        self, known: frozenset[str] | tuple[str, ...]
    ) -> dict[str, str]:
        """Return dispatch inputs whose names match ``known`` input names.

        Workflow inputs are often written with underscores (``max_files``), so
        both spellings match the hyphenated input name.
        """
        overrides: dict[str, str] = {}
        for name, value in self.inputs.items():
            hyphenated = name.replace("_", "-")
            if hyphenated in known and value.strip() != "":
                overrides[hyphenated] = value
        return overrides


def event_from_env(env: Mapping[str, str]) -> CiEvent:
    """Build the event from CI variables: GitHub, GitLab, else a local run."""
    if env.get("GITHUB_ACTIONS") == "true":
        return github_event(env)
    if env.get("GITLAB_CI") == "true":
        return gitlab_event(env)
    return CiEvent(platform="local", name="local", kind="local", sha="HEAD")


def github_event(env: Mapping[str, str]) -> CiEvent:
    """Build the event from ``GITHUB_*`` variables and the event payload file."""
    name = env.get("GITHUB_EVENT_NAME", "").strip()
    if not name:
        raise EventError(
            "GITHUB_EVENT_NAME is missing; the action must run inside a GitHub "
            "Actions job, or unset GITHUB_ACTIONS to run locally"
        )

    path = env.get("GITHUB_EVENT_PATH", "").strip()
    payload = _read_payload(path)
    repository = payload.get("repository")
    default_branch = ""
    if isinstance(repository, dict):
        default_branch = str(repository.get("default_branch") or "")
    common: dict[str, Any] = {
        "platform": "github",
        "name": name,
        "sha": env.get("GITHUB_SHA", "").strip() or "HEAD",
        "ref": env.get("GITHUB_REF", "").strip(),
        "default_branch": default_branch,
        "repository": env.get("GITHUB_REPOSITORY", "").strip(),
        "api_url": env.get("GITHUB_API_URL", "").strip() or "https://api.github.com",
        "server_url": env.get("GITHUB_SERVER_URL", "").strip() or "https://github.com",
        "payload_path": path,
    }

    reader = _PayloadReader(payload, path, name)
    if name == "push":
        return _github_push(reader, common)
    if name in GITHUB_PULL_REQUEST_EVENTS:
        pull = reader.object("pull_request")
        return CiEvent(
            kind="pull_request",
            base=reader.commit(pull, "pull_request.base.sha", "base", "sha"),
            head=reader.commit(pull, "pull_request.head.sha", "head", "sha"),
            pull_number=reader.number(pull, "pull_request.number"),
            **common,
        )
    if name == "merge_group":
        group = reader.object("merge_group")
        return CiEvent(
            kind="merge_group",
            base=reader.commit(group, "merge_group.base_sha", "base_sha"),
            head=reader.commit(group, "merge_group.head_sha", "head_sha"),
            **common,
        )
    if name == "schedule":
        return CiEvent(kind="schedule", **common)
    if name != "workflow_dispatch":
        logger.info("event %s has no commit range; treating it as a manual run", name)
    return CiEvent(kind="manual", inputs=reader.inputs(), **common)


def _github_push(reader: _PayloadReader, common: dict[str, Any]) -> CiEvent:
    payload = reader.payload
    ref = str(payload.get("ref") or common["ref"])
    common = {**common, "ref": ref}
    after = str(payload.get("after") or "")
    if ref.startswith("refs/tags/"):
        return CiEvent(kind="tag", after=after or None, **common)
    if payload.get("deleted") is True or is_zero_sha(after):
        return CiEvent(kind="branch_deleted", **common)
    after_sha = reader.commit(payload, "after", "after")
    before = str(payload.get("before") or "")
    if before and not is_zero_sha(before):
        before = reader.commit(payload, "before", "before")
    forced = payload.get("forced")
    return CiEvent(
        kind="push",
        before=None if is_zero_sha(before) or not before else before,
        after=after_sha,
        forced=forced if isinstance(forced, bool) else None,
        created=payload.get("created") is True or is_zero_sha(before),
        **common,
    )


class _PayloadReader:
    """Typed access to payload members, raising EventError with the path."""

    def __init__(self, payload: dict[str, Any], path: str, name: str) -> None:
        self.payload = payload
        self.path = path
        self.name = name

    def _invalid(self, member: str, expected: str) -> EventError:
        return EventError(
            f"invalid {self.name} event payload {self.path}: {member} is missing or "
            f"not {expected}. The file should be the JSON GitHub writes for a "
            f"{self.name} event; to run without it, set the base and head inputs "
            "and unset GITHUB_EVENT_PATH"
        )

    def object(self, member: str) -> dict[str, Any]:
        value = self.payload.get(member)
        if not isinstance(value, dict):
            raise self._invalid(member, "an object")
        return value

    def commit(self, source: dict[str, Any], member: str, *keys: str) -> str:
        value: Any = source
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or not _COMMIT_ID.match(value):
            raise self._invalid(member, "a full commit id")
        return value

    def number(self, source: dict[str, Any], member: str) -> int:
        value = source.get(member.rsplit(".", 1)[-1])
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise self._invalid(member, "a positive number")
        return value

    def inputs(self) -> Mapping[str, str]:
        value = self.payload.get("inputs")
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, dict):
            raise self._invalid("inputs", "an object")
        as_text = {str(key): _input_text(item) for key, item in value.items()}
        return MappingProxyType(as_text)


def _input_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _read_payload(path: str) -> dict[str, Any]:
    if not path:
        raise EventError(
            "GITHUB_EVENT_PATH is missing; GitHub Actions sets it to the event "
            "payload file. Run inside a workflow job, or unset GITHUB_ACTIONS"
        )
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EventError(
            f"cannot read the event payload {path}: {exc.strerror}; check that "
            "GITHUB_EVENT_PATH names the file GitHub wrote for this job"
        ) from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(
            f"invalid event payload {path}: not JSON ({exc.msg} at line "
            f"{exc.lineno}); check that GITHUB_EVENT_PATH names the payload file"
        ) from exc
    if not isinstance(payload, dict):
        raise EventError(
            f"invalid event payload {path}: expected a JSON object, got "
            f"{type(payload).__name__}; check that GITHUB_EVENT_PATH names the "
            "payload file"
        )
    return payload


def gitlab_event(env: Mapping[str, str]) -> CiEvent:
    """Build the event from GitLab's predefined ``CI_*`` variables."""
    source = env.get("CI_PIPELINE_SOURCE", "").strip() or "push"
    sha = _gitlab_commit(env, "CI_COMMIT_SHA", required=True) or "HEAD"
    common: dict[str, Any] = {
        "platform": "gitlab",
        "name": source,
        "sha": sha,
        "ref": env.get("CI_COMMIT_BRANCH", "").strip()
        or env.get("CI_COMMIT_REF_NAME", "").strip(),
        "default_branch": env.get("CI_DEFAULT_BRANCH", "").strip(),
        "repository": env.get("CI_PROJECT_PATH", "").strip(),
        "project_id": env.get("CI_PROJECT_ID", "").strip(),
        "api_url": env.get("CI_API_V4_URL", "").strip(),
        "server_url": env.get("CI_SERVER_URL", "").strip(),
    }
    if env.get("CI_COMMIT_TAG", "").strip():
        return CiEvent(kind="tag", after=sha, **common)
    if source == "merge_request_event":
        base = _gitlab_commit(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA", required=True)
        head = _gitlab_commit(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or sha
        iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
        return CiEvent(
            kind="pull_request",
            base=base,
            head=head,
            pull_number=int(iid) if iid.isdigit() else None,
            **common,
        )
    if source == "schedule":
        return CiEvent(kind="schedule", **common)
    if source == "push":
        before = _gitlab_commit(env, "CI_COMMIT_BEFORE_SHA")
        return CiEvent(
            kind="push", before=before, after=sha, created=before is None, **common
        )
    if source not in GITLAB_MANUAL_SOURCES:
        logger.info(
            "pipeline source %s has no commit range; treating it as manual", source
        )
    return CiEvent(kind="manual", **common)


def _gitlab_commit(
    env: Mapping[str, str], name: str, required: bool = False
) -> str | None:
    """Return a commit id variable, None for empty or all-zero values."""
    value = env.get(name, "").strip()
    if value and not is_zero_sha(value):
        if not _COMMIT_ID.match(value):
            raise EventError(
                f"invalid {name}: {value!r} is not a full commit id; GitLab sets it "
                "itself, so check that the job does not override it"
            )
        return value
    if required:
        raise EventError(
            f"{name} is missing; GitLab sets it for this pipeline source, so check "
            "that the job does not override it, or set the base and head inputs"
        )
    return None
