"""find_review_target and fork_without_secrets on GitHub and GitLab runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.errors import EventError, GitHostError
from codedoc_action.http import HostAllowList
from codedoc_action.review import (
    allow_review_host,
    find_review_target,
    fork_without_secrets,
    missing_secrets,
)
from codedoc_action.settings import build_settings
from tests.review.conftest import github_pull_env, gitlab_mr_env

API = "https://api.github.com"
KEYED = {"provider": "anthropic", "api-key": "", "confluence-page": "123"}


def test_find_review_target_github_pull_request(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, "https://ghe.example/api/v3", number=12)
    target = find_review_target(env)
    assert target is not None
    assert target.platform == "github"
    assert target.pull_request is not None
    assert target.pull_request.number == 12
    assert target.pull_request.repository == "octo/repo"
    assert target.pull_request.api_url == "https://ghe.example/api/v3"
    assert not target.from_fork


def test_find_review_target_github_push_is_none(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}
    assert find_review_target(env) is None


def test_find_review_target_gitlab_branch_pipeline_is_none() -> None:
    env = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push"}
    assert find_review_target(env) is None


def test_find_review_target_gitlab_server_url_only() -> None:
    env = gitlab_mr_env("https://gitlab.example/api/v4")
    del env["CI_API_V4_URL"]
    target = find_review_target(env)
    assert target is not None
    assert target.api_url == "https://gitlab.example/api/v4"
    assert target.merge_request is not None
    assert target.merge_request.server_url == "https://gitlab.example"


def test_find_review_target_payload_without_number(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"pull_request": {}}', encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(path),
    }
    with pytest.raises(EventError) as caught:
        find_review_target(env)
    assert "pull_request.number" in str(caught.value)


def test_allow_review_host_adds_api_host(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, "https://ghe.example/api/v3")
    allowed = HostAllowList()
    host = allow_review_host(allowed, env)
    assert host == "ghe.example"
    assert "ghe.example" in allowed


def test_allow_review_host_outside_review_adds_nothing() -> None:
    allowed = HostAllowList()
    assert allow_review_host(allowed, {"GITLAB_CI": "true"}) is None
    assert list(allowed) == []


def test_fork_without_secrets_github_fork(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, API, head_repo="stranger/repo")
    notice = fork_without_secrets(env, KEYED)
    assert notice is not None
    assert "fork" in notice
    assert "api-key and confluence-token" in notice
    assert "pull request #7" in notice


def test_fork_without_secrets_deleted_fork(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, API, head_repo=None)
    assert fork_without_secrets(env, KEYED) is not None


def test_fork_without_secrets_same_repository(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, API)
    assert fork_without_secrets(env, KEYED) is None


def test_fork_without_secrets_pull_request_target(tmp_path: Path) -> None:
    env = github_pull_env(
        tmp_path, API, head_repo="stranger/repo", event_name="pull_request_target"
    )
    assert fork_without_secrets(env, KEYED) is None


def test_fork_without_secrets_fork_with_secrets(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, API, head_repo="stranger/repo")
    settings = build_settings(
        {
            "api-key": "sk-1",
            "confluence-url": "https://c.example/wiki",
            "confluence-page": "1",
            "confluence-token": "t",
        }
    )
    assert fork_without_secrets(env, settings) is None


def test_fork_without_secrets_offline_dry_run_needs_none(tmp_path: Path) -> None:
    env = github_pull_env(tmp_path, API, head_repo="stranger/repo")
    settings = build_settings({"provider": "offline", "dry-run": "true"})
    assert fork_without_secrets(env, settings) is None


def test_fork_without_secrets_gitlab_fork() -> None:
    env = gitlab_mr_env("https://gitlab.example/api/v4", project="42", source="99")
    notice = fork_without_secrets(env, {"api-key": "", "provider": "openai"})
    assert notice is not None
    assert "merge request !5" in notice
    assert "api-key" in notice


def test_fork_without_secrets_gitlab_same_project() -> None:
    env = gitlab_mr_env("https://gitlab.example/api/v4")
    assert fork_without_secrets(env, {"provider": "openai"}) is None


def test_missing_secrets_from_settings_and_inputs() -> None:
    settings = build_settings(
        {"provider": "openai-compatible", "api-base-url": "http://x"}
    )
    assert missing_secrets(settings) == []
    assert missing_secrets({"api_key": "sk-1"}) == []
    assert missing_secrets({"provider": "google"}) == ["api-key"]
    assert missing_secrets({"confluence-url": "https://c.example"}) == [
        "confluence-token"
    ]


def test_find_review_target_gitlab_relative_url_root() -> None:
    env = gitlab_mr_env("https://example.com/gitlab/api/v4")
    target = find_review_target(env)
    assert target is not None
    assert target.merge_request is not None
    assert target.merge_request.server_url == "https://example.com/gitlab"


def test_find_review_target_gitlab_without_urls() -> None:
    env = gitlab_mr_env("https://gitlab.example/api/v4")
    del env["CI_API_V4_URL"]
    del env["CI_SERVER_URL"]
    with pytest.raises(GitHostError) as caught:
        find_review_target(env)
    assert "CI_API_V4_URL" in str(caught.value)
