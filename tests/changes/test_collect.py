"""Builders that turn an event into fetch credentials and a Git host client."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from codedoc_action.changes.collect import fetch_auth_for, host_for
from codedoc_action.ci.events import CiEvent, event_from_env
from codedoc_action.errors import EgressError
from codedoc_action.githost.github import GitHubHost
from codedoc_action.githost.gitlab import GitLabHost
from codedoc_action.http import HostAllowList

TOKEN = SecretStr("token-value-123")
GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_PIPELINE_SOURCE": "web",
    "CI_COMMIT_SHA": "a" * 40,
    "CI_PROJECT_ID": "42",
    "CI_SERVER_URL": "https://gitlab.example.com",
}


def _github_event(tmp_path_factory: pytest.TempPathFactory) -> CiEvent:
    path = tmp_path_factory.mktemp("event") / "event.json"
    path.write_text('{"schedule": "0 1 * * *"}')
    return event_from_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "schedule",
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": "octo/project",
            "GITHUB_API_URL": "https://ghe.example.com/api/v3",
            "GITHUB_SERVER_URL": "https://ghe.example.com",
        }
    )


def test_fetch_auth_for_github(tmp_path_factory: pytest.TempPathFactory) -> None:
    event = _github_event(tmp_path_factory)
    auth = fetch_auth_for(event, TOKEN)
    assert auth is not None
    assert auth.username == "x-access-token"
    assert auth.config_key() == "http.https://ghe.example.com/.extraheader"


def test_fetch_auth_for_gitlab() -> None:
    auth = fetch_auth_for(event_from_env(GITLAB_ENV), TOKEN)
    assert auth is not None
    assert auth.username == "gitlab-ci-token"
    assert auth.config_key() == "http.https://gitlab.example.com/.extraheader"


def test_fetch_auth_for_without_token() -> None:
    assert fetch_auth_for(event_from_env(GITLAB_ENV), None) is None
    assert fetch_auth_for(event_from_env({}), TOKEN) is None


def test_host_for_github(tmp_path_factory: pytest.TempPathFactory) -> None:
    event = _github_event(tmp_path_factory)
    host = host_for(event, TOKEN, HostAllowList(["ghe.example.com"]))
    assert isinstance(host, GitHubHost)
    assert host.repository == "octo/project"


def test_host_for_gitlab() -> None:
    host = host_for(
        event_from_env(GITLAB_ENV), TOKEN, HostAllowList(["gitlab.example.com"])
    )
    assert isinstance(host, GitLabHost)
    assert host.project_id == "42"


def test_host_for_local_is_none() -> None:
    assert host_for(event_from_env({}), TOKEN, HostAllowList()) is None


def test_host_for_rejects_unlisted_host() -> None:
    with pytest.raises(EgressError, match=r"gitlab\.example\.com"):
        host_for(event_from_env(GITLAB_ENV), TOKEN, HostAllowList(["gitlab.com"]))
