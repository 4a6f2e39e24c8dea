"""Fake GitHub and GitLab APIs on 127.0.0.1, and CI environments for them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codedoc_action import review
from codedoc_action.review.github import PullRequestComments
from tests.fakes.github_comments import FakeGitHub
from tests.fakes.gitlab_api import FakeGitLab

FIXTURES = Path(__file__).parent.parent / "fixtures" / "review"


def load_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(autouse=True)
def unthrottled_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop PyGithub's pauses between requests, which only slow the fakes."""

    def build(*args: Any, **kwargs: Any) -> PullRequestComments:
        kwargs.setdefault("seconds_between_requests", None)
        kwargs.setdefault("seconds_between_writes", None)
        return PullRequestComments(*args, **kwargs)

    monkeypatch.setattr(review, "PullRequestComments", build)


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(page_cap=2)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_gitlab() -> Iterator[FakeGitLab]:
    server = FakeGitLab(page_cap=2)
    server.start()
    yield server
    server.stop()


def github_pull_env(
    tmp_path: Path,
    api_url: str,
    *,
    number: int = 7,
    head_repo: str | None = "octo/repo",
    event_name: str = "pull_request",
) -> dict[str, str]:
    """Return GITHUB_* variables of a pull request run with its payload file."""
    payload = copy.deepcopy(load_payload("pull_request-opened.json"))
    pull = payload["pull_request"]
    pull["number"] = number
    pull["base"]["repo"]["full_name"] = "octo/repo"
    if head_repo is None:
        pull["head"]["repo"] = None
    else:
        pull["head"]["repo"]["full_name"] = head_repo
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": "octo/repo",
        "GITHUB_API_URL": api_url,
        "GITHUB_REF": f"refs/pull/{number}/merge",
        "GITHUB_SHA": pull["head"]["sha"],
    }


def gitlab_mr_env(
    api_url: str, *, iid: int = 5, project: str = "42", source: str = "42"
) -> dict[str, str]:
    """Return CI_* variables of a merge request pipeline."""
    return {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_API_V4_URL": api_url,
        "CI_SERVER_URL": api_url.removesuffix("/api/v4"),
        "CI_PROJECT_ID": source,
        "CI_MERGE_REQUEST_IID": str(iid),
        "CI_MERGE_REQUEST_PROJECT_ID": project,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": source,
        "CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/group/project",
        "CI_COMMIT_SHA": "a" * 40,
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": "b" * 40,
        "CI_DEFAULT_BRANCH": "main",
    }
