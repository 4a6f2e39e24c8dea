"""Egress: a run contacts only the hosts it lists at start, redirects included.

The "other host" is a recording server bound to 127.0.0.2, a loopback address
that is not on any run's allow-list, so a request reaching it is a leak.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from codedoc_action.changes.model import CommitRange
from codedoc_action.ci.gitlab import MergeRequest, MergeRequestNotes
from codedoc_action.errors import EgressError, GitHostError
from codedoc_action.githost.github import GitHubHost
from codedoc_action.githost.gitlab import GitLabHost
from codedoc_action.http import HostAllowList, HttpClient
from tests.e2e.action_env import push_payload
from tests.gitrepo import clone, git
from tests.security.harness import SceneBuilder
from tests.security.servers import Answer, RecordingServer

HOSTS_LINE = re.compile(r"hosts this run may contact: (.*)")


@pytest.fixture
def other_host() -> Iterator[RecordingServer]:
    with RecordingServer("127.0.0.2") as server:
        yield server


def _first_request_line(log: str) -> int:
    for number, line in enumerate(log.splitlines()):
        if re.search(r" (GET|POST|PUT) /", line):
            return number
    raise AssertionError(f"no request logged:\n{log}")


def test_egress_hosts_listed_before_requests(scenes: SceneBuilder) -> None:
    scene = scenes.build()
    run = scene.run()
    assert run.returncode == 0, run.log
    lines = run.log.splitlines()
    listed = [n for n, line in enumerate(lines) if HOSTS_LINE.search(line)]
    assert len(listed) == 1
    assert listed[0] < _first_request_line(run.log)
    match = HOSTS_LINE.search(lines[listed[0]])
    assert match is not None
    # Entries are hosts or origins (scheme://host:port); compare their hosts.
    hosts = {
        httpx.URL(entry).host if "//" in entry else entry
        for entry in match.group(1).split(", ")
    }
    # The fakes, the Cloud gateway and the GitHub API stand-in all listen on
    # 127.0.0.1. github.com is GITHUB_SERVER_URL, where git fetch credentials
    # are scoped.
    assert hosts == {"127.0.0.1", "github.com"}


@pytest.mark.parametrize("service", ["provider", "confluence"])
def test_egress_redirect_to_other_host_blocked(
    scenes: SceneBuilder, other_host: RecordingServer, service: str
) -> None:
    scene = scenes.build()
    target = f"{other_host.origin}/collect"
    if service == "provider":
        scene.provider.add_fault(307, body="", headers={"location": target})
    else:
        scene.confluence.add_fault(
            302, headers={"location": target}, path_contains="/pages/"
        )
    run = scene.run()
    assert run.returncode == 1, run.log
    assert other_host.requests == []
    assert "127.0.0.2" in run.log
    assert "::error::" in run.stdout
    assert "Traceback" not in run.log
    assert scene.confluence.page(scene.page_id)["version"] == 1


def test_egress_same_host_redirect_followed(other_host: RecordingServer) -> None:
    def route(method: str, path: str) -> Answer:
        if path == "/old":
            return Answer(308, headers={"location": "/new"})
        return Answer(200, {"path": path})

    with RecordingServer("127.0.0.2", route) as server:
        allowed = HostAllowList([server.origin])
        with HttpClient(service="t", base_url=server.origin, allowed=allowed) as http:
            response = http.request("GET", "/old")
        assert response.json() == {"path": "/new"}
        assert [path for _, path in server.requests] == ["/old", "/new"]


def test_egress_client_rejects_unlisted_host(other_host: RecordingServer) -> None:
    allowed = HostAllowList(["127.0.0.1"])
    with (
        HttpClient(service="t", base_url=other_host.origin, allowed=allowed) as http,
        pytest.raises(EgressError, match=r"127\.0\.0\.2"),
    ):
        http.request("GET", "/anything")
    assert other_host.requests == []


def test_egress_allow_list_ignores_lookalikes() -> None:
    allowed = HostAllowList(["https://api.example.com/v1"])
    assert "api.example.com" in allowed
    assert "API.EXAMPLE.COM" in allowed
    for host in ("example.com", "api.example.com.evil.example", "evil.example"):
        assert host not in allowed
    request = httpx.Request("GET", "https://api.example.com@evil.example/v1")
    with pytest.raises(EgressError, match=r"evil\.example"):
        allowed.check(request)


def test_egress_github_host_rejects_unlisted_api(other_host: RecordingServer) -> None:
    with pytest.raises(EgressError, match=r"127\.0\.0\.2"):
        GitHubHost(
            api_url=other_host.origin,
            repository="octo/project",
            token=SecretStr("ghs_token_0000"),
            allowed=HostAllowList(["127.0.0.1", "api.github.com"]),
        )
    assert other_host.requests == []


def test_egress_gitlab_host_rejects_unlisted_api(other_host: RecordingServer) -> None:
    with pytest.raises(EgressError, match=r"127\.0\.0\.2"):
        GitLabHost(
            server_url=other_host.origin,
            project_id="42",
            token=SecretStr("glpat-token-0000"),
            allowed=HostAllowList(["127.0.0.1", "gitlab.com"]),
        )
    assert other_host.requests == []


def _hostile_github(other: str) -> RecordingServer:
    """A GitHub API whose redirect and page links point at ``other``."""

    def route(method: str, path: str) -> Answer:
        if path == "/repos/octo/project/pulls/1":
            return Answer(200, {"number": 1, "changed_files": 2})
        if path == "/repos/octo/project/pulls/1/files":
            link = f'<{other}/repos/octo/project/pulls/1/files?page=2>; rel="next"'
            item = {"filename": "a.py", "status": "modified", "sha": "1" * 40}
            return Answer(
                200, [{**item, "additions": 1, "deletions": 0}], {"link": link}
            )
        if path.startswith("/repos/octo/project/compare/"):
            return Answer(302, headers={"location": f"{other}{path}"})
        return Answer(404, {"message": "Not Found"})

    return RecordingServer("127.0.0.1", route)


@pytest.mark.parametrize("pull_number", [1, None])
def test_egress_github_links_not_followed(
    other_host: RecordingServer, pull_number: int | None
) -> None:
    with _hostile_github(other_host.origin) as api:
        host = GitHubHost(
            api_url=api.origin,
            repository="octo/project",
            token=SecretStr("ghs_token_0000"),
            allowed=HostAllowList(["127.0.0.1"]),
            retries=0,
            seconds_between_requests=0,
        )
        try:
            with pytest.raises(GitHostError, match="GITHUB_API_URL"):
                host.changed_files(CommitRange("a" * 40, "b" * 40, "push"), pull_number)
        finally:
            host.close()
    assert api.requests, "the hostile API was never asked"
    assert other_host.requests == []


def test_egress_gitlab_redirect_not_followed(other_host: RecordingServer) -> None:
    def route(method: str, path: str) -> Answer:
        return Answer(302, headers={"location": f"{other_host.origin}{path}"})

    with RecordingServer("127.0.0.1", route) as api:
        host = GitLabHost(
            server_url=api.origin,
            project_id="42",
            token=SecretStr("glpat-token-0000"),
            allowed=HostAllowList([api.origin]),
            timeout=2.0,
        )
        try:
            with pytest.raises(EgressError, match=r"127\.0\.0\.2"):
                host.changed_files(CommitRange("a" * 40, "b" * 40, "push"))
        finally:
            host.close()
    assert api.requests
    assert other_host.requests == []


def test_egress_git_fetch_uses_checkout_remote(
    scenes: SceneBuilder, other_host: RecordingServer, tmp_path: Path
) -> None:
    """A shallow checkout fetches the missing base from its own remote only.

    The event payload names 127.0.0.2 in every URL field; none is used.
    """
    scene = scenes.build()
    bare = tmp_path / "origin.git"
    clone(scene.repo.path, bare, "--bare")
    workspace = tmp_path / "checkout"
    clone(bare.as_uri(), workspace, "--depth=1")
    assert git(workspace, "rev-parse", "HEAD") == scene.repo.new_sha
    payload = push_payload(scene.repo.old_sha, scene.repo.new_sha)
    payload["compare"] = f"{other_host.origin}/compare"
    repository = dict(payload["repository"])  # type: ignore[call-overload]
    for key in ("clone_url", "git_url", "html_url", "url", "ssh_url", "svn_url"):
        repository[key] = f"{other_host.origin}/octo/sample.git"
    payload["repository"] = repository
    run = scene.run(scene.env(workspace=workspace, payload=payload))
    assert run.returncode == 0, run.log
    assert other_host.requests == []
    assert git(workspace, "cat-file", "-t", scene.repo.old_sha) == "commit"
    assert f"{scene.repo.old_sha[:12]}..{scene.repo.new_sha[:12]}" in run.log


def test_egress_review_note_redirect_blocked(other_host: RecordingServer) -> None:
    """Even to a host the run lists, a redirect never carries the GitLab token."""

    def route(method: str, path: str) -> Answer:
        return Answer(302, headers={"location": f"{other_host.origin}{path}"})

    with RecordingServer("127.0.0.1", route) as api:
        request = MergeRequest(
            api_url=f"{api.origin}/api/v4",
            project_id="42",
            iid=5,
            source_project_id="42",
        )
        notes = MergeRequestNotes(
            request,
            SecretStr("glpat-token-0000"),
            HostAllowList([api.origin, other_host.origin]),
            max_retries=0,
        )
        try:
            with pytest.raises(EgressError, match=r"127\.0\.0\.2"):
                notes.upsert("<!-- codedoc -->", "body")
        finally:
            notes.close()
    assert api.requests
    assert other_host.requests == []
