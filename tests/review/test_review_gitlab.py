"""post_review on GitLab: one marked merge request note, found across pages."""

from __future__ import annotations

import pytest

from codedoc_action.errors import EgressError, GitHostError, SettingsError
from codedoc_action.http import HostAllowList
from codedoc_action.review import allow_review_host, post_review, review_marker
from codedoc_action.settings import Settings, build_settings
from tests.fakes.gitlab_api import FakeGitLab
from tests.review.conftest import gitlab_mr_env

GOOD_TOKEN = "good-token"
OLD = "# CLI\n\nRun `tool sync`.\n"
NEW = "# CLI\n\nRun `tool sync --all`.\n"
SUMMARY = "## codedoc\n\n| stage | model |\n| --- | --- |\n| write | m |\n"


def settings(token: str | None = GOOD_TOKEN) -> Settings:
    values = {"comment": "true"}
    if token is not None:
        values["github-token"] = token
    return build_settings(values)


def post(env: dict[str, str], job: str | None = "cli", token: str = GOOD_TOKEN) -> str:
    allowed = HostAllowList()
    allow_review_host(allowed, env)
    return post_review(settings(token), "gitlab", env, allowed, job, OLD, NEW, SUMMARY)


def test_post_review_gitlab_creates_one_note(fake_gitlab: FakeGitLab) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url)
    url = post(env)
    notes = fake_gitlab.notes[5]
    assert len(notes) == 1
    assert notes[0].body.startswith(review_marker("cli"))
    assert "+Run `tool sync --all`." in notes[0].body
    expected = (
        f"https://gitlab.example/group/project/-/merge_requests/5#note_{notes[0].id}"
    )
    assert url == expected


def test_post_review_gitlab_updates_note_on_later_page(fake_gitlab: FakeGitLab) -> None:
    fake_gitlab.add_note(5, "added 1 commit", author="alice", system=True)
    for index in range(4):
        fake_gitlab.add_note(5, f"remark {index}", author="alice")
    mine = fake_gitlab.add_note(5, review_marker("cli") + "\nold", fake_gitlab.bot)
    env = gitlab_mr_env(fake_gitlab.api_url)
    post(env)
    assert len(fake_gitlab.notes[5]) == 6
    assert "tool sync --all" in mine.body
    lists = [
        r
        for r in fake_gitlab.requests
        if r.method == "GET" and r.path.endswith("notes")
    ]
    assert len(lists) == 3
    puts = [r for r in fake_gitlab.requests if r.method == "PUT"]
    assert len(puts) == 1
    assert puts[0].path.endswith(f"/notes/{mine.id}")


def test_post_review_gitlab_skips_system_note_with_marker(
    fake_gitlab: FakeGitLab,
) -> None:
    system = fake_gitlab.add_note(5, review_marker("cli"), author="x", system=True)
    env = gitlab_mr_env(fake_gitlab.api_url)
    post(env)
    assert system.body == review_marker("cli")
    assert len(fake_gitlab.notes[5]) == 2


def test_post_review_gitlab_second_run_does_not_duplicate(
    fake_gitlab: FakeGitLab,
) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url)
    first = post(env)
    second = post(env)
    assert first == second
    assert len(fake_gitlab.notes[5]) == 1


def test_post_review_gitlab_sends_private_token(fake_gitlab: FakeGitLab) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url)
    post(env)
    tokens = {r.headers.get("private-token") for r in fake_gitlab.requests}
    assert tokens == {"good-token"}


def test_post_review_gitlab_token_without_api_scope(fake_gitlab: FakeGitLab) -> None:
    fake_gitlab.tokens["read-token"] = {"read_api"}
    env = gitlab_mr_env(fake_gitlab.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env, token="read-token")
    message = str(caught.value)
    assert "403" in message
    assert "api scope" in message
    assert "CODEDOC_GITHUB_TOKEN" in message
    assert "read-token" not in message


def test_post_review_gitlab_rejected_token(fake_gitlab: FakeGitLab) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env, token="nobody")
    assert "401" in str(caught.value)
    assert "CODEDOC_GITHUB_TOKEN" in str(caught.value)


def test_post_review_gitlab_missing_token(fake_gitlab: FakeGitLab) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url)
    allowed = HostAllowList()
    allow_review_host(allowed, env)
    with pytest.raises(SettingsError) as caught:
        post_review(settings(None), "gitlab", env, allowed, "cli", OLD, NEW, SUMMARY)
    message = str(caught.value)
    assert "github-token" in message
    assert "CODEDOC_GITHUB_TOKEN" in message
    assert fake_gitlab.requests == []


def test_post_review_gitlab_unknown_merge_request(fake_gitlab: FakeGitLab) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url, iid=77)
    with pytest.raises(GitHostError) as caught:
        post(env)
    assert "404" in str(caught.value)
    assert "!77" in str(caught.value)


def test_post_review_gitlab_server_error_after_retries(
    fake_gitlab: FakeGitLab,
) -> None:
    fake_gitlab.fail_next.extend([("POST", 502)] * 4)
    env = gitlab_mr_env(fake_gitlab.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env)
    assert "502" in str(caught.value)
    posts = [r for r in fake_gitlab.requests if r.method == "POST"]
    assert len(posts) == 4


def test_post_review_gitlab_recovers_from_one_server_error(
    fake_gitlab: FakeGitLab,
) -> None:
    fake_gitlab.fail_next.append(("GET", 503))
    env = gitlab_mr_env(fake_gitlab.api_url)
    post(env)
    assert len(fake_gitlab.notes[5]) == 1


def test_post_review_gitlab_fork_posts_to_target_project(
    fake_gitlab: FakeGitLab,
) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url, project="42", source="99")
    post(env)
    assert len(fake_gitlab.notes[5]) == 1
    assert all("/projects/42/" in r.path for r in fake_gitlab.requests)


def test_post_review_gitlab_host_not_allowed(fake_gitlab: FakeGitLab) -> None:
    env = gitlab_mr_env(fake_gitlab.api_url)
    with pytest.raises(EgressError):
        post_review(
            settings(), "gitlab", env, HostAllowList(), "cli", OLD, NEW, SUMMARY
        )
    assert fake_gitlab.requests == []


def test_post_review_gitlab_pagination_stays_on_api_host(
    fake_gitlab: FakeGitLab,
) -> None:
    # The fake names "localhost" in its Link headers, as a GitLab with another
    # external_url would; the client must keep to the configured host.
    for index in range(3):
        fake_gitlab.add_note(5, f"remark {index}")
    fake_gitlab.link_host = "localhost"
    env = gitlab_mr_env(fake_gitlab.api_url)
    post(env)
    hosts = {r.headers.get("host") for r in fake_gitlab.requests}
    assert hosts == {f"127.0.0.1:{fake_gitlab.port}"}
    assert len(fake_gitlab.notes[5]) == 4


def test_post_review_gitlab_redirect_to_other_host_blocked(
    fake_gitlab: FakeGitLab,
) -> None:
    fake_gitlab.redirect_to = f"http://localhost:{fake_gitlab.port}/elsewhere"
    env = gitlab_mr_env(fake_gitlab.api_url)
    with pytest.raises(EgressError) as caught:
        post(env)
    assert "localhost" in str(caught.value)
    assert all(r.path != "/elsewhere" for r in fake_gitlab.requests)
