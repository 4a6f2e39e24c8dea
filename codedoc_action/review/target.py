"""Review targets: the pull or merge request of a run, and fork detection."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codedoc_action.ci.gitlab import MergeRequest, merge_request_from_env
from codedoc_action.errors import EventError
from codedoc_action.review.github import PullRequest
from codedoc_action.settings import KEYLESS_PROVIDERS, Settings

logger = logging.getLogger(__name__)

# pull_request_target runs in the base repository with its secrets, so only
# these events start fork runs without them.
GITHUB_SECRETLESS_EVENTS = frozenset(
    {"pull_request", "pull_request_review", "pull_request_review_comment"}
)
CONFLUENCE_TARGET_INPUTS = (
    "confluence-url",
    "confluence-page",
    "confluence-space",
    "confluence-title",
)


@dataclass(frozen=True)
class ReviewTarget:
    """A pull request (GitHub) or merge request (GitLab) the run belongs to."""

    platform: str  # "github" or "gitlab"
    api_url: str
    label: str  # "pull request #12 of octo/repo", for messages
    from_fork: bool
    pull_request: PullRequest | None = None
    merge_request: MergeRequest | None = None


def find_review_target(env: Mapping[str, str]) -> ReviewTarget | None:
    """Return the pull or merge request of this run, or None for other runs."""
    if env.get("GITHUB_ACTIONS") == "true":
        return _github_target(env)
    merge_request = merge_request_from_env(env)
    if merge_request is None:
        return None
    return ReviewTarget(
        platform="gitlab",
        api_url=merge_request.api_url,
        label=f"merge request !{merge_request.iid}",
        from_fork=merge_request.from_fork,
        merge_request=merge_request,
    )


def _github_target(env: Mapping[str, str]) -> ReviewTarget | None:
    event_name = env.get("GITHUB_EVENT_NAME", "")
    if not event_name.startswith("pull_request"):
        return None
    payload = _read_payload(env.get("GITHUB_EVENT_PATH", ""))
    pull = payload.get("pull_request")
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        raise EventError(
            f"the {event_name} event payload has no pull_request.number; check "
            "that GITHUB_EVENT_PATH names the payload file GitHub wrote"
        )
    base_repo = _repo_name(pull, "base")
    repository = env.get("GITHUB_REPOSITORY", "").strip() or base_repo or ""
    api_url = env.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
    number = int(pull["number"])
    head_repo = _repo_name(pull, "head")
    # A deleted fork leaves head.repo null; treat a missing name as a fork.
    from_fork = head_repo is None or head_repo != base_repo
    return ReviewTarget(
        platform="github",
        api_url=api_url.rstrip("/"),
        label=f"pull request #{number} of {repository}",
        from_fork=from_fork and event_name in GITHUB_SECRETLESS_EVENTS,
        pull_request=PullRequest(api_url.rstrip("/"), repository, number),
    )


def _repo_name(pull: Mapping[str, Any], side: str) -> str | None:
    branch = pull.get(side)
    repo = branch.get("repo") if isinstance(branch, dict) else None
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) and name else None


def _read_payload(path: str) -> dict[str, Any]:
    if not path:
        raise EventError(
            "GITHUB_EVENT_PATH is missing; GitHub Actions sets it to the event "
            "payload file, so run inside a workflow job"
        )
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EventError(
            f"cannot read the event payload {path}: {exc}; check that "
            "GITHUB_EVENT_PATH names the file GitHub wrote for this job"
        ) from exc
    if not isinstance(payload, dict):
        raise EventError(f"invalid event payload {path}: expected a JSON object")
    return payload


def missing_secrets(settings: Settings | Mapping[str, Any]) -> list[str]:
    """Return the secret inputs the run needs but did not receive.

    Accepts validated Settings, or the raw inputs keyed by input name: a fork
    run's empty key fails validation, so callers may check before building
    Settings.
    """
    values = _as_inputs(settings)
    missing = []
    provider = str(values.get("provider") or "").strip()
    if not provider:
        provider = "anthropic" if _given(values, "api-key") else "offline"
    if provider not in KEYLESS_PROVIDERS and not _given(values, "api-key"):
        missing.append("api-key")
    wants_confluence = any(_given(values, name) for name in CONFLUENCE_TARGET_INPUTS)
    if wants_confluence and not _given(values, "confluence-token"):
        missing.append("confluence-token")
    return missing


def _as_inputs(settings: Settings | Mapping[str, Any]) -> dict[str, Any]:
    raw = settings.model_dump() if isinstance(settings, Settings) else dict(settings)
    return {str(key).replace("_", "-"): value for key, value in raw.items()}


def _given(values: Mapping[str, Any], name: str) -> bool:
    value = values.get(name)
    if value is None:
        return False
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return str(value).strip() != ""


def fork_without_secrets(
    env: Mapping[str, str], settings: Settings | Mapping[str, Any]
) -> str | None:
    """Return a notice when a fork's pull or merge request lacks needed secrets.

    GitHub gives ``pull_request`` runs from forks no secrets and a read-only
    token, and GitLab runs fork merge requests in the fork's project without
    the parent's variables. The caller logs the notice and exits 0. Returns
    None for every other run, and for fork runs that did get the secrets.
    """
    target = find_review_target(env)
    if target is None or not target.from_fork:
        return None
    missing = missing_secrets(settings)
    if not missing:
        return None
    names = " and ".join(missing)
    if target.platform == "github":
        why = "GitHub gives workflows of pull requests from forks no secrets"
    else:
        why = "GitLab runs merge requests from forks without the parent's variables"
    return (
        f"codedoc skipped {target.label}: it comes from a fork and {why}, so "
        f"{names} is empty. The page is documented when the change is merged "
        "into the publish branch."
    )
