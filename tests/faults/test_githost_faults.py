"""Faults on the Git host APIs (PyGithub, python-gitlab) and on git fetch.

These clients keep their own timeouts and retries, outside HttpClient, so they
are driven in-process with short limits against a scripted loopback server.
Every failure must be a GitHostError or GitError whose message names the
call and a fix, never a library exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from codedoc_action.changes.git import FetchAuth, Git
from codedoc_action.changes.model import CommitRange
from codedoc_action.errors import GitError, GitHostError
from codedoc_action.githost.base import GitHost
from codedoc_action.githost.github import GitHubHost
from codedoc_action.githost.gitlab import GitLabHost
from codedoc_action.http import HostAllowList
from tests.gitrepo import clone, commit_files, git, init_repo
from tests.security.harness import GITHUB_TOKEN, SceneBuilder
from tests.security.servers import Answer, RecordingServer

RANGE = CommitRange("a" * 40, "b" * 40, "push")
GITHUB_COMPARE = {
    "files": [
        {
            "filename": "a.py",
            "status": "modified",
            "additions": 1,
            "deletions": 0,
            "sha": "1" * 40,
            "patch": "@@ -1 +1,2 @@",
        }
    ],
    "commits": [],
    "total_commits": 1,
}
GITLAB_COMPARE = {
    "diffs": [
        {
            "new_path": "a.py",
            "old_path": "a.py",
            "new_file": False,
            "deleted_file": False,
            "renamed_file": False,
            "diff": "@@ -1 +1 @@\n-a\n+b\n",
        }
    ],
    "commits": [],
}


class ScriptedApi(RecordingServer):
    """Serves the queued faults first, then the good response."""

    def __init__(self, good: object, faults: list[Answer]) -> None:
        self._faults = list(faults)
        self._good = good
        super().__init__("127.0.0.1", self._next)

    def _next(self, method: str, path: str) -> Answer:
        if self._faults:
            return self._faults.pop(0)
        return Answer(200, self._good)


def _github(api: ScriptedApi) -> GitHubHost:
    return GitHubHost(
        api_url=api.origin,
        repository="octo/project",
        token=SecretStr(GITHUB_TOKEN),
        allowed=HostAllowList([api.origin]),
        timeout=1,
        retries=1,
        seconds_between_requests=0,
    )


def _gitlab(api: ScriptedApi) -> GitLabHost:
    return GitLabHost(
        server_url=api.origin,
        project_id="42",
        token=SecretStr(GITHUB_TOKEN),
        allowed=HostAllowList([api.origin]),
        timeout=1.0,
    )


Opened = list[tuple[GitHost, ScriptedApi]]


@pytest.fixture
def hosts() -> Iterator[Opened]:
    opened: Opened = []
    yield opened
    for host, api in opened:
        close = getattr(host, "close", None)
        if close is not None:
            close()
        api.__exit__(None, None, None)


def _start(
    kind: str, faults: list[Answer], opened: Opened
) -> tuple[GitHost, ScriptedApi]:
    good = GITHUB_COMPARE if kind == "github" else GITLAB_COMPARE
    api = ScriptedApi(good, faults)
    api.__enter__()
    host: GitHost = _github(api) if kind == "github" else _gitlab(api)
    opened.append((host, api))
    return host, api


# GitHub: PyGithub retries connection errors and 429 (Retry-After), but with
# an integer retry count it does not retry 5xx, so those fail at once.
GITHUB_RECOVERED = {
    "429 once": [Answer(429, {"message": "slow down"}, {"retry-after": "0"})],
}
GITHUB_FAILED = {
    "500": ([Answer(500, {"message": "boom"})], "retry the run"),
    "502 always": ([Answer(502, {"message": "bad gateway"})] * 3, "retry the run"),
    "timeout": ([Answer(200, GITHUB_COMPARE, delay=2.0)] * 2, "API URL"),
    "reset": ([Answer(reset=True)] * 2, "API URL"),
    "malformed JSON": ([Answer(200, raw=b'{"files": [')], "GITHUB_API_URL"),
    "empty body": ([Answer(200, raw=b"")], "GITHUB_API_URL"),
    "401": ([Answer(401, {"message": "Bad credentials"})], "github-token"),
}
# GitLab: python-gitlab retries 5xx, 429 and connection errors up to 10 times
# with backoff, so a fault that lasts a few attempts is recovered.
GITLAB_RECOVERED = {
    "500 three times": [Answer(500, {"message": "boom"})] * 3,
    "429 once": [Answer(429, {"message": "slow"}, {"retry-after": "0"})],
    "timeout once": [Answer(200, GITLAB_COMPARE, delay=2.0)],
    "reset twice": [Answer(reset=True)] * 2,
}
GITLAB_FAILED = {
    "malformed JSON": ([Answer(200, raw=b'{"diffs": [')], "GitLab"),
    "empty body": ([Answer(200, raw=b"")], "GitLab"),
    "401": ([Answer(401, {"message": "401 Unauthorized"})], "token"),
}


@pytest.mark.parametrize("case", list(GITHUB_RECOVERED))
def test_github_fault_recovered(hosts: Opened, case: str) -> None:
    host, api = _start("github", GITHUB_RECOVERED[case], hosts)
    listing = host.changed_files(RANGE)
    assert [change.path for change in listing.files] == ["a.py"]
    assert len(api.requests) == 2


@pytest.mark.parametrize("case", list(GITHUB_FAILED))
def test_github_fault_reported(hosts: Opened, case: str) -> None:
    faults, fix = GITHUB_FAILED[case]
    host, _api = _start("github", faults, hosts)
    with pytest.raises(GitHostError) as caught:
        host.changed_files(RANGE)
    message = str(caught.value)
    assert "GitHub API" in message
    assert "octo/project" in message
    assert fix in message
    assert GITHUB_TOKEN not in message


@pytest.mark.parametrize("case", list(GITLAB_RECOVERED))
def test_gitlab_fault_recovered(hosts: Opened, case: str) -> None:
    host, api = _start("gitlab", GITLAB_RECOVERED[case], hosts)
    listing = host.changed_files(RANGE)
    assert [change.path for change in listing.files] == ["a.py"]
    assert len(api.requests) == len(GITLAB_RECOVERED[case]) + 1


@pytest.mark.parametrize("case", list(GITLAB_FAILED))
def test_gitlab_fault_reported(hosts: Opened, case: str) -> None:
    faults, fix = GITLAB_FAILED[case]
    host, _api = _start("gitlab", faults, hosts)
    with pytest.raises(GitHostError) as caught:
        host.changed_files(RANGE)
    message = str(caught.value)
    assert "GitLab API" in message
    assert fix in message
    assert GITHUB_TOKEN not in message


def _checkout_with_origin(tmp_path: Path, origin: str) -> Git:
    repo = init_repo(tmp_path / "work")
    commit_files(repo, {"a.txt": "a\n"}, "first")
    git(repo, "remote", "add", "origin", origin)
    auth = FetchAuth("x-access-token", SecretStr(GITHUB_TOKEN), scope_url=origin)
    return Git(repo, fetch_auth=auth, timeout=1.0)


@pytest.mark.parametrize(
    ("case", "answer", "phrase"),
    [
        ("timeout", Answer(200, raw=b"", delay=3.0), "timed out after 1 s"),
        ("reset", Answer(reset=True), "exit 128"),
        ("500", Answer(500, {"message": "boom"}), "exit 128"),
        ("garbage", Answer(200, raw=b"not a git server"), "exit 128"),
    ],
)
def test_git_fetch_fault_reported(
    tmp_path: Path, case: str, answer: Answer, phrase: str
) -> None:
    with RecordingServer("127.0.0.1", lambda method, path: answer) as server:
        repo = _checkout_with_origin(tmp_path, f"{server.origin}/octo/project.git")
        with pytest.raises(GitError) as caught:
            repo.fetch("c" * 40)
    message = str(caught.value)
    assert "git fetch" in message
    assert phrase in message
    assert GITHUB_TOKEN not in message
    encoded = FetchAuth("x-access-token", SecretStr(GITHUB_TOKEN)).secrets()[1]
    assert encoded not in message
    assert server.requests, "git never contacted the remote"


def test_git_fetch_unreachable_origin_exit_1(
    scenes: SceneBuilder, tmp_path: Path
) -> None:
    """A shallow checkout whose origin is gone: the run names the fix and exits 1."""
    scene = scenes.build()
    bare = tmp_path / "origin.git"
    clone(scene.repo.path, bare, "--bare")
    workspace = tmp_path / "checkout"
    clone(bare.as_uri(), workspace, "--depth=1")
    git(workspace, "remote", "set-url", "origin", "http://127.0.0.1:9/gone.git")
    run = scene.run(scene.env(workspace=workspace))
    assert run.returncode == 1, run.log
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1
    assert "fetch-depth: 0" in run.log
    assert "Traceback" not in run.log
    assert scene.confluence.page(scene.page_id)["version"] == 1
