"""post_review on GitHub: one marked comment, found across pages and updated."""

from __future__ import annotations

from pathlib import Path

import pytest

from codedoc_action.errors import EgressError, GitHostError, SettingsError
from codedoc_action.http import HostAllowList
from codedoc_action.review import allow_review_host, post_review, review_marker
from codedoc_action.settings import Settings, build_settings
from tests.fakes.github_comments import FakeGitHub
from tests.review.conftest import github_pull_env

GOOD_TOKEN = "good-token"
OLD = "# API\n\nThe client sends requests.\n"
NEW = "# API\n\nThe client sends requests and retries them.\n"
SUMMARY = "## codedoc\n\n| stage | model |\n| --- | --- |\n| write | m |\n"


def settings(token: str | None = GOOD_TOKEN) -> Settings:
    values = {"comment": "true"}
    if token is not None:
        values["github-token"] = token
    return build_settings(values)


def allowed_for(env: dict[str, str]) -> HostAllowList:
    allowed = HostAllowList()
    allow_review_host(allowed, env)
    return allowed


def post(env: dict[str, str], job: str | None = "api", token: str = GOOD_TOKEN) -> str:
    return post_review(
        settings(token), "github", env, allowed_for(env), job, OLD, NEW, SUMMARY
    )


def test_post_review_github_creates_one_comment(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    url = post(env)
    comments = fake_github.comments[7]
    assert len(comments) == 1
    body = comments[0].body
    assert body.startswith(review_marker("api"))
    assert "-The client sends requests." in body
    assert "+The client sends requests and retries them." in body
    assert "<details>" in body
    assert "| stage | model |" in body
    assert url.endswith(f"#issuecomment-{comments[0].id}")


def test_post_review_github_finds_marker_on_page_three(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    for index in range(5):
        fake_github.add_comment(7, f"review remark {index}")
    mine = fake_github.add_comment(7, review_marker("api") + "\nold", fake_github.bot)
    fake_github.add_comment(7, "a later remark")
    env = github_pull_env(tmp_path, fake_github.api_url)
    url = post(env)
    assert len(fake_github.comments[7]) == 7
    assert mine.body.startswith(review_marker("api"))
    assert "retries them" in mine.body
    assert url.endswith(f"#issuecomment-{mine.id}")
    pages = [
        r.query.get("page", ["1"])[0]
        for r in fake_github.requests
        if r.method == "GET" and r.path.endswith("/comments")
    ]
    assert pages == ["1", "2", "3"]


def test_post_review_github_second_run_does_not_duplicate(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    first = post(env)
    second = post(env)
    assert first == second
    assert len(fake_github.comments[7]) == 1
    assert [r.method for r in fake_github.requests].count("PATCH") == 1


def test_post_review_github_jobs_keep_separate_comments(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    post(env, job="api")
    post(env, job="cli")
    post(env, job="api")
    bodies = [c.body for c in fake_github.comments[7]]
    assert len(bodies) == 2
    assert bodies[0].startswith(review_marker("api"))
    assert bodies[1].startswith(review_marker("cli"))


def test_post_review_github_ignores_quoted_marker(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    quoted = fake_github.add_comment(7, "> " + review_marker("api") + "\nwhy?")
    env = github_pull_env(tmp_path, fake_github.api_url)
    post(env)
    assert quoted.body.startswith("> ")
    assert len(fake_github.comments[7]) == 2


def test_post_review_github_enterprise_base_url(tmp_path: Path) -> None:
    server = FakeGitHub(prefix="/api/v3", page_cap=1)
    server.start()
    try:
        server.add_comment(7, "first")
        env = github_pull_env(tmp_path, server.api_url)
        post(env)
        assert len(server.comments[7]) == 2
        assert all(r.path.startswith("/api/v3/") for r in server.requests)
    finally:
        server.stop()


def test_post_review_github_sends_token_header(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    post(env)
    headers = {r.headers.get("authorization") for r in fake_github.requests}
    assert headers == {"token good-token"}


def test_post_review_github_rejected_token(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env, token="wrong-token")
    message = str(caught.value)
    assert "401" in message
    assert "github-token" in message
    assert "wrong-token" not in message


def test_post_review_github_read_only_token(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    fake_github.tokens["read-token"] = "read"
    env = github_pull_env(tmp_path, fake_github.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env, token="read-token")
    message = str(caught.value)
    assert "403" in message
    assert "pull-requests: write" in message
    assert fake_github.comments.get(7, []) == []


def test_post_review_github_missing_token(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    with pytest.raises(SettingsError) as caught:
        post_review(
            settings(None), "github", env, allowed_for(env), "api", OLD, NEW, SUMMARY
        )
    assert "github-token" in str(caught.value)
    assert fake_github.requests == []


def test_post_review_github_unknown_pull_request(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url, number=99)
    with pytest.raises(GitHostError) as caught:
        post(env)
    assert "404" in str(caught.value)
    assert "#99" in str(caught.value)


def test_post_review_github_server_error_is_githost_error(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    fake_github.fail_next.append(("POST", 500))
    env = github_pull_env(tmp_path, fake_github.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env)
    assert "500" in str(caught.value)


def test_post_review_github_host_not_allowed(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    with pytest.raises(EgressError):
        post_review(
            settings(), "github", env, HostAllowList(), "api", OLD, NEW, SUMMARY
        )
    assert fake_github.requests == []


def test_post_review_github_outside_pull_request(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}
    with pytest.raises(SettingsError) as caught:
        post_review(
            settings(), "github", env, HostAllowList(), "api", OLD, NEW, SUMMARY
        )
    assert "comment" in str(caught.value)


def test_post_review_github_long_diff_fits_limit(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    env = github_pull_env(tmp_path, fake_github.api_url)
    old = "".join(f"old line {i} {'x' * 60}\n" for i in range(2000))
    new = "".join(f"new line {i} {'y' * 60}\n" for i in range(2000))
    post_review(settings(), "github", env, allowed_for(env), "api", old, new, SUMMARY)
    body = fake_github.comments[7][0].body
    assert len(body) <= 65_536
    assert "The diff was cut after" in body
    assert "| stage | model |" in body


def test_post_review_github_link_to_other_host(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    for index in range(3):
        fake_github.add_comment(7, f"remark {index}")
    fake_github.link_host = "localhost"
    env = github_pull_env(tmp_path, fake_github.api_url)
    with pytest.raises(GitHostError) as caught:
        post(env)
    assert "localhost" in str(caught.value)
    hosts = {r.headers.get("host") for r in fake_github.requests}
    assert hosts == {f"127.0.0.1:{fake_github.port}"}
    assert len(fake_github.comments[7]) == 3
