"""GitHubHost against the fake GitHub API, and the collect_changes fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from codedoc_action.changes.collect import collect_changes
from codedoc_action.changes.git import Git
from codedoc_action.changes.model import ChangedFile, ChangeSet, CommitRange
from codedoc_action.ci.events import event_from_env
from codedoc_action.errors import EgressError, GitError, GitHostError
from codedoc_action.githost.base import NetChanges
from codedoc_action.githost.github import GitHubHost
from codedoc_action.http import HostAllowList
from tests.changes.conftest import Remote, github_env, load_payload
from tests.fakes.githost import FakeGitHub, PullRequest
from tests.gitrepo import git


def _host(fake: FakeGitHub, token: str | None = None, retries: int = 0) -> GitHubHost:
    return GitHubHost(
        api_url=fake.url,
        repository=fake.repository,
        token=SecretStr(token or fake.token),
        allowed=HostAllowList(["127.0.0.1"]),
        retries=retries,
        seconds_between_requests=0,
    )


def _git_statuses(repo: Path, base: str, head: str) -> dict[str, str]:
    names = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed"}
    output = git(repo, "diff", "--name-status", "-M", f"{base}...{head}")
    statuses = {}
    for line in output.splitlines():
        fields = line.split("\t")
        statuses[fields[-1]] = names[fields[0][0]]
    return statuses


def test_github_compare_lists_files(remote: Remote, fake_github: FakeGitHub) -> None:
    c1, c3 = remote.shas["c1"], remote.shas["c3"]
    listing = _host(fake_github).changed_files(CommitRange(c1, c3, "push"))
    statuses = {change.path: change.status for change in listing.files}
    assert statuses == _git_statuses(remote.bare, c1, c3)
    assert listing.truncated is False
    assert "compare" in listing.note


def test_github_compare_over_cap_walks_commits(
    remote: Remote, fake_github: FakeGitHub
) -> None:
    base = remote.shas["c3"]
    remote.commit("m1", {f"gen/a{i:03d}.txt": f"{i}\n" for i in range(200)})
    remote.commit("m2", {f"gen/b{i:03d}.txt": f"{i}\n" for i in range(150)})
    changes: dict[str, str | bytes | None] = {"gen/a000.txt": None, "src/util.py": None}
    changes.update({"gen/a001.txt": "changed\n", "gen/tmp.txt": "t\n"})
    remote.commit("m3", changes)
    remote.commit("m4", {"gen/tmp.txt": None})
    remote.push("HEAD:main")
    head = remote.shas["m4"]

    listing = _host(fake_github).changed_files(CommitRange(base, head, "push"))
    statuses = {change.path: change.status for change in listing.files}
    assert statuses == _git_statuses(remote.bare, base, head)
    assert len(statuses) > 300
    assert statuses["gen/a001.txt"] == "added"
    assert "gen/tmp.txt" not in statuses
    assert listing.truncated is False
    assert "combined from 4 commits" in listing.note
    commit_requests = [r for r in fake_github.requests if "/commits/" in r]
    assert len({request.split("?")[0] for request in commit_requests}) == 4


def test_github_commit_over_file_cap_truncated(
    remote: Remote, fake_github: FakeGitHub
) -> None:
    base = remote.shas["c3"]
    remote.commit("huge", {f"bulk/f{i:04d}.txt": f"{i}\n" for i in range(3050)})
    remote.push("HEAD:main")
    listing = _host(fake_github).changed_files(
        CommitRange(base, remote.shas["huge"], "push")
    )
    assert len(listing.files) == 3000
    assert listing.truncated is True
    assert "3000" in listing.note


def test_github_pull_files_paginated(remote: Remote, fake_github: FakeGitHub) -> None:
    git(remote.dev, "checkout", "--quiet", "-b", "topic", remote.shas["c2"])
    head = remote.commit("p", {f"pr/f{i:03d}.py": "x = 1\n" for i in range(250)})
    remote.push("topic")
    fake_github.pulls[4] = PullRequest(base=remote.shas["c3"], head=head)
    listing = _host(fake_github).changed_files(CommitRange(None, head, "pr"), 4)
    assert len(listing.files) == 250
    assert listing.truncated is False
    assert all(change.added_lines == 1 for change in listing.files)
    page_requests = [r for r in fake_github.requests if r.count("/files")]
    assert len(page_requests) == 3


def test_github_pull_files_capped(remote: Remote, fake_github: FakeGitHub) -> None:
    git(remote.dev, "checkout", "--quiet", "-b", "topic", remote.shas["c3"])
    head = remote.commit("p", {f"pr/f{i:04d}.py": "x\n" for i in range(3020)})
    remote.push("topic")
    fake_github.pulls[5] = PullRequest(base=remote.shas["c3"], head=head)
    listing = _host(fake_github).changed_files(CommitRange(None, head, "pr"), 5)
    assert len(listing.files) == 3000
    assert listing.truncated is True
    assert "3020" in listing.note
    assert "20 are missing" in listing.note


def test_github_bad_token(remote: Remote, fake_github: FakeGitHub) -> None:
    wrong = "ghs_wrong_token_value"
    with pytest.raises(GitHostError) as caught:
        _host(fake_github, token=wrong).changed_files(
            CommitRange(remote.shas["c1"], remote.shas["c3"], "push")
        )
    assert "401" in str(caught.value)
    assert "github-token" in str(caught.value)
    assert wrong not in str(caught.value)


def test_github_server_error(remote: Remote, fake_github: FakeGitHub) -> None:
    fake_github.fail_next(502)
    with pytest.raises(GitHostError, match="status 502"):
        _host(fake_github).changed_files(
            CommitRange(remote.shas["c1"], remote.shas["c3"], "push")
        )


def test_github_unknown_commit(remote: Remote, fake_github: FakeGitHub) -> None:
    with pytest.raises(GitHostError, match="status 404"):
        _host(fake_github).changed_files(
            CommitRange("1" * 40, remote.shas["c3"], "push")
        )


def test_github_host_not_allowed(fake_github: FakeGitHub) -> None:
    with pytest.raises(EgressError, match=r"127\.0\.0\.1"):
        GitHubHost(
            api_url=fake_github.url,
            repository=fake_github.repository,
            token=SecretStr(fake_github.token),
            allowed=HostAllowList(["api.github.com"]),
        )
    assert fake_github.requests == []


def test_github_invalid_repository(fake_github: FakeGitHub) -> None:
    with pytest.raises(GitHostError, match="OWNER/NAME"):
        GitHubHost(
            api_url=fake_github.url,
            repository="",
            token=None,
            allowed=HostAllowList(["127.0.0.1"]),
        )


def _unreachable_shallow_checkout(remote: Remote, tmp_path: Path) -> Path:
    workdir = remote.root / "ci"
    git(remote.root, "clone", "--quiet", "--depth", "1", remote.url, str(workdir))
    git(workdir, "remote", "set-url", "origin", (tmp_path / "gone.git").as_uri())
    return workdir


def test_collect_changes_falls_back_to_api(
    remote: Remote, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    c1, c3 = remote.shas["c1"], remote.shas["c3"]
    workdir = _unreachable_shallow_checkout(remote, tmp_path)
    payload = load_payload("push-normal")
    payload.update(before=c1, after=c3, ref="refs/heads/main")
    event = event_from_env(github_env(tmp_path, "push", payload, sha=c3))
    result = collect_changes(
        Git(workdir), event, exclude=["docs/"], host=_host(fake_github)
    )
    assert isinstance(result, ChangeSet)
    assert result.range.base == c1
    assert result.range.head == c3
    assert [change.path for change in result.files] == ["src/app.py", "src/util.py"]
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("docs/guide.md", "excluded")
    ]
    assert "compare" in result.note


def test_collect_changes_pull_request_fallback(
    remote: Remote, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    git(remote.dev, "checkout", "--quiet", "-b", "topic", remote.shas["c2"])
    head = remote.commit("p", {"src/topic.py": "T = 1\n", ".env": "KEY=1\n"})
    remote.push("topic")
    fake_github.pulls[2] = PullRequest(base=remote.shas["c3"], head=head)
    workdir = _unreachable_shallow_checkout(remote, tmp_path)
    payload = load_payload("pull_request-opened")
    payload["pull_request"]["base"]["sha"] = remote.shas["c3"]
    payload["pull_request"]["head"]["sha"] = head
    event = event_from_env(github_env(tmp_path, "pull_request", payload, sha=head))
    result = collect_changes(Git(workdir), event, host=_host(fake_github))
    assert isinstance(result, ChangeSet)
    assert [change.path for change in result.files] == ["src/topic.py"]
    assert [(s.path, s.reason) for s in result.skipped] == [(".env", "secret file")]
    assert any(request.endswith("/pulls/2") for request in fake_github.requests)


def test_collect_changes_without_host_fails(remote: Remote, tmp_path: Path) -> None:
    c1, c3 = remote.shas["c1"], remote.shas["c3"]
    workdir = _unreachable_shallow_checkout(remote, tmp_path)
    payload = load_payload("push-normal")
    payload.update(before=c1, after=c3)
    event = event_from_env(github_env(tmp_path, "push", payload, sha=c3))
    with pytest.raises(GitError) as caught:
        collect_changes(Git(workdir), event)
    assert "fetch-depth: 0" in str(caught.value)


def test_collect_changes_uses_git_when_possible(
    remote: Remote, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    c1, c3 = remote.shas["c1"], remote.shas["c3"]
    workdir = remote.root / "ci"
    git(remote.root, "clone", "--quiet", "--depth", "1", remote.url, str(workdir))
    payload = load_payload("push-normal")
    payload.update(before=c1, after=c3)
    event = event_from_env(github_env(tmp_path, "push", payload, sha=c3))
    result = collect_changes(Git(workdir), event, host=_host(fake_github))
    assert isinstance(result, ChangeSet)
    assert result.note == ""
    assert fake_github.requests == []
    assert {change.path for change in result.files} == {
        "docs/guide.md",
        "src/app.py",
        "src/util.py",
    }


def _change(path: str, status: str, old: str | None = None) -> ChangedFile:
    return ChangedFile(path=path, status=status, old_path=old, added_lines=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("commits", "expected"),
    [
        ([[_change("a", "added")], [_change("a", "deleted")]], {}),
        ([[_change("a", "added")], [_change("a", "modified")]], {"a": "added"}),
        ([[_change("a", "deleted")], [_change("a", "added")]], {"a": "modified"}),
        (
            [[_change("b", "renamed", "a")], [_change("b", "modified")]],
            {"b": "renamed"},
        ),
        (
            [[_change("b", "renamed", "a")], [_change("a", "renamed", "b")]],
            {"a": "modified"},
        ),
        ([[_change("a", "modified")], [_change("a", "deleted")]], {"a": "deleted"}),
    ],
)
def test_net_changes_combines_commits(
    commits: list[list[ChangedFile]], expected: dict[str, str]
) -> None:
    net = NetChanges()
    for files in commits:
        net.add_commit(files)
    assert {change.path: change.status for change in net.files()} == expected
